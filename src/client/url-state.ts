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

/** What the page shows: the live tail, a search of the whole file (`grep`), or the place of one line (`at`). */
export type ViewMode =
  | { readonly kind: 'live' }
  | { readonly kind: 'search'; readonly spec: FilterSpec }
  | { readonly kind: 'at'; readonly id: string };

export function viewModeFromUrl(search: string): ViewMode {
  const p = new URLSearchParams(search);
  const at = p.get('at');
  if (at !== null && at !== '') return { kind: 'at', id: at };
  const grep = p.get('grep');
  if (grep !== null && grep !== '') return { kind: 'search', spec: { ...filterFromUrl(search), text: grep } };
  return { kind: 'live' };
}

/** The `/tail` parameters that make a stream a search (the contract's names); none for a plain view. */
export function grepParams(mode: ViewMode): Record<string, string> {
  if (mode.kind !== 'search') return {};
  const { text, regex, caseSensitive, invert } = mode.spec;
  return {
    grep: text,
    ...(regex ? { regex: '1' } : {}),
    ...(caseSensitive ? { case: '1' } : {}),
    ...(invert ? { invert: '1' } : {}),
  };
}

/** A file's path as it goes in a URL: each segment encoded, the slashes kept. */
export const encodeFile = (file: string): string => file.split('/').map(encodeURIComponent).join('/');

/** The absolute URL of a file's viewer page with these parameters (a permalink, a search, the plain view), resolved against the page's own URL. */
export function viewHref(
  page: string,
  base: string,
  file: string,
  params: Readonly<Record<string, string>> = {},
): string {
  const q = new URLSearchParams(params).toString();
  return new URL(`${base}/view/${encodeFile(file)}${q === '' ? '' : `?${q}`}`, page).toString();
}
