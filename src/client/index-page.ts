// The index page's script: live filtering, relative times kept fresh, and the live index
// (new files appear, sizes and times change, deleted files vanish) from the page's own event stream.
// The page is whole without it: sorting and filtering are links and a form the server answers.
import { backoffMs } from './backoff.js';
import { IndexTable, type IndexEntry } from './index-table.js';
import { setUpTheme } from './theme.js';
import { SORT_KEYS, SORT_ORDERS, type IndexSort } from '../shared/index-order.js';

const TIMES_EVERY_MS = 15_000;

function sortOf(table: HTMLTableElement): IndexSort {
  const key = SORT_KEYS.find((k) => k === table.dataset.sort) ?? 'name';
  const order = SORT_ORDERS.find((o) => o === table.dataset.order) ?? 'asc';
  return { key, order };
}

/** The filter box filters as one types; the URL (and the sort links) keep what was typed, so a reload or a link shows the same. */
function liveFilter(input: HTMLInputElement, table: IndexTable): void {
  const apply = (): void => {
    const q = input.value;
    table.setFilter(q);
    const url = new URL(location.href);
    if (q === '') url.searchParams.delete('q');
    else url.searchParams.set('q', q);
    history.replaceState(null, '', url);
    for (const a of document.querySelectorAll<HTMLAnchorElement>('thead th a')) {
      const link = new URL(a.href);
      if (q === '') link.searchParams.delete('q');
      else link.searchParams.set('q', q);
      a.href = link.toString();
    }
  };
  input.addEventListener('input', apply);
  input.form?.addEventListener('submit', (e) => {
    e.preventDefault();
    apply();
  });
  apply();
}

const isEntry = (v: unknown): v is IndexEntry =>
  typeof v === 'object' &&
  v !== null &&
  'path' in v &&
  typeof v.path === 'string' &&
  'name' in v &&
  typeof v.name === 'string' &&
  'mtime' in v &&
  typeof v.mtime === 'string';

/**
 * The live index. On every (re)connect the whole listing is fetched once, so
 * whatever changed while disconnected (or between the page and the stream) is
 * caught up; events that arrive meanwhile are applied after it, in order.
 */
function liveIndex(table: IndexTable, state: HTMLElement): void {
  const here = location.pathname;
  let attempt = 0;
  const show = (s: 'connecting' | 'live' | 'reconnecting'): void => {
    state.dataset.state = s;
    state.textContent = s === 'live' ? '● live' : s === 'connecting' ? 'connecting…' : 'reconnecting…';
    state.title =
      s === 'live' ? 'New, changed and deleted files show up here by themselves' : 'The live index is reconnecting';
  };
  const connect = (): void => {
    show(attempt === 0 ? 'connecting' : 'reconnecting');
    const source = new EventSource(`${here}?format=sse`);
    let pending: Array<() => void> | null = null;
    const apply = (change: () => void): void => (pending === null ? change() : void pending.push(change));
    source.addEventListener('entry', (e) => {
      if (!(e instanceof MessageEvent) || typeof e.data !== 'string') return;
      const entry: unknown = JSON.parse(e.data);
      if (isEntry(entry)) apply(() => table.upsert(entry));
    });
    source.addEventListener('removed', (e) => {
      if (!(e instanceof MessageEvent) || typeof e.data !== 'string') return;
      const gone: unknown = JSON.parse(e.data);
      const path =
        typeof gone === 'object' && gone !== null && 'path' in gone && typeof gone.path === 'string' ? gone.path : null;
      if (path !== null) apply(() => table.remove(path));
    });
    source.addEventListener('open', () => {
      attempt = 0;
      const queued: Array<() => void> = [];
      pending = queued;
      void fetch(here, { headers: { Accept: 'application/json' } })
        .then(async (res) => {
          if (!res.ok) throw new Error(`the index answered ${res.status}`);
          const body: unknown = await res.json();
          const entries =
            typeof body === 'object' && body !== null && 'entries' in body && Array.isArray(body.entries)
              ? body.entries.filter(isEntry)
              : [];
          const now = new Set(entries.map((e) => e.path));
          for (const p of table.paths()) if (!now.has(p)) table.remove(p);
          for (const e of entries) table.upsert(e);
        })
        .catch(() => {
          // the events alone keep the page going; the next reconnect catches up
        })
        .finally(() => {
          pending = null;
          for (const change of queued) change();
          show('live');
        });
    });
    source.addEventListener('error', () => {
      if (source.readyState !== EventSource.CLOSED) {
        show('reconnecting');
        return;
      }
      // Refused (503 past MAX_STREAMS, a proxy's error): EventSource gives up, we do not.
      attempt++;
      show('reconnecting');
      setTimeout(connect, backoffMs(attempt, 2000, 30_000));
    });
  };
  connect();
}

function main(): void {
  const tableEl = document.getElementById('index');
  const empty = document.getElementById('empty');
  if (!(tableEl instanceof HTMLTableElement) || empty === null) return;
  const table = new IndexTable(tableEl, empty, tableEl.dataset.base ?? '', sortOf(tableEl));
  const input = document.getElementById('q');
  if (input instanceof HTMLInputElement) liveFilter(input, table);
  setInterval(() => table.refreshTimes(Date.now()), TIMES_EVERY_MS);
  const theme = document.getElementById('theme');
  if (theme instanceof HTMLButtonElement) {
    theme.hidden = false;
    setUpTheme(theme);
  }
  const state = document.getElementById('live');
  if (state !== null) liveIndex(table, state);
}

main();
