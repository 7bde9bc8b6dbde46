import type { FileHandle } from 'node:fs/promises';
import type { FeedEvent, Position } from './feed.js';
import type { FileOpener } from './follower.js';
import { newestCopyReaching } from './rotated-copy.js';
import { openSibling, rotatedSiblings, rotatedSince } from './siblings.js';

/** One stretch of one file a resume sends, after the event that introduces it. */
export interface Segment {
  readonly handle: FileHandle;
  /** The identity the bytes are sent under (a copytruncate copy keeps its original's, as a live stream does). */
  readonly file: string;
  readonly start: number;
  readonly end: number;
  readonly before: FeedEvent | null;
  /** Whether the handle was opened for this resume and is closed after it. */
  readonly owned: boolean;
}

/** The file a stream continues with: where its live feed starts. */
export interface Current {
  readonly handle: FileHandle;
  readonly file: string;
  readonly end: number;
}

/**
 * What a client that last saw `from` is owed before the live feed at `current`:
 * an id names a file, not a name. The same file: its rest. A file rotated to
 * another name beside it: its rest, every file rotated after it (oldest first),
 * then the current file from its start. The current file cut below the offset
 * (copytruncate): the rest from the newest copy, when it reaches that far, then
 * the file from its new start. Otherwise the current file from its start, told
 * as `missing`.
 */
export async function resumeSegments(
  abs: string,
  from: Position,
  current: Current,
  open: FileOpener,
): Promise<Segment[]> {
  const whole = (before: FeedEvent): Segment => ({
    handle: current.handle,
    file: current.file,
    start: 0,
    end: current.end,
    before,
    owned: false,
  });
  const missing = whole({ type: 'missing', file: current.file });
  if (from.file === current.file) {
    if (from.offset <= current.end)
      return [
        {
          handle: current.handle,
          file: current.file,
          start: from.offset,
          end: current.end,
          before: null,
          owned: false,
        },
      ];
    const copy = await newestCopyReaching(abs, from.offset, open);
    if (copy === null) return [missing];
    return [
      { handle: copy.handle, file: current.file, start: from.offset, end: copy.stat.size, before: null, owned: true },
      whole({ type: 'truncated', file: current.file }),
    ];
  }
  const sibling = (await rotatedSiblings(abs)).find((s) => String(s.ino) === from.file);
  const found = sibling === undefined ? null : await openSibling(sibling, open);
  if (found === null) return [missing];
  if (found.stat.size < from.offset) {
    await found.handle.close();
    return [missing];
  }
  const currentMtime = (await current.handle.stat()).mtimeMs;
  const since = await rotatedSince(abs, found.stat, new Set([found.stat.ino, Number(current.file)]), open);
  // Anything newer than the current file was rotated after the live feed's start: that feed delivers it.
  const later = since.filter((f) => f.stat.mtimeMs <= currentMtime);
  await Promise.all(since.filter((f) => !later.includes(f)).map((f) => f.handle.close()));
  const rotated = (file: string): FeedEvent => ({ type: 'switched', file, reason: 'rotated' });
  return [
    { handle: found.handle, file: from.file, start: from.offset, end: found.stat.size, before: null, owned: true },
    ...later.map((f) => ({
      handle: f.handle,
      file: String(f.stat.ino),
      start: 0,
      end: f.stat.size,
      before: rotated(String(f.stat.ino)),
      owned: true,
    })),
    whole(rotated(current.file)),
  ];
}
