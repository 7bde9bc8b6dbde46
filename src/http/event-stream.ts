import type { ServerResponse } from 'node:http';
import { END_NOTICES } from '../format/formatter.js';
import type { StreamLimits } from './stream-writer.js';

export type EventStreamEnd = 'slow' | 'shutdown' | 'error' | 'gone';

/**
 * A server-sent event stream of named JSON events written straight to the
 * socket (the live index; see StreamWriter for why not through koa): heartbeats
 * while idle, ended when the client leaves or stops taking what it is sent.
 */
export class EventStream {
  bytesSent = 0;
  private started = false;
  private ended = false;
  private lastWrite = Date.now();
  private readonly heartbeat: NodeJS.Timeout;
  private readonly endedListeners: Array<(reason: EventStreamEnd) => void> = [];

  constructor(
    private readonly res: ServerResponse,
    private readonly limits: StreamLimits,
  ) {
    res.prependOnceListener('close', () => this.finish('gone'));
    this.heartbeat = setInterval(
      () => {
        if (this.started && Date.now() - this.lastWrite >= limits.heartbeatMs) this.write(': keep-alive\n\n');
      },
      Math.max(50, Math.floor(limits.heartbeatMs / 2)),
    );
  }

  /** Sends the headers (set through ctx before) and the reconnection delay. */
  begin(): void {
    if (this.started) return;
    this.started = true;
    this.write('retry: 2000\n\n');
  }

  /** Gives up before anything was sent, so the request can still get an error answer. */
  discard(): void {
    this.finish('error');
  }

  /** One event; JSON keeps the data on one line, so it is a single `data:` field. */
  send(event: string, data: unknown): void {
    if (this.ended) return;
    this.begin();
    // Judged by what earlier events left untaken (see StreamWriter.event).
    if (this.res.writableLength > this.limits.clientBufferBytes) {
      this.end('slow');
      return;
    }
    this.write(`event: ${event}\ndata: ${JSON.stringify(data)}\n\n`);
  }

  onEnd(listener: (reason: EventStreamEnd) => void): void {
    this.endedListeners.push(listener);
  }

  closed(): boolean {
    return this.ended;
  }

  /** Says why in an `end` event, as the tail's sse stream does, and closes. */
  end(reason: Exclude<EventStreamEnd, 'gone'>): void {
    if (this.ended) return;
    this.begin();
    const notice = reason === 'error' ? 'stream ended: the directory can no longer be watched' : END_NOTICES[reason];
    this.write(`event: end\ndata: ${notice}\n\n`);
    this.finish(reason);
    this.res.end();
    if (reason === 'slow') this.res.destroy();
  }

  private write(chunk: string): void {
    if (this.ended || this.res.destroyed) return;
    this.bytesSent += Buffer.byteLength(chunk);
    this.lastWrite = Date.now();
    this.res.write(chunk);
  }

  private finish(reason: EventStreamEnd): void {
    if (this.ended) return;
    this.ended = true;
    clearInterval(this.heartbeat);
    for (const l of this.endedListeners) l(reason);
  }
}
