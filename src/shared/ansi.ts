/**
 * A log line → styled text segments. Pure (no Node, no DOM), so the server's
 * html formatter and the browser viewer render lines the same way: the server
 * escapes each segment into markup, the browser sets it as textContent.
 * Nothing is carried from one line to the next.
 *
 * Colour codes (SGR, `ESC [ params m`) become classes and colours; everything
 * else that could hide, move or reorder text is shown as visible characters:
 * - ESC as ␛, the rest of its sequence as the ordinary text it is (so `ESC[2J`,
 *   OSC 8 hyperlinks with their URL and text, `ESC(B` stay readable, never links);
 * - the other C0 controls but TAB as their control pictures (U+2400 + code: ␀…␟), DEL as ␡;
 * - characters with no control picture, the C1 controls (U+0080–U+009F, an 8-bit
 *   CSI included) and the bidirectional embeddings, overrides and isolates
 *   (U+202A–U+202E, U+2066–U+2069, which reorder what a reader sees: "Trojan source"),
 *   as their code point in angle brackets: `⟨U+009B⟩`, `⟨U+202E⟩`.
 * One left-to-right pass, each character looked at at most twice, no regex
 * (isPlain, a character class built from the same rule, only tells when it can be skipped).
 */
export interface Segment {
  /** Text to show as text: control characters already made visible. */
  readonly text: string;
  /** CSS classes for the segment's SGR state, e.g. `ansi-red-fg`, `ansi-bold`. */
  readonly classes: readonly string[];
  /** A CSS colour for 256-colour and true-colour SGR codes, e.g. `rgb(1,2,3)`. */
  readonly fg?: string;
  readonly bg?: string;
}

/** A palette index 0–15 (shown through the named classes) or a CSS colour. */
type Colour = number | string;

/** The SGR state of the text being read; a fresh one for every line. */
interface Pen {
  fg: Colour | undefined;
  bg: Colour | undefined;
  bold: boolean;
  dim: boolean;
  italic: boolean;
  underline: boolean;
  strike: boolean;
  inverse: boolean;
}

const NAMES = ['black', 'red', 'green', 'yellow', 'blue', 'magenta', 'cyan', 'white'] as const;

/** Class stems of palette entries 0–15: `red`, `bright-red`, … */
const STEMS: readonly string[] = [...NAMES, ...NAMES.map((n) => `bright-${n}`)];

const ESC = 0x1b;
const LEFT_BRACKET = 0x5b;
const LOWER_M = 0x6d;

// SGR numbers above any meaningful one are clamped, so a thousand-digit param costs no big-number work and stays "unknown".
const PARAM_CAP = 100_000;

export function ansiSegments(line: string): Segment[] {
  const out = new SegmentList();
  const pen = freshPen();
  let text = '';
  let run = 0; // start of the current stretch of ordinary characters
  let i = 0;
  while (i < line.length) {
    const c = line.charCodeAt(i);
    if (!needsCare(c)) {
      i++;
      continue;
    }
    text += line.slice(run, i);
    const end = c === ESC ? sgrEnd(line, i) : -1;
    if (end >= 0) {
      out.add(text, pen);
      text = '';
      applySgr(pen, parseParams(line, i + 2, end));
      i = end + 1;
    } else {
      text += visible(c);
      i++;
    }
    run = i;
  }
  out.add(text + line.slice(run), pen);
  return out.segments();
}

/** Characters that are not shown as themselves: controls but TAB, DEL, C1, bidi embeddings, overrides and isolates. */
const needsCare = (c: number): boolean =>
  (c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);

/** Whether the line has no character that needs care: its segments are then the line itself, unstyled, so a renderer may skip them. */
export const isPlain = (line: string): boolean => !CARE.test(line);

/** A pattern that finds a character needing care or any of `others` (a renderer's own specials): one scan for both. */
export const careOr = (others: string): RegExp => new RegExp(`[${careRanges()}${others.replace(/[\\\]^-]/g, '\\$&')}]`);

// needsCare as a character class, built from it so the two cannot disagree: one native scan beats a call per character.
const CARE = careOr('');

function careRanges(): string {
  const hex = (c: number): string => `\\u${c.toString(16).padStart(4, '0')}`;
  let ranges = '';
  for (let c = 0; c <= 0xffff; c++) {
    if (!needsCare(c) || (c > 0 && needsCare(c - 1))) continue;
    let last = c;
    while (last < 0xffff && needsCare(last + 1)) last++;
    ranges += `${hex(c)}-${hex(last)}`;
  }
  return ranges;
}

