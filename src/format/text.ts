import type { FeedEvent } from '../tail/feed.js';
import type { Formatter } from './formatter.js';

/** The file's bytes exactly as written, so `curl -N` behaves like `tail -F`: no notices, no heartbeats. */
export class TextFormatter implements Formatter {
  readonly contentType = 'text/plain; charset=utf-8';
  linesOut = 0;

  start(): string {
    return '';
  }

  event(ev: FeedEvent): Buffer | string {
    if (ev.type !== 'data') return '';
    for (let i = ev.bytes.indexOf(0x0a); i >= 0; i = ev.bytes.indexOf(0x0a, i + 1)) this.linesOut++;
    return ev.bytes;
  }

  heartbeat(): string {
    return '';
  }

  end(): string {
    return '';
  }
}
