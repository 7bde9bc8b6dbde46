export interface Line {
  readonly bytes: Buffer;
  /** Offset in the file just after this line (after its newline, if it has one). */
  readonly end: number;
}

/**
 * Bytes → lines for the line-based formats. A partial last line is held until
 * its newline arrives; a line longer than `maxLineBytes` is cut into pieces, at
 * a UTF-8 character boundary where one is near, so memory stays bounded.
 */
export class LineSplitter {
  private held: Buffer[] = [];
  private heldBytes = 0;
  private heldEnd = 0;

  constructor(private readonly maxLineBytes: number) {}

  push(bytes: Buffer, start: number): Line[] {
    const out: Line[] = [];
    let from = 0;
    while (from < bytes.length) {
      const nl = bytes.indexOf(0x0a, from);
      const stop = nl < 0 ? bytes.length : nl + 1;
      this.hold(bytes.subarray(from, stop), start + stop);
      if (nl >= 0) out.push(this.take(this.heldBytes));
      while (this.heldBytes > this.maxLineBytes) out.push(this.take(cutPoint(this.joined(), this.maxLineBytes)));
      from = stop;
    }
    return out;
  }

  /** The held partial line, if any, as a line of its own (the file ended or changed under it). */
  flush(): Line | null {
    return this.heldBytes === 0 ? null : this.take(this.heldBytes);
  }

  private hold(part: Buffer, end: number): void {
    this.held.push(part);
    this.heldBytes += part.length;
    this.heldEnd = end;
  }

  private joined(): Buffer {
    if (this.held.length !== 1) this.held = [Buffer.concat(this.held, this.heldBytes)];
    return this.held[0] as Buffer;
  }

  private take(n: number): Line {
    const all = this.joined();
    const rest = all.subarray(n);
    const line = { bytes: all.subarray(0, n), end: this.heldEnd - rest.length };
    this.held = rest.length > 0 ? [Buffer.from(rest)] : [];
    this.heldBytes = rest.length;
    return line;
  }
}

/** Backs off from `max` to the start of a UTF-8 character, at most three bytes. */
export function cutPoint(buf: Buffer, max: number): number {
  for (let i = max; i > max - 4 && i > 0; i--) {
    if (((buf[i] ?? 0) & 0xc0) !== 0x80) return i;
  }
  return max;
}

const EMPTY = Buffer.alloc(0);

/**
 * What a LineSplitter holds after `head` and then `bytes`: the unterminated end,
 * cut the same way to at most `maxLineBytes`. Found with one search from the end,
 * so following a file costs nothing per line; copied, so no chunk is kept alive by it.
 */
export function heldAfter(head: Buffer, bytes: Buffer, maxLineBytes: number): Buffer {
  const nl = bytes.lastIndexOf(0x0a);
  let held = nl >= 0 ? bytes.subarray(nl + 1) : Buffer.concat([head, bytes]);
  while (held.length > maxLineBytes) held = held.subarray(cutPoint(held, maxLineBytes));
  return held.length === 0 ? EMPTY : Buffer.from(held);
}

/**
 * The start of the line each chunk of a run continues (FeedEvent's `head`): a
 * formatter of whole lines handed it needs no state of its own, so one
 * rendering of a chunk serves every stream of a format.
 */
export class LineHeads {
  private file = '';
  private end = -1;
  private held: Buffer = EMPTY;

  constructor(private readonly maxLineBytes: number) {}

  /** The head of a chunk at `start` of `file`; empty when the chunk does not continue the last one (a new file, a truncation). */
  next(file: string, start: number, bytes: Buffer): Buffer {
    const head = file === this.file && start === this.end ? this.held : EMPTY;
    this.held = heldAfter(head, bytes, this.maxLineBytes);
    this.file = file;
    this.end = start + bytes.length;
    return head;
  }
}
