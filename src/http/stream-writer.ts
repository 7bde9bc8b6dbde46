import type { ServerResponse } from 'node:http';
import type { EndReason, FormatName, Formatter } from '../format/formatter.js';
import { BackPressure } from '../tail/back-pressure.js';
import type { BlockLease } from '../tail/block-pool.js';
import type { FeedEvent, FeedSink } from '../tail/feed.js';
import type { StreamObserver } from './metrics.js';

export interface StreamLimits {
  /** What may wait for this client before its stream is ended. */
  readonly clientBufferBytes: number;
  readonly heartbeatMs: number;
}

/**
 * Writes one long-lived stream straight to the socket: the shared Buffers of
 * each read go to `res` as they are (a stream as koa's ctx.body would cost 25 KB
 * per idle stream; this costs ~14 KB, of which ~11 KB is node's own socket).
 */
export class StreamWriter implements FeedSink {
  bytesSent = 0;
  /** Whether anything (headers included) has gone out: until then the request can still be answered with an error. */
  started = false;
  private ended = false;
  private lastWrite = Date.now();
  private readonly heartbeat: NodeJS.Timeout | null;
  private readonly endedListeners: Array<(reason: EndReason) => void> = [];

  private linesReported = 0;
  private waiting: Promise<void> | null = null;
  private readonly backPressure: BackPressure;

  constructor(
    private readonly res: ServerResponse,
    private readonly format: FormatName,
    private readonly formatter: Formatter,
    readonly limits: StreamLimits,
    private readonly observer: StreamObserver,
  ) {
    this.backPressure = new BackPressure(limits.clientBufferBytes);
    // Before the request log's listener, so the log line knows why the stream ended.
    res.prependOnceListener('close', () => this.finish('gone'));
    const beat = formatter.heartbeat();
    this.heartbeat =
      beat === ''
        ? null
        : setInterval(
            () => {
              if (this.started && Date.now() - this.lastWrite >= limits.heartbeatMs) this.write(beat);
            },
            Math.max(50, Math.floor(limits.heartbeatMs / 2)),
          );
  }

  /**
   * Sends the headers and the prelude. Called on the first event (the engine has
   * taken its snapshot by then) or once the subscription is in place: a client that
   * has the headers may rely on every line written afterwards reaching it.
   */
  begin(): void {
    if (this.started || this.ended) return;
    this.started = true;
    const prelude = this.formatter.start();
    if (prelude.length > 0) this.write(prelude);
    else this.res.flushHeaders();
  }

  /** Gives up before anything was sent, so the request can still get an error answer. */
  discard(): void {
    this.finish('error');
  }

  /** Called once, when the stream has ended for any reason (including the client leaving). */
  onEnd(listener: (reason: EndReason) => void): void {
    this.endedListeners.push(listener);
  }

  /**
   * Judged by what the client has not taken of earlier writes, before this burst
   * is added (see BackPressure): one 64 KiB read of short lines is megabytes of
   * html. Worst case held for one stream: CLIENT_BUFFER_BYTES of earlier writes +
   * one formatted read (at most ~56 bytes a byte, for a read of empty lines: 3.5
   * MiB of html, 2.3 MiB of sse) + the closing notice.
   */
  event(ev: FeedEvent): void {
    if (this.ended) return;
    if (this.backPressure.isSlow(this.res.writableLength)) {
      this.end('slow');
      return;
    }
    this.begin();
    const out = this.formatter.event(ev);
    // The read's own bytes (text): the socket holds them until written, so their block is retained till then.
    const lease = ev.type === 'data' && out === ev.bytes ? ev.lease : undefined;
    this.write(out, lease);
  }

  closed(): boolean {
    return this.ended;
  }

  pendingBytes(): number {
    return this.res.writableLength;
  }

  ready(): Promise<void> {
    if (this.ended || !this.backPressure.isBusy(this.res.writableLength)) return Promise.resolve();
    // One wait shared by every caller, so a slow reader does not collect a listener per chunk.
    this.waiting ??= new Promise<void>((resolve) => {
      const done = (): void => {
        this.res.off('drain', done);
        this.res.off('close', done);
        this.waiting = null;
        resolve();
      };
      this.res.on('drain', done);
      this.res.on('close', done);
    });
    return this.waiting;
  }

  abort(reason: 'slow' | 'shutdown' | 'error'): void {
    this.end(reason);
  }

  /** Writes the closing notice and the last chunk. */
  end(reason: Exclude<EndReason, 'gone'>): void {
    if (this.ended) return;
    this.begin();
    this.write(this.formatter.end(reason));
    this.finish(reason);
    this.res.end();
    if (reason === 'slow') setTimeout(() => this.res.destroy(), BackPressure.END_GRACE_MS).unref();
  }

  private write(chunk: string | Buffer, lease?: BlockLease): void {
    if (chunk.length === 0 || this.ended || this.res.destroyed) return;
    const bytes = typeof chunk === 'string' ? Buffer.byteLength(chunk) : chunk.length;
    this.bytesSent += bytes;
    this.lastWrite = Date.now();
    if (lease === undefined) this.res.write(chunk);
    else {
      lease.retain();
      // Called once node is done with the chunk: written, or dropped with the socket.
      this.res.write(chunk, () => lease.release());
    }
    this.observer.sent(this.format, bytes, this.formatter.linesOut - this.linesReported);
    this.linesReported = this.formatter.linesOut;
  }

  private finish(reason: EndReason): void {
    if (this.ended) return;
    this.ended = true;
    if (this.heartbeat !== null) clearInterval(this.heartbeat);
    this.observer.ended(this.format, reason);
    for (const l of this.endedListeners) l(reason);
  }
}
