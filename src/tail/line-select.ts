import type { LineMatcher } from '../search/matcher.js';
import { cutPoint } from './lines.js';

/** Receives a selected line: indices into the block, `end` just after its newline (if it has one). */
type Visit = (start: number, end: number) => void;

/** A line's bytes without its newline: what a matcher sees. */
const content = (block: Buffer, start: number, end: number): Buffer =>
  block.subarray(start, end > start && block[end - 1] === 0x0a ? end - 1 : end);

/** Whether a search keeps a line: every line without a matcher, else by match (inverted on request). */
export const keeps = (matcher: LineMatcher | null, line: Buffer): boolean =>
  matcher === null || matcher.matches(line) !== matcher.invert;

/**
 * The pieces of one line as a search sees it: a line whose text is longer
 * than `maxLineBytes` is cut from its start into pieces of at most that size
 * (at a UTF-8 character boundary where one is near), its newline going with
 * the last piece. Each piece is a line of its own, with its own id.
 */
function eachPiece(block: Buffer, start: number, end: number, maxLineBytes: number, visit: Visit): void {
  const textEnd = end > start && block[end - 1] === 0x0a ? end - 1 : end;
  let s = start;
  while (textEnd - s > maxLineBytes) {
    const cut = s + cutPoint(block.subarray(s, textEnd), maxLineBytes);
    visit(s, cut);
    s = cut;
  }
  visit(s, end);
}

/**
 * Visits, in order, the lines of block[from, to) that a search keeps; `from`
 * is a line start, `to` a line end (or where the bytes stop). Without invert,
 * the matcher's quick pass over the whole block finds the candidates, so lines
 * without a match cost no more than the scan.
 */
export function selectLines(
  block: Buffer,
  from: number,
  to: number,
  matcher: LineMatcher | null,
  maxLineBytes: number,
  visit: Visit,
): void {
  const test = (s: number, e: number): void => {
    if (keeps(matcher, content(block, s, e))) visit(s, e);
  };
  if (matcher === null || matcher.invert) {
    for (let s = from; s < to; ) {
      const nl = block.indexOf(0x0a, s);
      const e = nl < 0 || nl >= to ? to : nl + 1;
      eachPiece(block, s, e, maxLineBytes, test);
      s = e;
    }
    return;
  }
  const region = block.subarray(from, to);
  const next = matcher.candidates(region);
  for (let at = 0; at < region.length; ) {
    const hit = next(at);
    if (hit < 0) return;
    const s = hit === 0 ? 0 : region.lastIndexOf(0x0a, hit - 1) + 1;
    const nl = region.indexOf(0x0a, hit);
    const e = nl < 0 ? region.length : nl + 1;
    eachPiece(region, s, e, maxLineBytes, (ps, pe) => test(from + ps, from + pe));
    at = e;
  }
}

/**
 * The same selection over bytes that arrive in order (a live feed, a
 * decompressed stream, a forward read): complete lines are selected as they
 * arrive, a partial line is held (cut into pieces once it outgrows
 * `maxLineBytes`, so what is held stays bounded).
 */
export class ForwardSelector {
  private buf = Buffer.alloc(0);
  private held = 0;
  /** Offset of buf[0] in the file. */
  private base = 0;

  constructor(
    private readonly matcher: LineMatcher | null,
    private readonly maxLineBytes: number,
    /** `bytes` is only valid during the call: copy what you keep. */
    private readonly onLine: (bytes: Buffer, end: number) => void,
  ) {}

  /** Bytes at `start`; if they do not continue the held ones, the held partial line ends first. */
  push(chunk: Buffer, start: number): void {
    if (start !== this.base + this.held) {
      this.finish();
      this.base = start;
    }
    const step = this.matcher?.blockBytes ?? 1024 * 1024;
    for (let i = 0; i < chunk.length; i += step) this.take(chunk.subarray(i, i + step));
  }

  /** The held partial line, if any, is a line (the bytes ended). */
  finish(): void {
    if (this.held > 0) selectLines(this.buf, 0, this.held, this.matcher, this.maxLineBytes, (s, e) => this.emit(s, e));
    this.base += this.held;
    this.held = 0;
  }

  private take(part: Buffer): void {
    if (this.buf.length < this.held + part.length) {
      const bigger = Buffer.allocUnsafeSlow(Math.max(this.held + part.length, 2 * this.buf.length));
      this.buf.copy(bigger, 0, 0, this.held);
      this.buf = bigger;
    }
    part.copy(this.buf, this.held);
    const len = this.held + part.length;
    const lastNl = this.buf.lastIndexOf(0x0a, len - 1);
    let done = lastNl < 0 ? 0 : lastNl + 1;
    if (done > 0) selectLines(this.buf, 0, done, this.matcher, this.maxLineBytes, (s, e) => this.emit(s, e));
    // A partial line longer than a line may be: its first piece is complete now.
    while (len - done > this.maxLineBytes) {
      const cut = done + cutPoint(this.buf.subarray(done, len), this.maxLineBytes);
      if (keeps(this.matcher, this.buf.subarray(done, cut))) this.emit(done, cut);
      done = cut;
    }
    this.buf.copy(this.buf, 0, done, len);
    this.base += done;
    this.held = len - done;
  }

  private emit(s: number, e: number): void {
    this.onLine(this.buf.subarray(s, e), this.base + e);
  }
}
