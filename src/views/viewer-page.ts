import { ANSI_STYLE } from '../shared/ansi-style.js';
import { BASE_STYLE, contentSecurityPolicy, encodePath, html, PAGE_HEAD, raw } from './html.js';
import { breadcrumbs, humanSize } from './index-page.js';

/** Scripts from our own origin only (the bundle); the iframe is for the no-script page. */
export const VIEWER_CSP = contentSecurityPolicy([], ["frame-src 'self'"], ["'self'"]);

// Enough for the page without script (and without the bundle); the viewer's own look is the bundle's CSS.
const STYLE = `${BASE_STYLE}
header{display:flex;flex-wrap:wrap;gap:4px 16px;align-items:baseline;padding:8px 16px;border-bottom:1px solid var(--line)}
h1{font-size:15px;margin:0;overflow-wrap:anywhere}header .meta{color:var(--mute);white-space:nowrap}header nav a{margin-right:12px}
iframe{display:block;border:0;width:100%;height:calc(100vh - 48px)}
`;

export interface ViewerFile {
  readonly rel: string;
  readonly size: number;
  readonly lines: number;
}

export interface ViewerClient {
  /** Hashed file names of the bundle under /assets, or null when it was not built. */
  readonly script: string | null;
  readonly style: string | null;
  readonly maxLines: number;
  readonly heartbeatMs: number;
}

/**
 * With script: the viewer (src/client) builds itself inside #viewer from the data- attributes.
 * Without: the html stream in a same-origin iframe inside <noscript>, so a scripted page never
 * opens that second stream only to throw it away.
 */
export function viewerPage(base: string, file: ViewerFile, client: ViewerClient): string {
  const p = encodePath(file.rel);
  const name = file.rel.slice(file.rel.lastIndexOf('/') + 1);
  const assets = `${base}/assets/`;
  return html`${PAGE_HEAD}<title>${name} · comet-tail</title><link rel="icon" href="data:,"><style>${raw(STYLE)}${raw(ANSI_STYLE)}</style>
${client.style === null ? '' : html`<link rel="stylesheet" href="${assets}${client.style}">`}
${client.script === null ? '' : html`<script src="${assets}${client.script}" defer></script>`}</head>
<body><header><h1>${breadcrumbs(base, file.rel, true)}</h1><span class="meta" id="size" title="${file.size} bytes">${humanSize(file.size)}</span>
<nav><a href="${base}/tail/${p}?format=text&amp;lines=${file.lines}">raw</a><a href="${base}/download/${p}">download</a></nav></header>
<noscript><iframe id="log" title="${name}" src="${base}/tail/${p}?format=html&amp;lines=${file.lines}"></iframe></noscript>
<main id="viewer" hidden data-base="${base}" data-file="${file.rel}" data-name="${name}"
  data-size="${file.size}" data-tail-lines="${file.lines}" data-max-lines="${client.maxLines}"
  data-heartbeat-ms="${client.heartbeatMs}">
<div class="tools">
<input id="filter" type="search" aria-label="Filter lines" placeholder="Filter (press /)" autocomplete="off" spellcheck="false" aria-describedby="filter-error">
<button id="regex" type="button" aria-pressed="false" aria-label="Regular expression" title="Regular expression">.*</button>
<button id="case" type="button" aria-pressed="false" aria-label="Match case" title="Match case">Aa</button>
<button id="invert" type="button" aria-pressed="false" aria-label="Invert: show lines that do not match" title="Invert: show lines that do not match">!=</button>
<button id="search" type="button" title="Search the whole file for this (Ctrl+Enter)">search file</button>
<button id="wrap" type="button" aria-pressed="true" title="Wrap long lines">wrap</button>
<button id="theme" type="button" aria-label="Switch theme" title="Switch theme">theme</button>
<span id="filter-error" class="err" role="alert" hidden></span>
</div>
<div id="mode" class="mode" role="status" hidden></div>
<div id="banner" class="banner" role="alert" hidden></div>
<div id="lines" tabindex="0" role="region" aria-label="Lines of ${name}" aria-describedby="keys"
  ><p id="older" class="edge"
    ><button id="older-button" type="button" hidden>load older lines</button
    ><span id="older-start" hidden>start of file</span></p
  ><div id="trimmed" class="n" hidden></div
  ><p id="newer" class="edge" hidden><button id="newer-button" type="button" hidden>load newer lines</button></p
></div>
<button id="jump" type="button" hidden>new lines</button>
<footer class="status"
  ><span id="conn" role="status">connecting…</span
  ><span id="st-name">${name}</span
  ><span id="st-size" title="${file.size} bytes">${humanSize(file.size)}</span
  ><span id="st-count">0 lines</span>
<span id="keys" class="keys">/ filter · Ctrl+Enter search file · Esc clear · g/G top/end · j/k select · r raw · c copy · l link</span></footer>
</main>
</body></html>`.value;
}
