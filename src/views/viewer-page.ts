import { BASE_STYLE, contentSecurityPolicy, encodePath, html, raw } from './html.js';
import { breadcrumbs, humanSize } from './index-page.js';

export const VIEWER_CSP = contentSecurityPolicy([], ["frame-src 'self'"]);

const STYLE = `${BASE_STYLE}
html,body{height:100%}body{display:flex;flex-direction:column}
header{display:flex;gap:16px;align-items:baseline;padding:8px 16px;border-bottom:1px solid var(--line)}
h1{font-size:15px;margin:0;overflow-wrap:anywhere}header .meta{color:var(--mute);white-space:nowrap}header nav a{margin-left:12px}
iframe{flex:1;border:0;width:100%}
`;

export interface ViewerFile {
  readonly rel: string;
  readonly size: number;
  readonly lines: number;
}

/** The file's html stream in a same-origin iframe; the stream document keeps itself scrolled to its end. */
export function viewerPage(base: string, file: ViewerFile): string {
  const p = encodePath(file.rel);
  const name = file.rel.slice(file.rel.lastIndexOf('/') + 1);
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${name} · comet-tail</title><style>${raw(STYLE)}</style></head>
<body><header><h1>${breadcrumbs(base, file.rel, true)}</h1><span class="meta">${humanSize(file.size)}</span>
<nav><a href="${base}/tail/${p}?format=text&amp;lines=${file.lines}">raw</a><a href="${base}/download/${p}">download</a></nav></header>
<iframe id="log" title="${name}" src="${base}/tail/${p}?format=html&amp;lines=${file.lines}"></iframe>
</body></html>`.value;
}
