import type { FileHandle } from 'node:fs/promises';
import type { OpenedFile } from '../files/guard.js';
import type { LineMatcher } from '../search/matcher.js';
import { BLOCK_BYTES, readFully } from './backlog.js';
import { FileUnavailableError } from './engine.js';
import type { FeedSink, Position } from './feed.js';
import type { FileOpener } from './follower.js';
import { isGzip, viewGzip, type GzipView } from './gzip.js';
import { findByIdentity } from './siblings.js';
import { forwardLines, lastLines, sendLines, type ScanOptions, type SearchBudget } from './search.js';

/** A backlog that ends (a search, "load older", a permalink, a .gz file). At most one of before/at. */
export interface SearchRequest {
  readonly lines: number;
  readonly matcher: LineMatcher | null;
  readonly before: Position | null;
  readonly at: Position | null;
  /** Resume: the kept lines after this place. */
  readonly from: Position | null;
  readonly timeoutMs: number;
  readonly maxLineBytes: number;
}

/** The id names no line of this file or of its rotated siblings. */
export class LineNotFoundError extends Error {
  constructor(reason: string) {
    super(reason);
    this.name = 'LineNotFoundError';
  }
}

/** Sends a search's lines to a sink and resolves when they are all sent. */
export type SearchRun = (sink: FeedSink) => Promise<void>;

const budgetFor = (timeoutMs: number, sink: FeedSink, gone: () => boolean = () => false): SearchBudget => ({
  deadline: Date.now() + timeoutMs,
  cancelled: () => gone() || sink.closed(),
});

/**
 * Opens the file (or the rotated sibling an id points to) and checks the
 * request against it, so a bad id is refused before anything is sent; the
 * returned run does the scan and closes the file.
 */
export async function prepareSearch(abs: string, req: SearchRequest, open: FileOpener): Promise<SearchRun> {
  let opened: OpenedFile;
  try {
    opened = await open(abs);
  } catch {
    throw new FileUnavailableError();
  }
  let name = abs;
  const target = req.at ?? req.before;
  try {
    if (target !== null && target.file !== String(opened.stat.ino)) {
      const other = await findByIdentity(abs, target.file, open);
      if (other === null)
        throw new LineNotFoundError('the line id names a file that is neither this one nor one of its rotated copies');
      await opened.handle.close();
      opened = other.opened;
      name = other.abs;
    }
    const gz = /\.gz$/i.test(name) && (await isGzip(opened.handle));
    if (target !== null && !gz && target.offset > opened.stat.size)
      throw new LineNotFoundError('the line id lies past the end of the file');
    if (req.at !== null && req.at.offset === 0) throw new LineNotFoundError('no line ends at offset 0');
    const { handle, stat } = opened;
    const file = String(stat.ino);
    const from = req.from === null ? null : req.from.file === file ? req.from.offset : 0;
    return async (sink) => {
      try {
        const opts: ScanOptions = {
          matcher: req.matcher,
          maxLineBytes: req.maxLineBytes,
          budget: budgetFor(req.timeoutMs, sink),
        };
        const partial = gz
          ? (await viewGzip(handle, file, { ...opts, lines: req.lines, view: gzipView(req, from) }, sink)).partial
          : await searchPlain(handle, file, stat.size, req, from, opts, sink);
        if (partial && !sink.closed()) sink.event({ type: 'partial' });
      } finally {
        await handle.close();
      }
    };
  } catch (err) {
    await opened.handle.close();
    throw err;
  }
}

function gzipView(req: SearchRequest, from: number | null): GzipView {
  if (req.at !== null) return { kind: 'at', offset: req.at.offset };
  if (req.before !== null) return { kind: 'before', offset: req.before.offset };
  if (from !== null) return { kind: 'after', offset: from };
  return { kind: 'last' };
}

/** The same views of an uncompressed file, read from its end (or from an id) rather than from its start. Resolves with whether it was cut short. */
async function searchPlain(
  handle: FileHandle,
  file: string,
  size: number,
  req: SearchRequest,
  from: number | null,
  opts: ScanOptions,
  sink: FeedSink,
): Promise<boolean> {
  const target = req.at ?? req.before;
  if (target === null && from !== null) return (await sendForward(handle, file, from, Infinity, opts, sink)).partial;
  if (target === null) {
    const found = await lastLines(handle, size, req.lines, opts);
    await sendLines(handle, file, found.lines, sink);
    return found.partial;
  }
  // The line the id names, whatever it holds: what lies above it starts where it starts.
  const own = await lastLines(handle, target.offset, 1, { ...opts, matcher: null });
  const line = own.lines[0];
  const above = await lastLines(handle, line?.start ?? target.offset, req.lines, opts);
  await sendLines(handle, file, req.at !== null && line !== undefined ? [...above.lines, line] : above.lines, sink);
  if (req.at === null) return own.partial || above.partial;
  const below = await sendForward(handle, file, target.offset, req.lines, opts, sink);
  return own.partial || above.partial || below.partial;
}

/** Sends up to `count` kept lines after `from`, waiting for the sink to take them. */
async function sendForward(
  handle: FileHandle,
  file: string,
  from: number,
  count: number,
  opts: ScanOptions,
  sink: FeedSink,
): Promise<{ partial: boolean }> {
  let sent = 0;
  return forwardLines(
    handle,
    from,
    opts,
    (bytes, end) => {
      if (sent >= count) return;
      sent++;
      sink.event({ type: 'line', file, end, bytes: Buffer.from(bytes) });
    },
    async () => {
      if (sink.pendingBytes() > BLOCK_BYTES) await sink.ready();
      return sent < count && !sink.closed();
    },
  );
}

/** What the engine calls instead of its plain backlog for a followed grep stream. */
export type BacklogSender = (
  handle: FileHandle,
  file: string,
  end: number,
  sink: FeedSink,
  gone: () => boolean,
) => Promise<void>;

// The unfinished line handed on starts where a newline ended: nothing before it to continue.
const EMPTY = Buffer.alloc(0);

/**
 * The backlog of a followed grep stream: the last kept lines of the whole
 * file, then the unfinished last line (if any) handed on as data, so the live
 * filter completes it with what is appended next.
 */
export function grepBacklog(
  matcher: LineMatcher,
  lines: number,
  timeoutMs: number,
  maxLineBytes: number,
): BacklogSender {
  return async (handle, file, end, sink, gone) => {
    const tail = Buffer.allocUnsafe(Math.min(end, maxLineBytes));
    const n = await readFully(handle, tail, tail.length, end - tail.length);
    const nl = tail.subarray(0, n).lastIndexOf(0x0a);
    const cut = nl < 0 ? end : end - tail.length + nl + 1;
    const budget = budgetFor(timeoutMs, sink, gone);
    const found = await lastLines(handle, cut, lines, { matcher, maxLineBytes, budget });
    await sendLines(handle, file, found.lines, sink);
    if (found.partial && !budget.cancelled()) sink.event({ type: 'partial' });
    if (cut < end && !budget.cancelled())
      sink.event({ type: 'data', file, start: cut, bytes: Buffer.from(tail.subarray(nl + 1, n)), head: EMPTY });
  };
}
