import type { FeedEvent } from '../tail/feed.js';
import { countNewlines } from '../tail/newline-count.js';
import type { Formatter } from './formatter.js';

const NEWLINE = Buffer.from('\n');

// Lines counted once per read (for the metrics), however many streams send it: a follower hands each read to its
// streams one after another. The last read only, not a WeakMap of them: its ephemerons cost more than a count.
let counted: { readonly ev: FeedEvent | null; readonly lines: number } = { ev: null, lines: 0 };

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
    if (counted.ev !== ev) counted = { ev, lines: countNewlines(ev.bytes) };
    this.linesOut += counted.lines;
    return ev.bytes;
  }

  heartbeat(): string {
    return '';
  }

  end(): string {
    return '';
  }
}
