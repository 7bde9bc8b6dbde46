import { RE2JS, RE2JSException } from 're2js';

/** What a `grep` request asks for, as the contract names it. */
export interface GrepSpec {
  readonly text: string;
  /** `case=1`: case-sensitive (the default folds ASCII letters, like `LC_ALL=C grep -i`). */
  readonly caseSensitive: boolean;
  /** `regex=1`: `text` is a regular expression (RE2 syntax, run in linear time). */
  readonly regex: boolean;
  /** `invert=1`: lines that do not match. */
  readonly invert: boolean;
}

/**
 * Tests lines of bytes. Lines are bytes as in the file, without their newline;
 * matching is on bytes, as `LC_ALL=C grep` does, so invalid UTF-8 matches too.
 */
export interface LineMatcher {
  readonly invert: boolean;
  /** How many bytes one scan step should take, so no synchronous stretch lasts more than a few ms. */
  readonly blockBytes: number;
  /** Whether a line contains a match (invert not applied). */
  matches(line: Buffer): boolean;
  /**
   * A quick pass over a block of lines: returns a function giving the next
   * position at or after `from` where a match may start (-1: none). Every hit
   * is confirmed on its own line with `matches`.
   */
  candidates(block: Buffer): (from: number) => number;
}

/** A grep request that cannot be run: its message is the one line a client gets. */
export class GrepError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'GrepError';
  }
}

export const MAX_GREP_BYTES = 1000;

export function compileGrep(spec: GrepSpec): LineMatcher {
  const bytes = Buffer.from(spec.text, 'utf8');
  if (bytes.length > MAX_GREP_BYTES) throw new GrepError(`grep must be at most ${MAX_GREP_BYTES} bytes`);
  if (bytes.includes(0x0a)) throw new GrepError('grep must not contain a newline');
  if (spec.regex) return new RegexMatcher(bytes, spec);
  return spec.caseSensitive ? new LiteralMatcher(bytes, spec.invert) : new FoldedLiteralMatcher(bytes, spec.invert);
}

// Plain strings go through Buffer.indexOf, which runs at memory speed: large steps are cheap.
const LITERAL_BLOCK_BYTES = 1024 * 1024;
// re2js scans at tens of MB/s: small steps keep each synchronous stretch to a few ms.
const REGEX_BLOCK_BYTES = 128 * 1024;

class LiteralMatcher implements LineMatcher {
  readonly blockBytes = LITERAL_BLOCK_BYTES;

  constructor(
    private readonly needle: Buffer,
    readonly invert: boolean,
  ) {}

  matches(line: Buffer): boolean {
    return line.indexOf(this.needle) >= 0;
  }

  candidates(block: Buffer): (from: number) => number {
    return (from) => block.indexOf(this.needle, from);
  }
}

/** ASCII-only case folding, as in the C locale: the block is lower-cased into a scratch buffer, then searched with indexOf. */
class FoldedLiteralMatcher implements LineMatcher {
  readonly blockBytes = LITERAL_BLOCK_BYTES;
  private readonly needle: Buffer;
  // Two scratches: a line is checked while the folded block is still being searched.
  private readonly blockScratch = new FoldBuffer();
  private readonly lineScratch = new FoldBuffer();

  constructor(
    needle: Buffer,
    readonly invert: boolean,
  ) {
    this.needle = Buffer.from(needle);
    foldAscii(this.needle);
  }

  matches(line: Buffer): boolean {
    return this.lineScratch.fold(line).indexOf(this.needle) >= 0;
  }

  candidates(block: Buffer): (from: number) => number {
    const folded = this.blockScratch.fold(block);
    return (from) => folded.indexOf(this.needle, from);
  }
}

/** A reusable, 4-byte-aligned buffer holding an ASCII-lower-cased copy of some bytes. */
class FoldBuffer {
  private buf = Buffer.alloc(0);

  fold(src: Buffer): Buffer {
    if (this.buf.length < src.length) this.buf = Buffer.allocUnsafeSlow(Math.max(src.length, 4096));
    const out = this.buf.subarray(0, src.length);
    src.copy(out);
    foldAscii(out);
    return out;
  }
}

/**
 * Lower-cases ASCII letters in place, four bytes at a time (SWAR): for each
 * byte below 0x80 in 'A'..'Z', bit 0x20 is set. Other bytes are left alone,
 * so the result equals the C locale's folding.
 */
export function foldAscii(buf: Buffer): void {
  const head = (4 - (buf.byteOffset % 4)) % 4;
  const lead = Math.min(head, buf.length);
  for (let i = 0; i < lead; i++) buf[i] = foldByte(buf[i] as number);
  const words = (buf.length - lead) >> 2;
  // No view when there are no whole words: its offset need not be aligned then.
  const w32 = words === 0 ? new Uint32Array(0) : new Uint32Array(buf.buffer, buf.byteOffset + lead, words);
  for (let i = 0; i < words; i++) {
    const w = w32[i] as number;
    const low7 = w & 0x7f7f7f7f;
    // Bit 7 of each byte: at least 'A' (0x41), and not past 'Z' (0x5a), and a 7-bit byte.
    const upper = (low7 + 0x3f3f3f3f) & ~(low7 + 0x25252525) & ~w & 0x80808080;
    w32[i] = w | (upper >>> 2);
  }
  for (let i = lead + words * 4; i < buf.length; i++) buf[i] = foldByte(buf[i] as number);
}

const foldByte = (b: number): number => (b >= 0x41 && b <= 0x5a ? b | 0x20 : b);

/**
 * RE2 (re2js: a pure JavaScript port, linear time, no native addon). Lines are
 * read as latin1 strings, one character per byte, and the expression's own
 * UTF-8 bytes likewise, so it matches bytes as `LC_ALL=C grep -E` does.
 */
class RegexMatcher implements LineMatcher {
  readonly blockBytes = REGEX_BLOCK_BYTES;
  readonly invert: boolean;
  private readonly re: RE2JS;

  constructor(bytes: Buffer, spec: GrepSpec) {
    this.invert = spec.invert;
    // MULTILINE: ^ and $ hold at each line's edges when a whole block is scanned at once.
    const flags = RE2JS.MULTILINE | (spec.caseSensitive ? 0 : RE2JS.CASE_INSENSITIVE);
    try {
      this.re = RE2JS.compile(bytes.toString('latin1'), flags);
    } catch (err) {
      if (err instanceof RE2JSException)
        throw new GrepError(
          `grep is not a regular expression this server can run in linear time: ${firstLine(err.message)}`,
        );
      throw err;
    }
  }

  matches(line: Buffer): boolean {
    return this.re.test(line.toString('latin1'));
  }

  candidates(block: Buffer): (from: number) => number {
    const m = this.re.matcher(block.toString('latin1'));
    return (from) => (from <= block.length && m.find(from) ? m.start() : -1);
  }
}

const firstLine = (s: string): string => (s.split('\n', 1)[0] ?? '').replace(/^error parsing regexp: /, '');
