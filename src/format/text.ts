import type { FeedEvent } from '../tail/feed.js';
import type { Formatter } from './formatter.js';

/** The file's bytes exactly as written, so `curl -N` behaves like `tail -F`: no notices, no heartbeats. */
export class TextFormatter implements Formatter {
  readonly contentType = 'text/plain; charset=utf-8';

  start(): string {
    return '';
  }

  event(ev: FeedEvent): Buffer | string {
    return ev.type === 'data' ? ev.bytes : '';
  }

  heartbeat(): string {
    return '';
  }

  end(): string {
    return '';
  }
}
