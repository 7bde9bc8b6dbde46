import type { DirEntry } from '../files/listing.js';
import { arrangeEntries, type IndexSort, type SortKey } from '../shared/index-order.js';
import { exactSize, exactTime, relativeTime } from '../shared/readable.js';
import { humanSize } from '../shared/size.js';
import { BASE_STYLE, contentSecurityPolicy, encodePath, html, PAGE_HEAD, raw, type SafeHtml } from './html.js';

export { humanSize };

/** Scripts from our own origin only (the bundle); the page is whole without them. */
export const INDEX_CSP = contentSecurityPolicy([], [], ["'self'"]);

const STYLE = `${BASE_STYLE}
header{display:flex;flex-wrap:wrap;gap:8px 16px;align-items:center;justify-content:space-between;padding:10px 16px;border-bottom:1px solid var(--line)}
h1{font-size:16px;margin:0;overflow-wrap:anywhere}
form.filter{display:flex;gap:6px;align-items:center;flex:0 1 22em;min-width:0}
form.filter input{flex:1;min-width:0;font:inherit;padding:4px 8px;border:1px solid var(--mute);border-radius:4px;background:var(--bg);color:var(--fg)}
form.filter button{font:inherit;padding:4px 10px;border:1px solid var(--mute);border-radius:4px;background:var(--bg);color:var(--fg)}
:focus-visible{outline:2px solid var(--link);outline-offset:1px}
.sr{position:absolute;width:1px;height:1px;overflow:hidden;clip:rect(0 0 0 0);white-space:nowrap}
table{border-collapse:collapse;width:100%}
th,td{text-align:left;padding:6px 16px;border-bottom:1px solid var(--line);white-space:nowrap}
th{font-weight:600}th a{color:var(--fg);text-decoration:none}th a:hover{text-decoration:underline}th .arrow{color:var(--link);margin-left:4px}
td.name{white-space:normal;overflow-wrap:anywhere;width:100%}
td.size,th.size{text-align:right;font-variant-numeric:tabular-nums}
td.links a{margin-right:10px}
tbody.group tr.rotated td{border-bottom-color:transparent}tbody.group tr:last-child td{border-bottom-color:var(--line)}
tr.rotated td.name{padding-left:36px}tr.rotated td.name a.open{color:var(--mute)}
.tag{font-size:12px;color:var(--mute);border:1px solid var(--line);border-radius:3px;padding:0 4px;margin-left:6px}
tr[hidden],tbody[hidden]{display:none}
.empty{padding:16px;color:var(--mute)}
.side{display:flex;gap:8px;align-items:center}.live-state{color:var(--mute);font-size:12px;white-space:nowrap}#live[data-state=live]{color:var(--ok,#1a7f37)}
#theme{font:inherit;font-size:12px;min-height:28px}
@media (max-width:640px){
header{padding:8px 12px}form.filter{flex:1 1 100%}
thead tr{display:flex;gap:14px;padding:6px 12px;border-bottom:1px solid var(--line)}thead th{padding:0;border:0}thead th.links{display:none}
tbody tr{display:flex;flex-wrap:wrap;align-items:baseline;column-gap:12px;padding:6px 12px;border-bottom:1px solid var(--line)}
tbody td{padding:0;border:0}tbody td.name{flex:1 1 100%}tbody td.size{text-align:left}tbody td.links{margin-left:auto}
tbody.group tr.rotated{border-bottom-color:transparent}tbody.group tr:last-child{border-bottom-color:var(--line)}tr.rotated{padding-left:28px}tr.rotated td.name{padding-left:0}
}
`;

/** Links from the root down to `rel`, each segment its own link. */
export function breadcrumbs(base: string, rel: string, lastIsFile: boolean): SafeHtml {
  const segs = rel === '' ? [] : rel.split('/');
  const crumbs = segs.map((name, i) => {
    const sub = segs.slice(0, i + 1).join('/');
    const last = i === segs.length - 1;
    return last && lastIsFile
      ? html` / <strong>${name}</strong>`
      : html` / <a href="${base}/browse/${encodePath(sub)}">${name}</a>`;
  });
  return html`<a href="${base}/">logs</a>${crumbs}`;
}

export interface IndexView {
  readonly base: string;
  readonly rel: string;
  /** Already filtered by `q`. */
  readonly entries: readonly DirEntry[];
  readonly sort: IndexSort;
  readonly q: string;
  /** The request's time: relative times are rendered against it. */
  readonly now: number;
  /** Hashed file names of the bundle under /assets, or null when it was not built. */
  readonly client: { readonly script: string | null; readonly style: string | null };
}

/** What the browser copies for an entry that appears later, so its rows are this file's markup too. */
const TEMPLATE_FILE: DirEntry = {
  name: '',
  path: '',
  type: 'file',
  size: 0,
  mtime: new Date(0).toISOString(),
  family: '',
  compressed: true,
};
const TEMPLATE_DIR: DirEntry = { ...TEMPLATE_FILE, type: 'dir', compressed: false };

const COLUMNS: ReadonlyArray<{ key: SortKey; label: string }> = [
  { key: 'name', label: 'Name' },
  { key: 'size', label: 'Size' },
  { key: 'mtime', label: 'Modified' },
];

/** The page's own URL with another sort (`…?sort=size&order=desc&q=…`), for the header links. */
function sortHref(view: IndexView, sort: IndexSort): string {
  const params = new URLSearchParams({ sort: sort.key, order: sort.order });
  if (view.q !== '') params.set('q', view.q);
  return `${view.rel === '' ? `${view.base}/` : `${view.base}/browse/${encodePath(view.rel)}`}?${params.toString()}`;
}

