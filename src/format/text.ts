import type { FeedEvent } from '../tail/feed.js';
import { countNewlines } from '../tail/newline-count.js';
import type { Formatter } from './formatter.js';

const NEWLINE = Buffer.from('\n');

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
    if (ev.type === 'line') {
      this.linesOut++;
      // A piece of a cut line gets a newline, so the lines of a search stay apart.
      return ev.bytes[ev.bytes.length - 1] === 0x0a ? ev.bytes : Buffer.concat([ev.bytes, NEWLINE]);
    }
    if (ev.type !== 'data') return '';
    let lines = LINE_COUNTS.get(ev);
    if (lines === undefined) {
      lines = countNewlines(ev.bytes);
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
