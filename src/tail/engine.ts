import type { FileHandle } from 'node:fs/promises';
import { watch, type FSWatcher } from 'chokidar';
import { backlogStart, BLOCK_BYTES, readFully } from './backlog.js';
import type { FeedEvent, FeedSink, Position } from './feed.js';
import { Follower, type FileOpener, type FollowerListener } from './follower.js';
import type { BacklogSender } from './search-run.js';

export interface EngineOptions {
  /** Opens a name after checking it may be read (the file guard). */
  readonly open: FileOpener;
  readonly polling: boolean;
  readonly pollIntervalMs: number;
  readonly maxLineBytes: number;
  /** What may queue for one stream while its backlog is read; past it the stream is aborted as slow. */
  readonly maxQueueBytes: number;
  readonly onWatchError?: (err: unknown) => void;
}

export interface TailRequest {
  /** How many lines before the live feed. */
  readonly lines: number;
  /** Resume just after this place instead of sending `lines`. */
  readonly from?: Position | null;
  /** When the file is not there, wait for it instead of failing. */
  readonly wait: boolean;
  /** Sends the backlog instead of the last `lines` lines (a grep stream's search); not used with `from`. */
  readonly backlog?: BacklogSender | undefined;
}

/** The file is missing or may not be read, and the request did not ask to wait. */
export class FileUnavailableError extends Error {
  constructor() {
    super('file is not available');
    this.name = 'FileUnavailableError';
  }
}

// chokidar throttles `change` (leading edge, no trailing event): look once more after a burst.
const RECHECK_MS = 100;

interface Entry {
  readonly follower: Follower<Subscription>;
  readonly started: Promise<boolean>;
  recheck: NodeJS.Timeout | null;
  readonly poll: NodeJS.Timeout;
  /** Streams waiting for the follower to start, not yet among its listeners. */
  joining: number;
}

/**
 * Shares one follower (one handle, one watch, one read per change) among all
 * streams of a name, and closes it when the last stream leaves. Knows nothing
 * of HTTP: streams are FeedSinks.
 */
export class TailEngine {
  private readonly entries = new Map<string, Entry>();
  private readonly watcher: FSWatcher;

  constructor(private readonly opts: EngineOptions) {
    this.watcher = watch([], {
      ignoreInitial: true,
      persistent: true,
      usePolling: opts.polling,
      interval: opts.pollIntervalMs,
      binaryInterval: opts.pollIntervalMs,
      atomic: false,
    });
    this.watcher.on('all', (_event, path) => this.hint(path));
    this.watcher.on('error', (err) => opts.onWatchError?.(err));
  }

  /** Number of names followed and of streams following them. */
  stats(): { files: number; streams: number } {
    let streams = 0;
    for (const e of this.entries.values()) streams += e.follower.listeners.size;
    return { files: this.entries.size, streams };
  }

  /**
   * Sends the backlog (or everything after `from`), then every change, to `sink`.
   * Resolves with the unsubscribe once the backlog is sent.
   */
  async follow(abs: string, req: TailRequest, sink: FeedSink): Promise<() => void> {
    const entry = this.entry(abs);
    const sub = new Subscription(sink, this.opts.maxQueueBytes);
    const unsubscribe = (): void => this.leave(abs, entry, sub);
    try {
      // Counted while waiting, so a stream leaving meanwhile does not close the follower under this one;
      // the count drops in the same turn as the join below.
      entry.joining++;
      try {
        await entry.started;
      } finally {
        entry.joining--;
      }
      const snap = entry.follower.snapshot();
      if (snap === null && !req.wait) throw new FileUnavailableError();
      // Joining and taking the snapshot happen in one turn, so the live feed continues exactly where the backlog ends.
      entry.follower.listeners.add(sub);
      if (snap !== null) {
        try {
          await this.sendBacklog(snap.handle.handle, snap.file, snap.offset, req, sink, () => sub.gone);
        } finally {
          snap.handle.release();
        }
      }
      sub.goLive();
      return unsubscribe;
    } catch (err) {
      unsubscribe();
      throw err;
    }
  }

  /** Sends the backlog (or everything after `from`) and resolves: `tail -n`, no following. */
  async read(abs: string, req: Omit<TailRequest, 'wait'>, sink: FeedSink): Promise<void> {
    let opened;
    try {
      opened = await this.opts.open(abs);
    } catch {
      throw new FileUnavailableError();
    }
    try {
      await this.sendBacklog(opened.handle, String(opened.stat.ino), opened.stat.size, req, sink, () => false);
    } finally {
      await opened.handle.close();
    }
  }

