import type { FeedEvent } from '../tail/feed.js';
import { positionToken } from '../tail/feed.js';
import { LineSplitter, type Line } from '../tail/lines.js';

export interface DecodedLine {
  /** The line without its line ending; invalid UTF-8 replaced by U+FFFD. */
  readonly text: string;
  /** The id of the place just after the line: file identity and byte offset. */
  readonly id: string;
}

type DataEvent = Extract<FeedEvent, { type: 'data' }>;
type LineEvent = Extract<FeedEvent, { type: 'line' }>;

/** The start of a line a stream was handed but has not shown (its newline has not come yet), ending at `end` in `file`. */
interface Pending {
  readonly file: string;
  readonly end: number;
  readonly bytes: Buffer;
}

const NONE: Pending = { file: '', end: -1, bytes: Buffer.alloc(0) };

/** What one data event becomes in a format: the bytes to send, the lines they hold, and the unfinished line left after them. */
export interface Rendered {
  readonly out: Buffer;
  readonly lines: number;
  readonly pending: Pending;
}

/** Whole lines → the bytes of a format; pure, so one rendering can serve every stream. */
export type RenderLines = (lines: readonly DecodedLine[]) => string;

/**
 * The renderings of data events in one format, each made once however many
 * streams send it: every live stream of a follower is handed the same event
 * object. Weakly keyed, so a rendering lives as long as its event may be sent.
 */
export class SharedRenderings {
  private readonly done = new WeakMap<DataEvent, Rendered>();

  constructor(readonly render: RenderLines) {}

  get(ev: DataEvent, make: () => Rendered): Rendered {
    let r = this.done.get(ev);
    if (r === undefined) {
      r = make();
      this.done.set(ev, r);
    }
    return r;
  }
}

const decoder = new TextDecoder('utf-8');

/**
 * One stream's lines: feed events → whole decoded lines, rendered. The stream
 * holds only its unfinished line; a data event whose head is that same line
 * (every live event, once the stream has caught up) is rendered once for all.
 */
export class LineDecoder {
  /** Lines rendered so far (for the metrics). */
  linesOut = 0;
  private pending: Pending = NONE;

  constructor(
    private readonly maxLineBytes: number,
    private readonly shared: SharedRenderings,
  ) {}

  /** The lines a data event completes, rendered. */
  data(ev: DataEvent): Buffer {
    const r = this.holdsHeadOf(ev)
      ? this.shared.get(ev, () => this.renderAfter({ file: ev.file, end: ev.start, bytes: ev.head }, ev))
      : this.renderAfter(this.pending, ev);
    this.pending = r.pending;
    this.linesOut += r.lines;
    return r.out;
  }

  /** A line a search picked (grep, before, at, a .gz file): whole already, so nothing to split; rendered by `render` (a stream's own marks). */
  line(ev: LineEvent, render: RenderLines = this.shared.render): string {
    const rest = this.flush();
    this.linesOut++;
    return rest + render([decode(ev.file, { bytes: ev.bytes, end: ev.end })]);
  }

  /** The unfinished line, rendered as a line of its own (the file ended or changed under it); forgotten after. */
  flush(): string {
    const { file, end, bytes } = this.pending;
    if (bytes.length === 0) return '';
    this.pending = NONE;
    this.linesOut++;
    return this.shared.render([decode(file, { bytes, end })]);
  }

  /** Whether this stream's unfinished line is the one the event continues, as the follower saw it. */
  private holdsHeadOf(ev: DataEvent): boolean {
    const p = this.pending;
    if (p.bytes.length !== ev.head.length) return false;
    return ev.head.length === 0 || (p.file === ev.file && p.end === ev.start && p.bytes.equals(ev.head));
  }

  private renderAfter(before: Pending, ev: DataEvent): Rendered {
    // A whole line is never cut (LineSplitter cuts only what waits for its newline): all up to the last newline decodes at once.
    const last = ev.bytes.lastIndexOf(0x0a);
    const lines = last < 0 ? [] : decodeLines(ev.file, before.bytes, ev.bytes.subarray(0, last + 1), ev.start);
    const splitter = new LineSplitter(this.maxLineBytes);
    // At most maxLineBytes and no newline: held, nothing comes out.
    if (last < 0) splitter.push(before.bytes, ev.start - before.bytes.length);
    for (const piece of splitter.push(ev.bytes.subarray(last + 1), ev.start + last + 1))
      lines.push(decode(ev.file, piece));
    const held = splitter.flush();
    return {
      out: Buffer.from(this.shared.render(lines)),
      lines: lines.length,
      // Copied: the held bytes may lie in the event's read block, which is read into again once it is sent.
      pending: held === null ? NONE : { file: ev.file, end: held.end, bytes: Buffer.from(held.bytes) },
    };
  }
}

// Keeps a U+FEFF at the start of the call: lineText drops one from each line, as a decode call per line does.
const linesDecoder = new TextDecoder('utf-8', { ignoreBOM: true });

/**
 * The lines of `head` then `whole` (which ends in a newline, `start` its offset), as decode() gives each, in one
 * decode call: a newline is never part of an invalid sequence (it ends one, as one U+FFFD), so it splits the same.
 */
function decodeLines(file: string, head: Buffer, whole: Buffer, start: number): DecodedLine[] {
  const texts = (head.length > 0 ? linesDecoder.decode(head, { stream: true }) : '') + linesDecoder.decode(whole);
  const lines: DecodedLine[] = [];
  let from = 0;
  let nl = whole.indexOf(0x0a);
  while (nl >= 0) {
    const to = texts.indexOf('\n', from);
    lines.push({ text: lineText(texts, from, to), id: positionToken({ file, offset: start + nl + 1 }) });
    from = to + 1;
    nl = whole.indexOf(0x0a, nl + 1);
  }
  return lines;
}

/** texts[from, to) without the CR of a CRLF and without a leading BOM. */
function lineText(texts: string, from: number, to: number): string {
  const end = to > from && texts.charCodeAt(to - 1) === 0x0d ? to - 1 : to;
  return texts.slice(end > from && texts.charCodeAt(from) === 0xfeff ? from + 1 : from, end);
}

function decode(file: string, line: Line): DecodedLine {
  let n = line.bytes.length;
  if (n > 0 && line.bytes[n - 1] === 0x0a) n--;
  if (n > 0 && line.bytes[n - 1] === 0x0d) n--;
  return { text: decoder.decode(line.bytes.subarray(0, n)), id: positionToken({ file, offset: line.end }) };
}
