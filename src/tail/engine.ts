import type { FileHandle } from 'node:fs/promises';
import { BackPressure } from './back-pressure.js';
import { blockPart, BlockPool } from './block-pool.js';
import { backlogStart, BLOCK_BYTES, readFully } from './backlog.js';
import type { FeedEvent, FeedSink, Position } from './feed.js';
import { DirWatches } from './dir-watch.js';
import { Follower, type FileOpener, type FollowerListener } from './follower.js';
import { LineHeads } from './lines.js';
import { isMissing } from './missing.js';
import { NameHints } from './name-hints.js';
import { resumeSegments, type Segment } from './resume.js';
import type { BacklogSender } from './search-run.js';

export interface EngineOptions {
  /** Opens a name after checking it may be read (the file guard). */
  readonly open: FileOpener;
  readonly polling: boolean;
  readonly pollIntervalMs: number;
  readonly maxLineBytes: number;
  /** CLIENT_BUFFER_BYTES: what may wait for one stream (see BackPressure). */
  readonly clientBufferBytes: number;
  /** A failure the engine went on after (a follower's re-open, a watcher, a sink that threw): for the log. */
  readonly onError?: (err: unknown, context: EngineErrorContext) => void;
}

export interface EngineErrorContext {
  /** The followed name. */
  readonly file: string;
  readonly during: 'follow' | 'watch' | 'sink';
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

/** The engine has been closed (the server is stopping): nothing new is followed. */
export class EngineClosedError extends Error {
  constructor() {
    super('the tail engine is closed');
    this.name = 'EngineClosedError';
  }
}

interface Entry {
  readonly follower: Follower<Subscription>;
  /** What tells the follower to look at its name again (see NameHints). */
  readonly hints: NameHints;
  readonly started: Promise<boolean>;
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
  /** Watches being closed: awaited by close(). */
  private readonly closing = new Set<Promise<void>>();
  private readonly backPressure: BackPressure;
  private readonly dirs = new DirWatches();
  /** Read blocks, used again by every follower and backlog once their streams are done with them. */
  private readonly pool = new BlockPool();
  /** Set by close(): a follow that arrives or resumes after it would leave watches and timers no one closes. */
  private closed = false;

  constructor(private readonly opts: EngineOptions) {
    this.backPressure = new BackPressure(opts.clientBufferBytes);
  }

  /** Read blocks still held by a stream (a socket's write, a queue): 0 once every stream is done with them. */
  blocksLent(): number {
    return this.pool.lent;
  }

