import type { DirEntry } from '../files/listing.js';
import { humanSize } from '../shared/size.js';
import { BASE_STYLE, contentSecurityPolicy, encodePath, html, raw, type SafeHtml } from './html.js';

export { humanSize };

export const INDEX_CSP = contentSecurityPolicy([]);

const STYLE = `${BASE_STYLE}
header{padding:12px 16px;border-bottom:1px solid var(--line)}h1{font-size:16px;margin:0}
table{border-collapse:collapse;width:100%}th,td{text-align:left;padding:6px 16px;border-bottom:1px solid var(--line);white-space:nowrap}
th{font-weight:600;color:var(--mute)}td.name{white-space:normal;overflow-wrap:anywhere;width:100%}td.num{text-align:right;font-variant-numeric:tabular-nums}
td.acts a{margin-right:10px}.empty{padding:16px;color:var(--mute)}
`;

/** Links from the root down to `rel`, each segment its own link. */
export function breadcrumbs(base: string, rel: string, lastIsFile: boolean): SafeHtml {
  const segs = rel === '' ? [] : rel.split('/');
  const crumbs = segs.map((name, i) => {
    const sub = segs.slice(0, i + 1).join('/');
    const last = i === segs.length - 1;
    return last && lastIsFile ? html` / <strong>${name}</strong>` : html` / <a href="${base}/browse/${encodePath(sub)}">${name}</a>`;
  });
  return html`<a href="${base}/">logs</a>${crumbs}`;
}

export function indexPage(base: string, rel: string, entries: readonly DirEntry[]): string {
  const parent = rel.includes('/') ? `${base}/browse/${encodePath(rel.slice(0, rel.lastIndexOf('/')))}` : `${base}/`;
  const rows = entries.map((e) => {
    const p = encodePath(e.path);
    if (e.type === 'dir') {
      return html`<tr><td class="name"><a href="${base}/browse/${p}">${e.name}/</a></td><td class="num">—</td><td><time datetime="${e.mtime}">${e.mtime.replace('T', ' ').slice(0, 19)}</time></td><td class="acts"></td></tr>`;
    }
    return html`<tr><td class="name"><a href="${base}/view/${p}">${e.name}</a></td><td class="num" title="${e.size} bytes">${humanSize(e.size)}</td><td><time datetime="${e.mtime}">${e.mtime.replace('T', ' ').slice(0, 19)}</time></td><td class="acts"><a href="${base}/view/${p}">view</a><a href="${base}/tail/${p}">tail</a><a href="${base}/download/${p}">download</a></td></tr>`;
  });
  return html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><title>${rel === '' ? 'logs' : rel} · comet-tail</title><style>${raw(STYLE)}</style></head>
<body><header><h1>${breadcrumbs(base, rel, false)}</h1></header>
<table><thead><tr><th>name</th><th>size</th><th>modified (UTC)</th><th></th></tr></thead><tbody>
${rel === '' ? '' : html`<tr><td class="name"><a href="${parent}">../</a></td><td></td><td></td><td></td></tr>`}
${rows}
</tbody></table>${entries.length === 0 ? html`<p class="empty">This directory is empty.</p>` : ''}
</body></html>`.value;
}
