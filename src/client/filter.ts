/** What the reader typed and toggled; it lives in the page's URL. */
export interface FilterSpec {
  readonly text: string;
  readonly regex: boolean;
  readonly caseSensitive: boolean;
  readonly invert: boolean;
}

export const NO_FILTER: FilterSpec = { text: '', regex: false, caseSensitive: false, invert: false };

/** A compiled filter: which lines show, and where to put the marks. */
export interface Matcher {
  readonly invert: boolean;
  shows(text: string): boolean;
  /** [start, end) of every non-empty match (none when inverted: nothing matched is shown). */
  ranges(text: string): Array<readonly [number, number]>;
}

export type Compiled =
  | { readonly ok: true; readonly matcher: Matcher | null }
  | { readonly ok: false; readonly error: string };

const escapeRegExp = (s: string): string => s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** Compiles a filter; a bad expression is reported, never thrown. An empty filter is no filter. */
export function compileFilter(spec: FilterSpec): Compiled {
  if (spec.text === '') return { ok: true, matcher: null };
  let re: RegExp;
  try {
    re = new RegExp(spec.regex ? spec.text : escapeRegExp(spec.text), spec.caseSensitive ? 'g' : 'gi');
  } catch (err) {
    return { ok: false, error: err instanceof Error ? err.message : String(err) };
  }
  const test = new RegExp(re.source, re.flags.replace('g', ''));
  return {
    ok: true,
    matcher: {
      invert: spec.invert,
      shows: (text) => test.test(text) !== spec.invert,
      ranges(text) {
        if (spec.invert) return [];
        const out: Array<readonly [number, number]> = [];
        re.lastIndex = 0;
        for (let m = re.exec(text); m !== null; m = re.exec(text)) {
          if (m[0] === '') re.lastIndex++;
          else out.push([m.index, m.index + m[0].length]);
        }
        return out;
      },
    },
  };
}