  async close(): Promise<void> {
    for (const [abs, entry] of this.entries) {
      for (const l of entry.follower.listeners) l.sink.abort('shutdown');
      this.drop(abs, entry);
    }
    await this.watcher.close();
  }

  /** Sends what comes before `end` that the request asks for (the last lines, or all after `from`) to one sink, in blocks, waiting for it to take each. */
  private async sendBacklog(handle: FileHandle, file: string, end: number, req: Omit<TailRequest, 'wait'>, sink: FeedSink, gone: () => boolean): Promise<void> {
    if (req.backlog !== undefined && (req.from === null || req.from === undefined)) return req.backlog(handle, file, end, sink, gone);
    let pos =
      req.from === null || req.from === undefined
        ? await backlogStart(handle, end, req.lines, req.lines * (this.opts.maxLineBytes + 1))
        : resumeOffset(req.from, file, end);
    while (pos < end && !gone() && !sink.closed()) {
      const buf = Buffer.allocUnsafe(Math.min(BLOCK_BYTES, end - pos));
      const n = await readFully(handle, buf, buf.length, pos);
      if (n === 0) break;
      sink.event({ type: 'data', file, start: pos, bytes: n === buf.length ? buf : buf.subarray(0, n) });
      pos += n;
      if (sink.pendingBytes() > BLOCK_BYTES) await sink.ready();
    }
  }

  private entry(abs: string): Entry {
    const existing = this.entries.get(abs);
    if (existing !== undefined) return existing;
    const follower = new Follower<Subscription>(abs, this.opts.open);
    const entry: Entry = {
      follower,
      started: follower.start(),
      recheck: null,
      joining: 0,
      // A slow safety net under the watcher: events can be lost (overflow, a watch on a deleted inode).
      poll: setInterval(() => void follower.check(), this.opts.pollIntervalMs),
    };
    this.entries.set(abs, entry);
    this.watcher.add(abs);
    return entry;
  }

  private hint(path: string): void {
    const entry = this.entries.get(path);
    if (entry === undefined) return;
    void entry.follower.check();
    entry.recheck ??= setTimeout(() => {
      entry.recheck = null;
      void entry.follower.check();
    }, RECHECK_MS);
  }

  private leave(abs: string, entry: Entry, sub: Subscription): void {
    sub.gone = true;
    entry.follower.listeners.delete(sub);
    const unused = (): boolean => entry.follower.listeners.size === 0 && entry.joining === 0 && this.entries.get(abs) === entry;
    // The last stream has left: release the handle and the watch, once any start in flight settles.
    if (unused()) void entry.started.finally(() => unused() && this.drop(abs, entry));
  }

  private drop(abs: string, entry: Entry): void {
    this.entries.delete(abs);
    clearInterval(entry.poll);
    if (entry.recheck !== null) clearTimeout(entry.recheck);
    entry.follower.close();
    this.watcher.unwatch(abs);
  }
}

/** Where a resume starts: just after `from` in the same file; at the start of the file if it was rotated or truncated since. */
const resumeOffset = (from: Position, file: string, end: number): number => (from.file === file && from.offset <= end ? from.offset : 0);

/** One stream's place in a follower: queues the live feed while its backlog is still being sent. */
class Subscription implements FollowerListener {
  gone = false;
  private queue: FeedEvent[] | null = [];
  private queuedBytes = 0;

  constructor(
    readonly sink: FeedSink,
    private readonly maxQueueBytes: number,
  ) {}

  goLive(): void {
    const queued = this.queue;
    this.queue = null;
    for (const ev of queued ?? []) this.sink.event(ev);
  }

  deliver(ev: FeedEvent): void {
    if (this.gone) return;
    if (this.queue === null) return this.sink.event(ev);
    this.queue.push(ev);
    this.queuedBytes += ev.type === 'data' ? ev.bytes.length : 0;
    if (this.queuedBytes > this.maxQueueBytes) this.sink.abort('slow');
  }

  busy(): boolean {
    return this.queue === null && this.sink.pendingBytes() > this.maxQueueBytes / 2;
  }

  ready(): Promise<void> {
    return this.sink.ready();
  }
}
