/**
 * Rotated families: which live file a rotated one belongs to, by its name
 * alone (pure, no filesystem). The index groups by it; the tail engine uses
 * it to find a file's rotated siblings.
 *
 * What counts as rotated, after one compression suffix is taken off:
 * - a number:            app.log.1, app.log.10 (logrotate, savelog)
 * - a date (dateext):    app.log-20261130, app.log-2026113012, app.log-20261130-1764460800,
 *                        app.log.2026-11-28, app.log_2026-11-28
 * - `.old`:              Xorg.0.log.old, access.log.old (a hand-made or tool-made copy)
 * - a date before the extension (logrotate's `extension .log` with dateext, and
 *   daily-file loggers): app-20261130.log, app-2026-11-30.log → app.log
 *
 * Not rotated: a number before the extension (Xorg.0.log, Xorg.1.log are two
 * live files), `.older`, `.log2`.
 */

/** The suffixes `/tail` decompresses; only these make `compressed` true. */
const DECOMPRESSED = /\.gz$/;
/** Compressed by other tools: still part of the family, shown as they are. */
const OTHER_COMPRESSION = /\.(?:xz|bz2|zst|lz4)$/;

const DATE = String.raw`(?:\d{8}(?:\d{2}(?:\d{2}(?:\d{2})?)?)?|\d{4}-\d{2}-\d{2}(?:[T_-]\d{2}(?:[:.-]?\d{2}){0,2})?)`;
/** A rotation suffix at the end of the name; group 1 is what precedes it. */
const ROTATED_SUFFIX = new RegExp(String.raw`^(.*?[^.])(?:\.\d+|[-_.]${DATE}(?:-\d+)?|\.old)$`);
/** A date just before an alphabetic extension: group 1 the stem, group 2 the extension. */
const DATED_STEM = new RegExp(String.raw`^(.*?[^.])[-_.]${DATE}(\.[A-Za-z][A-Za-z0-9]*)$`);

/** Whether `/tail` and `/view` show the file decompressed. */
export const isCompressed = (name: string): boolean => DECOMPRESSED.test(name);

/** The live file `name` belongs to (`app.log` for `app.log.2.gz`), or `name` itself. */
export function familyOf(name: string): string {
  const bare = name.replace(DECOMPRESSED, '').replace(OTHER_COMPRESSION, '');
  const suffixed = ROTATED_SUFFIX.exec(bare);
  if (suffixed?.[1] !== undefined) return suffixed[1];
  const dated = DATED_STEM.exec(bare);
  if (dated?.[1] !== undefined && dated[2] !== undefined) return dated[1] + dated[2];
  return name;
}

/** Whether `name` is a rotated member of the family of `live` (not `live` itself). */
export const isRotatedOf = (name: string, live: string): boolean => name !== live && familyOf(name) === live;
