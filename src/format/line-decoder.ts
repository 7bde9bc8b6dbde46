import type { FeedEvent } from '../tail/feed.js';
import { positionToken } from '../tail/feed.js';
import { LineSplitter, type Line } from '../tail/lines.js';

export interface DecodedLine {
  /** The line without its line ending; invalid UTF-8 replaced by U+FFFD. */
  readonly text: string;
  /** The id of the place just after the line: file identity and byte offset. */
  readonly id: string;
}

const decoder = new TextDecoder('utf-8');

/** Feed events → whole, decoded lines with their ids; shared by the line-based formats. */
export class LineDecoder {
  private readonly splitter: LineSplitter;
  private file = '';

  constructor(maxLineBytes: number) {
    this.splitter = new LineSplitter(maxLineBytes);
  }

  /** Lines completed by a data event; for a truncation or switch, the partial line left before it. */
  lines(ev: FeedEvent): DecodedLine[] {
    if (ev.type === 'partial') return [];
    if (ev.type === 'line') {
      // A search result is a whole line already: nothing to split.
      const rest = this.flush();
      this.file = ev.file;
      return [...rest, this.decode({ bytes: ev.bytes, end: ev.end })];
    }
    if (ev.type !== 'data') {
      const rest = this.flush();
      this.file = ev.file;
      return rest;
    }
    this.file = ev.file;
    return this.splitter.push(ev.bytes, ev.start).map((l) => this.decode(l));
  }

  /** The held partial line, as a line of its own. */
  flush(): DecodedLine[] {
    const line = this.splitter.flush();
    return line === null ? [] : [this.decode(line)];
  }

  private decode(line: Line): DecodedLine {
    let n = line.bytes.length;
    if (n > 0 && line.bytes[n - 1] === 0x0a) n--;
    if (n > 0 && line.bytes[n - 1] === 0x0d) n--;
    return { text: decoder.decode(line.bytes.subarray(0, n)), id: positionToken({ file: this.file, offset: line.end }) };
  }
}
