import type { FileHandle } from 'node:fs/promises';
import { createGunzip } from 'node:zlib';
import type { LineMatcher } from '../search/matcher.js';
import { BLOCK_BYTES, readFully } from './backlog.js';
import type { FeedSink } from './feed.js';
import { ForwardSelector, keeps } from './line-select.js';
import { spent, type SearchBudget } from './search.js';

/** What to show of a compressed file; offsets count decompressed bytes. */
export type GzipView =
  /** The last `lines` kept lines. */
  | { readonly kind: 'last' }
  /** The `lines` kept lines ending before the line that ends at `offset`. */
  | { readonly kind: 'before'; readonly offset: number }
  /** The line ending at `offset`, with `lines` kept lines before and after it. */
  | { readonly kind: 'at'; readonly offset: number }
  /** Every kept line after `offset` (a resume). */
  | { readonly kind: 'after'; readonly offset: number };

export interface GzipRequest {
  readonly view: GzipView;
  readonly lines: number;
  readonly matcher: LineMatcher | null;
  readonly maxLineBytes: number;
  readonly budget: SearchBudget;
}

// The lines a .gz view keeps before it can send them (they cannot be read again): bounded in bytes too.
export const GZIP_RING_BYTES = 16 * 1024 * 1024;

const GZIP_MAGIC = Buffer.from([0x1f, 0x8b]);

/** Whether the file starts like a gzip stream. */
export async function isGzip(handle: FileHandle): Promise<boolean> {
  const head = Buffer.alloc(2);
  return (await readFully(handle, head, 2, 0)) === 2 && head.equals(GZIP_MAGIC);
}

interface Kept {
  readonly bytes: Buffer;
  readonly end: number;
}

/** The newest kept lines, at most `max` of them and GZIP_RING_BYTES in all. */
class Ring {
  private items: Kept[] = [];
  private head = 0;
  private bytes = 0;

  constructor(private readonly max: number) {}

  push(bytes: Buffer, end: number): void {
    if (this.max === 0) return;
    this.items.push({ bytes: Buffer.from(bytes), end });
    this.bytes += bytes.length;
    while (this.items.length - this.head > this.max || this.bytes > GZIP_RING_BYTES)
      this.bytes -= (this.items[this.head++] as Kept).bytes.length;
    if (this.head > 1024 && this.head * 2 > this.items.length) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
  }

  drain(): Kept[] {
    const out = this.items.slice(this.head);
    this.items = [];
    this.head = 0;
    this.bytes = 0;
    return out;
  }
}

/**
 * Shows a .gz file decompressed, streaming it through zlib: memory holds a
 * zlib chunk, a partial line and the ring of lines kept, whatever the file
 * inflates to; the time is bounded by the budget. Never followed: resolves
 * once the view is complete (or cut short: partial).
 */
export async function viewGzip(
  handle: FileHandle,
  file: string,
  req: GzipRequest,
  sink: FeedSink,
): Promise<{ partial: boolean }> {
  const { view } = req;
  const ring = new Ring(req.lines);
  // Lines to send wait here and go out between chunks, as fast as the client takes them.
  let outbox: Kept[] = [];
  const send = (bytes: Buffer, end: number): void => {
    outbox.push({ bytes: Buffer.from(bytes), end });
  };
  const flush = async (): Promise<void> => {
    const out = outbox;
    outbox = [];
    for (const l of out) {
      if (sink.closed()) return;
      sink.event({ type: 'line', file, end: l.end, bytes: l.bytes });
      if (sink.pendingBytes() > BLOCK_BYTES) await sink.ready();
    }
  };
  let phase: 'before' | 'after' | 'done' = view.kind === 'after' ? 'after' : 'before';
  let after = 0;
  // Read through a function: the phase changes inside the line callback, out of the compiler's sight.
  const current = (): typeof phase => phase;
  const onLine = (bytes: Buffer, end: number): void => {
    if (phase === 'done') return;
    const text = bytes[bytes.length - 1] === 0x0a ? bytes.subarray(0, -1) : bytes;
    if (phase === 'after') {
      if (view.kind === 'after' && end <= view.offset) return;
      if (!keeps(req.matcher, text)) return;
      send(bytes, end);
      if (view.kind === 'at' && ++after >= req.lines) phase = 'done';
      return;
    }
    if (view.kind === 'last' || end < view.offset) {
      if (keeps(req.matcher, text)) ring.push(bytes, end);
      return;
    }
    // The line the id names (or the first one past it): the end of what comes before.
    outbox.push(...ring.drain());
    if (view.kind === 'at') send(bytes, end);
    phase = view.kind === 'at' && req.lines > 0 ? 'after' : 'done';
  };
  // Every line is seen (the matcher applies per view above), so the line an id names is found even when it does not match.
  const selector = new ForwardSelector(
    view.kind === 'last' ? req.matcher : null,
    req.maxLineBytes,
    view.kind === 'last' ? (b, e) => ring.push(b, e) : onLine,
  );

  const input = handle.createReadStream({ start: 0, autoClose: false, highWaterMark: BLOCK_BYTES });
  const gunzip = createGunzip({ chunkSize: BLOCK_BYTES });
  input.on('error', (err) => gunzip.destroy(err));
  input.pipe(gunzip);
  let pos = 0;
  let partial = false;
  let failed: unknown = null;
  try {
    for await (const chunk of gunzip as AsyncIterable<Buffer>) {
      selector.push(chunk, pos);
      pos += chunk.length;
      await flush();
      if (current() === 'done') break;
      if (spent(req.budget)) {
        partial = !sink.closed();
        break;
      }
    }
    if (!partial && current() !== 'done') selector.finish();
  } catch (err) {
    // A damaged or unfinished .gz (logrotate still compressing it): what inflated so far is still shown.
    failed = err;
  } finally {
    input.unpipe(gunzip);
    input.destroy();
    gunzip.destroy();
  }
  if (view.kind === 'last' || current() === 'before') outbox.push(...ring.drain());
  await flush();
  if (failed !== null) throw failed;
  return { partial };
}
