import type { FeedEvent } from '../tail/feed.js';

/** Why a stream ends: the backlog was all that was asked, the client fell behind, the server stops, the file could not be read, or the client left. */
export type EndReason = 'eof' | 'slow' | 'shutdown' | 'error' | 'gone';

/** Turns feed events into the bytes of one response. Knows nothing of files or sockets. */
export interface Formatter {
  readonly contentType: string;
  /** Lines written so far (for the metrics). */
  readonly linesOut: number;
  /** Sent once, before anything else. */
  start(): string | Buffer;
  event(ev: FeedEvent): string | Buffer;
  /** Sent when a stream is idle, so proxies keep it open; '' for formats that must stay byte-exact. */
  heartbeat(): string;
  end(reason: Exclude<EndReason, 'gone'>): string | Buffer;
}

export type FormatName = 'text' | 'html' | 'sse';

/** Told when a search ran out of time (SEARCH_TIMEOUT_MS) before it was done. */
export const SEARCH_PARTIAL_NOTICE = 'search stopped at its time limit: older lines were not searched';

/** Reasons a client is told about; nothing is written to one that has left. */
export type NoticedEnd = Exclude<EndReason, 'eof' | 'gone'>;

/** Told when a resume could not find the place its id names. */
export const MISSING_NOTICE =
  'lines may be missing: the file this stream resumed in is gone or was truncated; following the current file from its start';

export const END_NOTICES: Record<NoticedEnd, string> = {
  slow: 'stream ended: the client fell too far behind',
  shutdown: 'stream ended: the server is shutting down',
  error: 'stream ended: the file could not be read',
};