function visible(c: number): string {
  if (c < 0x20) return String.fromCharCode(0x2400 + c);
  if (c === 0x7f) return '\u2421';
  return `⟨U+${c.toString(16).toUpperCase().padStart(4, '0')}⟩`;
}

/** For an ESC at `at`: the index of the `m` closing `ESC [ params m`, or -1 when it is anything else (or unfinished). */
function sgrEnd(line: string, at: number): number {
  if (line.charCodeAt(at + 1) !== LEFT_BRACKET) return -1;
  let j = at + 2;
  for (; j < line.length; j++) {
    const c = line.charCodeAt(j);
    if (!((c >= 0x30 && c <= 0x39) || c === 0x3b || c === 0x3a)) break; // digits, ';' and ':'
  }
  return line.charCodeAt(j) === LOWER_M ? j : -1;
}

/**
 * One SGR's params, flat (no array per param, so a 64 KiB param list stays cheap):
 * `values` in order, `starts[g]` the index in `values` where the g-th `;`-separated param begins;
 * `:` separates sub-params inside one. `1;38:5:208;;4` → values [1, 38, 5, 208, 0, 4], starts [0, 1, 4, 5].
 */
interface Params {
  readonly values: number[];
  readonly starts: number[];
}

/** Parses the params between `from` and the `m` at `to`; an empty one is 0. */
function parseParams(line: string, from: number, to: number): Params {
  const values: number[] = [];
  const starts: number[] = [0];
  let value = 0;
  for (let j = from; j <= to; j++) {
    const c = j < to ? line.charCodeAt(j) : 0x3b;
    if (c === 0x3b || c === 0x3a) {
      values.push(value);
      value = 0;
      if (c === 0x3b && j < to) starts.push(values.length);
    } else {
      value = Math.min(value * 10 + (c - 0x30), PARAM_CAP);
    }
  }
  return { values, starts };
}

function applySgr(pen: Pen, { values, starts }: Params): void {
  for (let g = 0; g < starts.length; g++) {
    const from = starts[g] ?? 0;
    const to = starts[g + 1] ?? values.length;
    const code = values[from] ?? 0;
    if (to - from > 1) {
      applyColonParam(pen, code, values.slice(from + 1, to));
    } else if (code === 38 || code === 48 || code === 58) {
      // Semicolon form: 38;5;n or 38;2;r;g;b takes the params after it, whether or not they make a colour.
      const mode = g + 1 < starts.length ? firstValue(values, starts, g + 1) : undefined;
      const taken = Math.min(mode === 5 ? 2 : mode === 2 ? 4 : mode === undefined ? 0 : 1, starts.length - 1 - g);
      const args: number[] = [];
      for (let k = 1; k <= taken; k++) args.push(firstValue(values, starts, g + k));
      g += taken;
      setExtended(pen, code, args);
    } else {
      applyCode(pen, code);
    }
  }
}

/** The value of the g-th param (its first sub-param). */
const firstValue = (values: readonly number[], starts: readonly number[], g: number): number =>
  values[starts[g] ?? 0] ?? 0;

/** A param with sub-params: `38:5:n`, `38:2:r:g:b`, `38:2:space:r:g:b`, `4:style`; others are ignored. */
function applyColonParam(pen: Pen, code: number, args: number[]): void {
  if (code === 38 || code === 48 || code === 58) {
    // ITU T.416 puts a colour-space id before r:g:b.
    if (args[0] === 2 && args.length === 5) args.splice(1, 1);
    setExtended(pen, code, args);
  } else if (code === 4) {
    pen.underline = args[0] !== 0;
  }
}

/** 38/48 with [5, n] or [2, r, g, b]; 58 (underline colour) is read and ignored; anything malformed changes nothing. */
function setExtended(pen: Pen, code: number, args: readonly number[]): void {
  let colour: Colour | undefined;
  if (args[0] === 5 && args.length === 2) colour = PALETTE[args[1] ?? 0];
  if (args[0] === 2 && args.length === 4 && args.every((v) => v <= 255))
    colour = `rgb(${args[1]},${args[2]},${args[3]})`;
  if (colour === undefined) return;
  if (code === 38) pen.fg = colour;
  if (code === 48) pen.bg = colour;
}

