import type { Stats } from 'node:fs';
import parseRange from 'range-parser';

/** What a Range header asks of a file of `size` bytes: one span, 'unsatisfiable' (416), or null: the whole file (200). */
export type RangeAnswer = { readonly start: number; readonly end: number } | 'unsatisfiable' | null;

// RFC 9110 §14.1.1: a range-spec is an int-range `first-[last]` or a suffix-range `-length`.
const RANGE_SPEC = /^[ \t]*(?:(\d+)-(\d*)|-\d+)[ \t]*$/;

/**
 * RFC 9110 §14.2: an unknown unit and an invalid ranges-specifier are ignored.
 * range-parser 1.x takes `bytes=5-2` for unsatisfiable (416) and skips it among
 * others, where the RFC calls it invalid: the syntax is checked here first.
 */
export function byteRange(size: number, header: string): RangeAnswer {
  const eq = header.indexOf('=');
  if (eq < 0 || header.slice(0, eq).toLowerCase() !== 'bytes') return null;
  // Empty list elements are allowed (RFC 9110 §5.6.1), as long as one range remains.
  const specs = header
    .slice(eq + 1)
    .split(',')
    .filter((s) => s.trim() !== '');
  if (specs.length === 0 || !specs.every(validSpec)) return null;
  const ranges = parseRange(size, `bytes=${specs.join(',')}`, { combine: true });
  if (ranges === -1) return 'unsatisfiable';
  // Several ranges: the whole file, which RFC 9110 allows (no multipart answers here).
  if (ranges === -2 || ranges.length !== 1) return null;
  return ranges[0] ?? null;
}

function validSpec(spec: string): boolean {
  const m = RANGE_SPEC.exec(spec);
  if (m === null) return false;
  const [, first, last] = m;
  // An int-range whose last-pos is below its first-pos is invalid (§14.1.1), not unsatisfiable.
  return first === undefined || last === undefined || last === '' || BigInt(last) >= BigInt(first);
}

/**
 * A strong ETag, which RFC 9110 §8.8.1 allows when every change of the content
 * changes the tag: a log only grows (size), is rotated or re-created (inode), or
 * is rewritten in place (mtime, in microseconds). Strong, so `If-Range` can use it.
 */
export const strongEtag = (st: Stats): string =>
  `"${st.ino.toString(16)}-${st.size.toString(16)}-${Math.floor(st.mtimeMs * 1000).toString(16)}"`;

/**
 * RFC 9110 §13.1.5: a Range is honoured only while the file is still the one the
 * client saw, compared strongly: a weak tag never matches. A date is never taken:
 * Last-Modified has a one-second resolution and a log grows many times a second,
 * so a date is not a strong validator for it; the client has the ETag.
 */
export const ifRangeHolds = (ifRange: string, etag: string): boolean =>
  ifRange === '' || (!ifRange.startsWith('W/') && ifRange === etag);
