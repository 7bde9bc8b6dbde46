import type { FileHandle } from 'node:fs/promises';
import type { LineMatcher } from '../search/matcher.js';
import { BLOCK_BYTES, readFully } from './backlog.js';
import type { FeedSink } from './feed.js';
import { ForwardSelector, selectLines } from './line-select.js';

/** When a search must stop: its time is up (SEARCH_TIMEOUT_MS) or nobody waits for it any more. */
export interface SearchBudget {
  readonly deadline: number;
  cancelled(): boolean;
}

export const spent = (b: SearchBudget): boolean => b.cancelled() || Date.now() > b.deadline;

/** A line's place in its file: [start, end), end just after its newline. */
export interface LineRange {
  readonly start: number;
  readonly end: number;
}

export interface Found {
  /** In file order. */
  readonly lines: LineRange[];
  /** The budget ran out before the search was done. */
  readonly partial: boolean;
}

export interface ScanOptions {
  readonly matcher: LineMatcher | null;
  readonly maxLineBytes: number;
  readonly budget: SearchBudget;
}

const DEFAULT_SCAN_BYTES = 1024 * 1024;

/**
 * The last `need` lines kept by the matcher among the lines ending at or
 * before `end`, found reading backwards in blocks: memory holds one block and
 * the ranges found, never the file. Each block is cut at its first newline, so
 * only whole lines are tested; the cut-off start is read again with the next
 * block. A line longer than a block is found by its start, then cut into
 * pieces reading forward.
 */
export async function lastLines(handle: FileHandle, end: number, need: number, opts: ScanOptions): Promise<Found> {
  const blockBytes = opts.matcher?.blockBytes ?? DEFAULT_SCAN_BYTES;
  const buf = Buffer.allocUnsafeSlow(blockBytes);
  const found: LineRange[][] = [];
  let count = 0;
  let hi = end;
  const result = (partial: boolean): Found => ({ lines: found.reverse().flat(), partial });
  while (hi > 0 && count < need) {
    if (spent(opts.budget)) return result(true);
    const lo = Math.max(0, hi - blockBytes);
    const n = await readFully(handle, buf, hi - lo, lo);
    // The file was cut short under the search: what was found stands.
    if (n < hi - lo) return result(false);
    const block = buf.subarray(0, n);
    const nl = block.indexOf(0x0a);
    let ranges: LineRange[];
    if (lo > 0 && (nl < 0 || nl === n - 1)) {
      const start = await lineStart(handle, lo, buf, opts.budget);
      if (start === null) return result(true);
      const piece = await forwardRanges(handle, start, hi, need - count, opts);
      if (piece === null) return result(true);
      ranges = piece;
      hi = start;
    } else {
      const first = lo === 0 ? 0 : nl + 1;
      ranges = [];
      selectLines(block, first, n, opts.matcher, opts.maxLineBytes, (s, e) =>
        ranges.push({ start: lo + s, end: lo + e }),
      );
      hi = lo + first;
    }
    const take = ranges.length > need - count ? ranges.slice(ranges.length - (need - count)) : ranges;
    found.push(take);
    count += take.length;
  }
  return result(false);
}

/** Where the line holding offset `pos - 1` starts, reading backwards; null when the budget ran out first. */
async function lineStart(handle: FileHandle, pos: number, buf: Buffer, budget: SearchBudget): Promise<number | null> {
  let hi = pos;
  while (hi > 0) {
    if (spent(budget)) return null;
    const lo = Math.max(0, hi - buf.length);
    const n = await readFully(handle, buf, hi - lo, lo);
    const nl = buf.subarray(0, n).lastIndexOf(0x0a);
    if (nl >= 0) return lo + nl + 1;
    hi = lo;
  }
  return 0;
}

/** The last `keep` kept lines (pieces) of [start, end), read forward; null when the budget ran out first. */
async function forwardRanges(
  handle: FileHandle,
  start: number,
  end: number,
  keep: number,
  opts: ScanOptions,
): Promise<LineRange[] | null> {
  let ranges: LineRange[] = [];
  const selector = new ForwardSelector(opts.matcher, opts.maxLineBytes, (bytes, e) => {
    ranges.push({ start: e - bytes.length, end: e });
    if (ranges.length > 2 * keep) ranges = ranges.slice(-keep);
  });
  const buf = Buffer.allocUnsafeSlow(opts.matcher?.blockBytes ?? DEFAULT_SCAN_BYTES);
  for (let pos = start; pos < end; ) {
    if (spent(opts.budget)) return null;
    const n = await readFully(handle, buf, Math.min(buf.length, end - pos), pos);
    if (n === 0) break;
    selector.push(buf.subarray(0, n), pos);
    pos += n;
  }
  selector.finish();
  return ranges.slice(-keep);
}

/**
 * Reads forward from `from` and hands each kept line to `onLine` until it
 * returns false, the file ends, or the budget runs out (partial: true).
 */
export async function forwardLines(
  handle: FileHandle,
  from: number,
  opts: ScanOptions,
  onLine: (bytes: Buffer, end: number) => void,
  more: () => Promise<boolean>,
): Promise<{ partial: boolean }> {
  const selector = new ForwardSelector(opts.matcher, opts.maxLineBytes, onLine);
  const buf = Buffer.allocUnsafeSlow(opts.matcher?.blockBytes ?? DEFAULT_SCAN_BYTES);
  for (let pos = from; ; ) {
    if (!(await more())) return { partial: false };
    if (spent(opts.budget)) return { partial: true };
    const n = await readFully(handle, buf, buf.length, pos);
    if (n === 0) break;
    selector.push(buf.subarray(0, n), pos);
    pos += n;
  }
  selector.finish();
  return { partial: false };
}

// Lines next to each other are read together, up to this much at once.
const SEND_READ_BYTES = 1024 * 1024;

/** Reads the lines found and sends each as a `line` event, waiting for the sink to take them. */
export async function sendLines(
  handle: FileHandle,
  file: string,
  lines: readonly LineRange[],
  sink: FeedSink,
): Promise<void> {
  for (let i = 0; i < lines.length && !sink.closed(); ) {
    const first = lines[i] as LineRange;
    let j = i + 1;
    while (
      j < lines.length &&
      (lines[j] as LineRange).start === (lines[j - 1] as LineRange).end &&
      (lines[j] as LineRange).end - first.start <= SEND_READ_BYTES
    )
      j++;
    const last = lines[j - 1] as LineRange;
    // A fresh buffer per read: the sink may keep the bytes until the socket takes them.
    const buf = Buffer.allocUnsafe(last.end - first.start);
    const n = await readFully(handle, buf, buf.length, first.start);
    for (let k = i; k < j; k++) {
      const l = lines[k] as LineRange;
      if (l.end - first.start > n) return;
      sink.event({ type: 'line', file, end: l.end, bytes: buf.subarray(l.start - first.start, l.end - first.start) });
    }
    if (sink.pendingBytes() > BLOCK_BYTES) await sink.ready();
    i = j;
  }
}