function header(view: IndexView): SafeHtml {
  const cells = COLUMNS.map(({ key, label }) => {
    const current = view.sort.key === key;
    // The current column flips its order; another starts with the order people want first (names a-z, biggest and newest first).
    const next = current ? (view.sort.order === 'asc' ? 'desc' : 'asc') : key === 'name' ? 'asc' : 'desc';
    const ariaSort = current ? (view.sort.order === 'asc' ? 'ascending' : 'descending') : null;
    const arrow = current
      ? html`<span class="arrow" aria-hidden="true">${view.sort.order === 'asc' ? '▲' : '▼'}</span>`
      : '';
    return html`<th scope="col" class="${key}"${ariaSort === null ? '' : html` aria-sort="${ariaSort}"`}><a href="${sortHref(view, { key, order: next })}">${label}${arrow}</a></th>`;
  });
  return html`<thead><tr>${cells}<th scope="col" class="links"><span class="sr">Actions</span></th></tr></thead>`;
}

/** An href, or none in a template (the browser sets it), so the page holds no link that leads nowhere. */
const href = (url: string, template: boolean): SafeHtml => (template ? raw('') : html` href="${url}"`);

/** One row; the browser fills the same markup (from the templates) for entries that appear later. */
function row(base: string, e: DirEntry, now: number, template = false): SafeHtml {
  const p = encodePath(e.path);
  const data = html`data-path="${e.path}" data-name="${e.name}" data-type="${e.type}" data-size="${e.size}" data-mtime="${e.mtime}" data-family="${e.family}"`;
  const time = html`<td class="mtime"><time datetime="${e.mtime}" title="${exactTime(e.mtime)}">${relativeTime(Date.parse(e.mtime), now)}</time></td>`;
  if (e.type === 'dir') {
    return html`<tr class="entry dir" ${data}><td class="name"><a class="open"${href(`${base}/browse/${p}`, template)}>${e.name}/</a></td><td class="size">—</td>${time}<td class="links"></td></tr>`;
  }
  const tag = e.compressed ? html`<span class="tag" title="compressed: shown decompressed">gz</span>` : '';
  const rotated = e.name !== e.family;
  const links = (['view', 'tail', 'download'] as const).map(
    (route) => html`<a class="${route}"${href(`${base}/${route}/${p}`, template)}>${route}</a>`,
  );
  // Cells as parts of one array: rendered joined, with nothing between them.
  const cells = [
    html`<td class="name"><a class="open"${href(`${base}/view/${p}`, template)}>${e.name}</a>${tag}</td>`,
    html`<td class="size" title="${exactSize(e.size)}">${humanSize(e.size)}</td>`,
    time,
    html`<td class="links">${links}</td>`,
  ];
  return html`<tr class="entry file${rotated ? ' rotated' : ''}" ${data}>${cells}</tr>`;
}

/** The directory index: families together (the live file first), sortable by the column links, filtered by the GET form; all of it without script. */
export function indexPage(view: IndexView): string {
  const { base, rel } = view;
  const parent = rel.includes('/') ? `${base}/browse/${encodePath(rel.slice(0, rel.lastIndexOf('/')))}` : `${base}/`;
  const groups = arrangeEntries(view.entries, view.sort).map((members) => {
    const lead = members[0];
    const family = lead !== undefined && lead.type === 'file' ? lead.family : null;
    return html`<tbody class="${family === null ? 'dir' : 'group'}"${family === null ? '' : html` data-family="${family}"`}>${members.map((e) => row(base, e, view.now))}</tbody>`;
  });
  const hidden = (name: string, value: string): SafeHtml => html`<input type="hidden" name="${name}" value="${value}">`;
  const sortFields =
    view.sort.key === 'name' && view.sort.order === 'asc'
      ? ''
      : html`${hidden('sort', view.sort.key)}${hidden('order', view.sort.order)}`;
  const assets = `${base}/assets/`;
  const { script, style } = view.client;
  const empty = view.q === '' ? 'This directory is empty.' : `Nothing here matches “${view.q}”.`;
  return html`${PAGE_HEAD}<title>${rel === '' ? 'logs' : rel} · comet-tail</title>${style === null ? '' : html`<link rel="stylesheet" href="${assets}${style}">`}<style>${raw(STYLE)}</style>
${script === null ? '' : html`<script src="${assets}${script}" defer></script>`}</head>
<body><header><h1>${breadcrumbs(base, rel, false)}</h1>
<form class="filter" method="get" role="search">${[
    html`<label class="sr" for="q">Filter by name</label>`,
    html`<input id="q" name="q" type="search" value="${view.q}" placeholder="Filter by name" autocomplete="off" spellcheck="false">`,
    sortFields,
    html`<button type="submit">Filter</button>`,
  ]}</form>
<div class="side"><span class="live-state" id="live" role="status"></span><button id="theme" type="button" hidden>theme</button></div></header>
<main><table id="index" data-base="${base}" data-dir="${rel}" data-sort="${view.sort.key}" data-order="${view.sort.order}">${header(view)}
${rel === '' ? '' : html`<tbody class="up"><tr><td class="name" colspan="4"><a href="${parent}">../</a></td></tr></tbody>`}
${groups}
</table><p class="empty" id="empty"${view.entries.length === 0 ? '' : raw(' hidden')}>${empty}</p></main>
<template id="row-file">${row(base, TEMPLATE_FILE, view.now, true)}</template><template id="row-dir">${row(base, TEMPLATE_DIR, view.now, true)}</template>
</body></html>`.value;
}