  /** Number of names followed (each with one watch and one handle) and of streams following them. */
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
    if (this.closed) throw new EngineClosedError();
    const entry = this.entry(abs);
    const sub = new Subscription(sink, this.backPressure, (err) => {
      this.report(err, { file: abs, during: 'sink' });
      this.leave(abs, entry, sub);
    });
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
      if (this.closed) throw new EngineClosedError();
      const snap = entry.follower.snapshot();
      if (snap === null && !req.wait) throw new FileUnavailableError();
      // Joining and taking the snapshot happen in one turn, so the live feed continues exactly where the backlog ends.
      entry.follower.listeners.add(sub);
      if (snap !== null) {
        try {
          await this.sendBacklog(
            abs,
            { handle: snap.handle.handle, file: snap.file, end: snap.offset },
            req,
            sink,
            () => sub.gone,
          );
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
    const opened = await this.opts.open(abs).catch((err: unknown) => {
      throw isMissing(err) ? new FileUnavailableError() : err;
    });
    try {
      await this.sendBacklog(
        abs,
        { handle: opened.handle, file: String(opened.stat.ino), end: opened.stat.size },
        req,
        sink,
        () => false,
      );
    } finally {
      await opened.handle.close();
    }
  }

  async close(): Promise<void> {
    this.closed = true;
    for (const [abs, entry] of this.entries) {
      for (const l of entry.follower.listeners) l.sink.abort('shutdown');
      this.drop(abs, entry);
    }
    this.dirs.close();
    await Promise.all(this.closing);
  }

  /** Sends what comes before the live feed that the request asks for (the last lines, or all after `from`) to one sink, in blocks, waiting for it to take each. */
  private async sendBacklog(
    abs: string,
    current: { handle: FileHandle; file: string; end: number },
    req: Omit<TailRequest, 'wait'>,
    sink: FeedSink,
    gone: () => boolean,
  ): Promise<void> {
    if (req.backlog !== undefined && (req.from === null || req.from === undefined))
      return req.backlog(current.handle, current.file, current.end, sink, gone);
    const segments: Segment[] =
      req.from === null || req.from === undefined
        ? [
            {
              ...current,
              start: await backlogStart(
                current.handle,
                current.end,
                req.lines,
                req.lines * (this.opts.maxLineBytes + 1),
              ),
              before: null,
              owned: false,
            },
          ]
        : await resumeSegments(abs, req.from, current, this.opts.open);
    const heads = new LineHeads(this.opts.maxLineBytes);
    try {
      for (const seg of segments) {
        if (gone() || sink.closed()) return;
        if (seg.before !== null) sink.event(seg.before);
        await sendRange(seg, sink, gone, heads, this.backPressure, this.pool);
      }
    } finally {
      await Promise.all(segments.filter((s) => s.owned).map((s) => s.handle.close()));
    }
  }

  private entry(abs: string): Entry {
    const existing = this.entries.get(abs);
    if (existing !== undefined) return existing;
    // The follower tells its hints whether the name leads to a file; the hints tell it when to look.
    let hints: NameHints | undefined;
    const follower = new Follower<Subscription>(
      abs,
      this.opts.open,
      (err) => this.report(err, { file: abs, during: 'follow' }),
      {
        maxLineBytes: this.opts.maxLineBytes,
        watchContent: !this.opts.polling,
        pool: this.pool,
        onNamed: (named) => hints?.named(named),
      },
    );
    hints = new NameHints(
      abs,
      this.opts,
      this.dirs,
      () => void follower.check(),
      (err) => this.report(err, { file: abs, during: 'watch' }),
    );
    const entry: Entry = { follower, hints, started: follower.start(), joining: 0 };
    this.entries.set(abs, entry);
    return entry;
  }

  private leave(abs: string, entry: Entry, sub: Subscription): void {
    sub.leave();
    entry.follower.listeners.delete(sub);
    const unused = (): boolean =>
      entry.follower.listeners.size === 0 && entry.joining === 0 && this.entries.get(abs) === entry;
    // The last stream has left: release the handle and the watch, once any start in flight settles.
    const dropIfUnused = (): void => {
      if (unused()) this.drop(abs, entry);
    };
    // A start that failed is dropped too, so the next stream tries again.
    if (unused()) void entry.started.then(dropIfUnused, dropIfUnused);
  }

  private drop(abs: string, entry: Entry): void {
    this.entries.delete(abs);
    entry.follower.close();
    const closed = entry.hints.close().catch((err: unknown) => this.report(err, { file: abs, during: 'watch' }));
    this.closing.add(closed);
    void closed.finally(() => this.closing.delete(closed));
  }

  private report(err: unknown, context: EngineErrorContext): void {
    this.opts.onError?.(err, context);
  }
}

/** Sends `[start, end)` of one segment in blocks, waiting for the sink to take each. */
async function sendRange(
  seg: Segment,
  sink: FeedSink,
  gone: () => boolean,
  heads: LineHeads,
  backPressure: BackPressure,
  pool: BlockPool,
): Promise<void> {
  let pos = seg.start;
  while (pos < seg.end && !gone() && !sink.closed()) {
    const lease = pool.take();
    const n = await readFully(seg.handle, lease.bytes, Math.min(BLOCK_BYTES, seg.end - pos), pos);
    if (n === 0) {
      lease.release();
      break;
    }
    const part = blockPart(lease, 0, n);
    sink.event({ type: 'data', file: seg.file, start: pos, head: heads.next(seg.file, pos, part.bytes), ...part });
    lease.release();
    pos += n;
    if (!backPressure.backlogMayRead(sink.pendingBytes())) await sink.ready();
  }
}

/** One stream's place in a follower: queues the live feed while its backlog is still being sent. */
class Subscription implements FollowerListener {
  gone = false;
  /** What came while the backlog was sent; each queued read block retained until it is sent. */
  private queue: FeedEvent[] | null = [];
  private queuedBytes = 0;

  constructor(
    readonly sink: FeedSink,
    private readonly backPressure: BackPressure,
    /** The sink threw: it is ended and leaves, the others go on. */
    private readonly onFailure: (err: unknown) => void,
  ) {}

  goLive(): void {
    const queued = this.queue;
    this.queue = null;
    for (const ev of queued ?? []) {
      this.send(ev);
      if (ev.type === 'data') ev.lease?.release();
    }
  }

  /** Gone from the follower: what is queued will never be sent. */
  leave(): void {
    this.gone = true;
    for (const ev of this.queue?.splice(0) ?? []) if (ev.type === 'data') ev.lease?.release();
  }

  deliver(ev: FeedEvent): void {
    if (this.gone) return;
    if (this.queue === null) {
      this.send(ev);
      return;
    }
    if (ev.type === 'data') ev.lease?.retain();
    this.queue.push(ev);
    this.queuedBytes += ev.type === 'data' ? ev.bytes.length : 0;
    if (this.backPressure.isSlow(this.queuedBytes)) this.sink.abort('slow');
  }

  busy(): boolean {
    return this.queue === null && this.backPressure.isBusy(this.sink.pendingBytes());
  }

  ready(): Promise<void> {
    return this.sink.ready();
  }

  private send(ev: FeedEvent): void {
    if (this.gone) return;
    try {
      this.sink.event(ev);
    } catch (err) {
      this.gone = true;
      try {
        this.sink.abort('error');
      } catch {
        // A sink broken enough to throw twice is still ended: it has left the follower.
      }
      this.onFailure(err);
    }
  }
}
