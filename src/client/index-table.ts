import { arrangeEntries, matchesFilter, type IndexSort, type Orderable } from '../shared/index-order.js';
import { exactSize, exactTime, relativeTime } from '../shared/readable.js';
import { humanSize } from '../shared/size.js';

/** An entry as the index JSON and its live stream give it. */
export interface IndexEntry extends Orderable {
  readonly path: string;
  readonly compressed: boolean;
}

const encodePath = (rel: string): string => rel.split('/').map(encodeURIComponent).join('/');

/** The entry a server-rendered row stands for, from its data- attributes. */
function entryOfRow(tr: HTMLTableRowElement): IndexEntry | null {
  const d = tr.dataset;
  if (d.path === undefined || d.name === undefined || d.mtime === undefined) return null;
  return {
    path: d.path,
    name: d.name,
    type: d.type === 'dir' ? 'dir' : 'file',
    size: Number(d.size ?? 0),
    mtime: d.mtime,
    family: d.family ?? d.name,
    compressed: tr.querySelector('.tag') !== null,
  };
}

/**
 * The index table as the page keeps it live: the rows the server rendered,
 * then rows copied from its templates for entries that appear, each family in
 * its own tbody, in the order the server would give (src/shared/index-order).
 */
export class IndexTable {
  private readonly entries = new Map<string, IndexEntry>();
  private readonly rows = new Map<string, HTMLTableRowElement>();
  private readonly groups = new Map<string, HTMLTableSectionElement>();
  private filter = '';
  private arrangeScheduled = false;

  constructor(
    private readonly table: HTMLTableElement,
    private readonly empty: HTMLElement,
    private readonly base: string,
    private readonly sort: IndexSort,
  ) {
    for (const tbody of table.tBodies) {
      if (!tbody.classList.contains('group') && !tbody.classList.contains('dir')) continue;
      for (const tr of tbody.rows) {
        const e = entryOfRow(tr);
        if (e === null) continue;
        this.entries.set(e.path, e);
        this.rows.set(e.path, tr);
      }
      this.groups.set(this.groupKey(tbody.rows[0]), tbody);
    }
  }

  paths(): string[] {
    return [...this.entries.keys()];
  }

  /** An entry appeared or changed. */
  upsert(e: IndexEntry): void {
    const before = this.entries.get(e.path);
    this.entries.set(e.path, e);
    const tr = this.rows.get(e.path) ?? this.newRow(e);
    this.fill(tr, e);
    if (before === undefined || before.size !== e.size || before.mtime !== e.mtime || before.family !== e.family)
      this.scheduleArrange();
  }

  remove(path: string): void {
    this.entries.delete(path);
    this.rows.get(path)?.remove();
    this.rows.delete(path);
    this.scheduleArrange();
  }

  setFilter(q: string): void {
    this.filter = q;
    this.applyFilter();
  }

  /** Relative times again, against now. */
  refreshTimes(now: number): void {
    for (const time of this.table.querySelectorAll<HTMLTimeElement>('tbody time')) {
      const t = Date.parse(time.dateTime);
      if (!Number.isNaN(t)) time.textContent = relativeTime(t, now);
    }
  }

  private groupKey(tr: HTMLTableRowElement | undefined): string {
    const e = tr === undefined ? null : entryOfRow(tr);
    return e === null ? '' : e.type === 'dir' ? `dir:${e.path}` : `family:${e.family}`;
  }

  private newRow(e: IndexEntry): HTMLTableRowElement {
    const template = document.getElementById(e.type === 'dir' ? 'row-dir' : 'row-file');
    const tr = template instanceof HTMLTemplateElement ? template.content.querySelector('tr')?.cloneNode(true) : null;
    if (!(tr instanceof HTMLTableRowElement)) throw new Error('the index page lacks its row templates');
    this.rows.set(e.path, tr);
    return tr;
  }

  private fill(tr: HTMLTableRowElement, e: IndexEntry): void {
    Object.assign(tr.dataset, {
      path: e.path,
      name: e.name,
      type: e.type,
      size: String(e.size),
      mtime: e.mtime,
      family: e.family,
    });
    tr.classList.toggle('rotated', e.type === 'file' && e.name !== e.family);
    const p = encodePath(e.path);
    const open = tr.querySelector<HTMLAnchorElement>('a.open');
    if (open !== null) {
      open.textContent = e.type === 'dir' ? `${e.name}/` : e.name;
      open.href = e.type === 'dir' ? `${this.base}/browse/${p}` : `${this.base}/view/${p}`;
    }
    for (const kind of ['view', 'tail', 'download']) {
      const a = tr.querySelector<HTMLAnchorElement>(`a.${kind}`);
      if (a !== null) a.href = `${this.base}/${kind}/${p}`;
    }
    if (!e.compressed) tr.querySelector('.tag')?.remove();
    const size = tr.querySelector<HTMLElement>('td.size');
    if (size !== null && e.type === 'file') {
      size.textContent = humanSize(e.size);
      size.title = exactSize(e.size);
    }
    const time = tr.querySelector('time');
    if (time !== null) {
      time.dateTime = e.mtime;
      time.title = exactTime(e.mtime);
      time.textContent = relativeTime(Date.parse(e.mtime), Date.now());
    }
  }

  /** Coalesced: a burst of changes moves rows once. */
  private scheduleArrange(): void {
    if (this.arrangeScheduled) return;
    this.arrangeScheduled = true;
    requestAnimationFrame(() => {
      this.arrangeScheduled = false;
      this.arrange();
    });
  }

  private arrange(): void {
    const used = new Set<HTMLTableSectionElement>();
    for (const members of arrangeEntries([...this.entries.values()], this.sort)) {
      const lead = members[0];
      if (lead === undefined) continue;
      const key = lead.type === 'dir' ? `dir:${lead.path}` : `family:${lead.family}`;
      let tbody = this.groups.get(key);
      if (tbody === undefined) {
        tbody = document.createElement('tbody');
        tbody.className = lead.type === 'dir' ? 'dir' : 'group';
        if (lead.type === 'file') tbody.dataset.family = lead.family;
        this.groups.set(key, tbody);
      }
      for (const e of members) {
        const tr = this.rows.get(e.path);
        if (tr !== undefined && tbody.lastElementChild !== tr) tbody.append(tr);
      }
      // Appending in order moves each group to the end in turn: the table ends up in index order.
      this.table.append(tbody);
      used.add(tbody);
    }
    for (const [key, tbody] of this.groups) {
      if (used.has(tbody)) continue;
      tbody.remove();
      this.groups.delete(key);
    }
    this.applyFilter();
  }

  private applyFilter(): void {
    let shown = 0;
    for (const [path, tr] of this.rows) {
      const e = this.entries.get(path);
      const show = e !== undefined && matchesFilter(e.name, this.filter);
      tr.hidden = !show;
      if (show) shown++;
    }
    for (const tbody of this.groups.values()) tbody.hidden = [...tbody.rows].every((tr) => tr.hidden);
    this.empty.hidden = shown > 0;
    this.empty.textContent = this.filter === '' ? 'This directory is empty.' : `Nothing here matches “${this.filter}”.`;
  }
}
