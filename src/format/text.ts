import type { FeedEvent } from '../tail/feed.js';
import type { Formatter } from './formatter.js';

// Lines counted once per read (for the metrics), however many streams send it.
const LINE_COUNTS = new WeakMap<FeedEvent, number>();

/** The file's bytes exactly as written, so `curl -N` behaves like `tail -F`: no notices, no heartbeats. */
export class TextFormatter implements Formatter {
  readonly contentType = 'text/plain; charset=utf-8';
  linesOut = 0;

  start(): string {
    return '';
  }

  event(ev: FeedEvent): Buffer | string {
    if (ev.type !== 'data') return '';
    let lines = LINE_COUNTS.get(ev);
    if (lines === undefined) {
      lines = 0;
      for (let i = ev.bytes.indexOf(0x0a); i >= 0; i = ev.bytes.indexOf(0x0a, i + 1)) lines++;
      LINE_COUNTS.set(ev, lines);
    }
    this.linesOut += lines;
    return ev.bytes;
  }

  heartbeat(): string {
    return '';
  }

  end(): string {
    return '';
  }
}
