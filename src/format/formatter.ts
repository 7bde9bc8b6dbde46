import type { FeedEvent } from '../tail/feed.js';

/** Why a stream ends: the backlog was all that was asked, the client fell behind, the server stops, or the file could not be read. */
export type EndReason = 'eof' | 'slow' | 'shutdown' | 'error';

/** Turns feed events into the bytes of one response. Knows nothing of files or sockets. */
export interface Formatter {
  readonly contentType: string;
  /** Sent once, before anything else. */
  start(): string | Buffer;
  event(ev: FeedEvent): string | Buffer;
  /** Sent when a stream is idle, so proxies keep it open; '' for formats that must stay byte-exact. */
  heartbeat(): string;
  end(reason: EndReason): string | Buffer;
}

export type FormatName = 'text' | 'html' | 'sse';

export const END_NOTICES: Record<Exclude<EndReason, 'eof'>, string> = {
  slow: 'stream ended: the client fell too far behind',
  shutdown: 'stream ended: the server is shutting down',
  error: 'stream ended: the file could not be read',
};
