import type { FilterSpec } from './filter.js';

const on = (p: URLSearchParams, name: string): boolean => p.get(name) === '1' || p.get(name) === 'true';

/** The filter a link or a reload brings (`filter`, `regex`, `case`, `invert`). */
export function filterFromUrl(search: string): FilterSpec {
  const p = new URLSearchParams(search);
  return { text: p.get('filter') ?? '', regex: on(p, 'regex'), caseSensitive: on(p, 'case'), invert: on(p, 'invert') };
}

/** The page's URL with this filter, every other parameter kept; defaults are left out. */
export function urlWithFilter(href: string, spec: FilterSpec): string {
  const url = new URL(href);
  const p = url.searchParams;
  const set = (name: string, value: string | null): void => (value === null ? p.delete(name) : p.set(name, value));
  set('filter', spec.text === '' ? null : spec.text);
  set('regex', spec.regex ? '1' : null);
  set('case', spec.caseSensitive ? '1' : null);
  set('invert', spec.invert ? '1' : null);
  return url.toString();
}
