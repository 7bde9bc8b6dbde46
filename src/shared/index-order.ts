/**
 * The order of the directory index (pure, for the server's page and the
 * browser's live updates alike): directories first, then files grouped by
 * family, each family led by its live file, the rest of it and the families
 * themselves in the chosen order.
 */

export const SORT_KEYS = ['name', 'size', 'mtime'] as const;
export type SortKey = (typeof SORT_KEYS)[number];
export const SORT_ORDERS = ['asc', 'desc'] as const;
export type SortOrder = (typeof SORT_ORDERS)[number];

export interface IndexSort {
  readonly key: SortKey;
  readonly order: SortOrder;
}

export const DEFAULT_SORT: IndexSort = { key: 'name', order: 'asc' };

/** What ordering needs of an entry (the index JSON's entry has all of it). */
export interface Orderable {
  readonly name: string;
  readonly type: 'file' | 'dir';
  readonly size: number;
  readonly mtime: string;
  readonly family: string;
}

const collator = new Intl.Collator('en', { numeric: true });

/** Natural order (app.log.2 before app.log.10), ties broken by name so the order is total. */
export function compareEntries(a: Orderable, b: Orderable, sort: IndexSort): number {
  const byName = collator.compare(a.name, b.name) || (a.name < b.name ? -1 : a.name > b.name ? 1 : 0);
  const byKey =
    sort.key === 'size' ? a.size - b.size : sort.key === 'mtime' ? Date.parse(a.mtime) - Date.parse(b.mtime) : byName;
  const sign = sort.order === 'asc' ? 1 : -1;
  return byKey !== 0 ? sign * byKey : sort.key === 'name' ? 0 : byName;
}

const isLive = (e: Orderable): boolean => e.name === e.family;

/** The entries in index order, as groups: each directory alone, then each file family (its live file first). */
export function arrangeEntries<T extends Orderable>(entries: readonly T[], sort: IndexSort = DEFAULT_SORT): T[][] {
  const dirs = entries.filter((e) => e.type === 'dir').sort((a, b) => compareEntries(a, b, sort));
  const families = new Map<string, T[]>();
  for (const e of entries) {
    if (e.type !== 'file') continue;
    const members = families.get(e.family);
    if (members === undefined) families.set(e.family, [e]);
    else members.push(e);
  }
  const groups = [...families.values()].map((members) =>
    members.sort((a, b) => (isLive(a) !== isLive(b) ? (isLive(a) ? -1 : 1) : compareEntries(a, b, sort))),
  );
  // A family sorts by its lead: the live file, or its first rotated member when the live one is gone.
  groups.sort((a, b) => compareEntries(a[0] as T, b[0] as T, sort));
  return [...dirs.map((d) => [d]), ...groups];
}

/** The index filter: a case-insensitive substring of the name ('' matches all). */
export const matchesFilter = (name: string, q: string): boolean => name.toLowerCase().includes(q.trim().toLowerCase());