/** xterm's 256 colours: 0–15 the named ones, 16–231 a 6×6×6 cube, 232–255 a grey ramp. */
const PALETTE: readonly Colour[] = Array.from({ length: 256 }, (_, n) => {
  if (n < 16) return n;
  const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
  if (n < 232)
    return `rgb(${level(Math.floor((n - 16) / 36))},${level(Math.floor((n - 16) / 6) % 6)},${level((n - 16) % 6)})`;
  const grey = 8 + (n - 232) * 10;
  return `rgb(${grey},${grey},${grey})`;
});

// Codes not handled here (blink, conceal, fonts, overline, …) are ignored; conceal in particular must never hide text.
function applyCode(pen: Pen, code: number): void {
  if (code >= 30 && code <= 37) pen.fg = code - 30;
  else if (code >= 90 && code <= 97) pen.fg = code - 90 + 8;
  else if (code >= 40 && code <= 47) pen.bg = code - 40;
  else if (code >= 100 && code <= 107) pen.bg = code - 100 + 8;
  else if (code === 0) Object.assign(pen, freshPen());
  else if (code === 1) pen.bold = true;
  else if (code === 2) pen.dim = true;
  else if (code === 3) pen.italic = true;
  else if (code === 4) pen.underline = true;
  else if (code === 7) pen.inverse = true;
  else if (code === 9) pen.strike = true;
  else if (code === 21) pen.bold = false;
  else if (code === 22) pen.bold = pen.dim = false;
  else if (code === 23) pen.italic = false;
  else if (code === 24) pen.underline = false;
  else if (code === 27) pen.inverse = false;
  else if (code === 29) pen.strike = false;
  else if (code === 39) pen.fg = undefined;
  else if (code === 49) pen.bg = undefined;
}

const freshPen = (): Pen => ({
  fg: undefined,
  bg: undefined,
  bold: false,
  dim: false,
  italic: false,
  underline: false,
  strike: false,
  inverse: false,
});

/** What a segment looks like, from the pen its text was written with. */
interface Style {
  readonly classes: readonly string[];
  readonly fg: string | undefined;
  readonly bg: string | undefined;
}

/** The segments of one line; text written with the same pen as the segment before it joins that segment. */
class SegmentList {
  private readonly texts: string[] = [];
  private readonly styles: Style[] = [];
  private lastPen: Pen | undefined;

  add(text: string, pen: Pen): void {
    if (text === '') return;
    if (this.lastPen !== undefined && samePen(this.lastPen, pen)) {
      this.texts[this.texts.length - 1] += text;
      return;
    }
    this.lastPen = { ...pen };
    this.texts.push(text);
    this.styles.push(styleOf(pen));
  }

  segments(): Segment[] {
    return this.texts.map((text, i) => {
      const style = this.styles[i];
      const seg: { text: string; classes: readonly string[]; fg?: string; bg?: string } = {
        text,
        classes: style?.classes ?? [],
      };
      if (style?.fg !== undefined) seg.fg = style.fg;
      if (style?.bg !== undefined) seg.bg = style.bg;
      return seg;
    });
  }
}

const samePen = (a: Pen, b: Pen): boolean =>
  a.fg === b.fg &&
  a.bg === b.bg &&
  a.bold === b.bold &&
  a.dim === b.dim &&
  a.italic === b.italic &&
  a.underline === b.underline &&
  a.strike === b.strike &&
  a.inverse === b.inverse;

function styleOf(pen: Pen): Style {
  // Inverse swaps the colours; a default one left in place comes from the ansi-inverse class.
  const bg = pen.inverse ? pen.fg : pen.bg;
  const chosen = pen.inverse ? pen.bg : pen.fg;
  // Text in its own background colour would be invisible: it keeps the colour the background class gives text.
  const fg = chosen === bg ? undefined : chosen;
  const classes: string[] = [];
  if (typeof fg === 'number') classes.push(`ansi-${STEMS[fg]}-fg`);
  if (typeof bg === 'number') classes.push(`ansi-${STEMS[bg]}-bg`);
  if (pen.bold) classes.push('ansi-bold');
  if (pen.dim) classes.push('ansi-dim');
  if (pen.italic) classes.push('ansi-italic');
  if (pen.underline) classes.push('ansi-underline');
  if (pen.strike) classes.push('ansi-strike');
  if (pen.inverse) classes.push('ansi-inverse');
  return { classes, fg: typeof fg === 'string' ? fg : undefined, bg: typeof bg === 'string' ? bg : undefined };
}
