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
 * One left-to-right pass, each character looked at at most twice, no regex.
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
  return out.segments;
}

/** Characters that are not shown as themselves: controls but TAB, DEL, C1, bidi embeddings, overrides and isolates. */
const needsCare = (c: number): boolean =>
  (c < 0x20 && c !== 0x09) || (c >= 0x7f && c <= 0x9f) || (c >= 0x202a && c <= 0x202e) || (c >= 0x2066 && c <= 0x2069);

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

/** `1;38:5:208;;4` → [[1], [38, 5, 208], [0], [4]]: `;` separates params, `:` sub-params; an empty one is 0. */
function parseParams(line: string, from: number, to: number): number[][] {
  const groups: number[][] = [];
  let group: number[] = [];
  let value = 0;
  for (let j = from; j <= to; j++) {
    const c = j < to ? line.charCodeAt(j) : 0x3b;
    if (c === 0x3b || c === 0x3a) {
      group.push(value);
      value = 0;
      if (c === 0x3b) {
        groups.push(group);
        group = [];
      }
    } else {
      value = Math.min(value * 10 + (c - 0x30), PARAM_CAP);
    }
  }
  return groups;
}

function applySgr(pen: Pen, groups: readonly number[][]): void {
  for (let k = 0; k < groups.length; k++) {
    const group = groups[k] ?? [];
    const code = group[0] ?? 0;
    if (group.length > 1) {
      applyColonGroup(pen, code, group);
    } else if (code === 38 || code === 48 || code === 58) {
      // Semicolon form: 38;5;n or 38;2;r;g;b takes the params after it, whether or not they make a colour.
      const mode = groups[k + 1]?.[0];
      const taken = mode === 5 ? 2 : mode === 2 ? 4 : mode === undefined ? 0 : 1;
      const args = groups.slice(k + 1, k + 1 + taken).map((g) => g[0] ?? 0);
      k += taken;
      setExtended(pen, code, args);
    } else {
      applyCode(pen, code);
    }
  }
}

/** A param with sub-params: `38:5:n`, `38:2:r:g:b`, `38:2:space:r:g:b`, `4:style`; others are ignored. */
function applyColonGroup(pen: Pen, code: number, group: readonly number[]): void {
  if (code === 38 || code === 48 || code === 58) {
    const args = group.slice(1);
    // ITU T.416 puts a colour-space id before r:g:b.
    if (args[0] === 2 && args.length === 5) args.splice(1, 1);
    setExtended(pen, code, args);
  } else if (code === 4) {
    pen.underline = group[1] !== 0;
  }
}

/** 38/48 with [5, n] or [2, r, g, b]; 58 (underline colour) is read and ignored; anything malformed changes nothing. */
function setExtended(pen: Pen, code: number, args: readonly number[]): void {
  let colour: Colour | undefined;
  if (args[0] === 5 && args.length === 2) colour = palette(args[1] ?? 0);
  if (args[0] === 2 && args.length === 4 && args.every((v) => v <= 255)) colour = `rgb(${args[1]},${args[2]},${args[3]})`;
  if (colour === undefined) return;
  if (code === 38) pen.fg = colour;
  if (code === 48) pen.bg = colour;
}

/** xterm's 256 colours: 0–15 the named ones, 16–231 a 6×6×6 cube, 232–255 a grey ramp. */
function palette(n: number): Colour | undefined {
  if (n < 16) return n;
  if (n < 232) {
    const level = (v: number): number => (v === 0 ? 0 : 55 + v * 40);
    const i = n - 16;
    return `rgb(${level(Math.floor(i / 36))},${level(Math.floor(i / 6) % 6)},${level(i % 6)})`;
  }
  if (n < 256) {
    const grey = 8 + (n - 232) * 10;
    return `rgb(${grey},${grey},${grey})`;
  }
  return undefined;
}

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

const freshPen = (): Pen => ({ fg: undefined, bg: undefined, bold: false, dim: false, italic: false, underline: false, strike: false, inverse: false });

/** The segments of one line; text in the same style as the segment before it joins that segment. */
class SegmentList {
  readonly segments: Segment[] = [];
  private lastKey = '';

  add(text: string, pen: Pen): void {
    if (text === '') return;
    const seg = styled(text, pen);
    const key = `${seg.classes.join(' ')}|${seg.fg ?? ''}|${seg.bg ?? ''}`;
    const last = this.segments.length - 1;
    const prev = this.segments[last];
    if (prev !== undefined && key === this.lastKey) this.segments[last] = { ...prev, text: prev.text + text };
    else this.segments.push(seg);
    this.lastKey = key;
  }
}

function styled(text: string, pen: Pen): Segment {
  // Inverse swaps the colours; a default one left in place comes from the ansi-inverse class.
  const fg = pen.inverse ? pen.bg : pen.fg;
  const bg = pen.inverse ? pen.fg : pen.bg;
  const classes: string[] = [];
  if (typeof fg === 'number') classes.push(`ansi-${STEMS[fg]}-fg`);
  if (typeof bg === 'number') classes.push(`ansi-${STEMS[bg]}-bg`);
  if (pen.bold) classes.push('ansi-bold');
  if (pen.dim) classes.push('ansi-dim');
  if (pen.italic) classes.push('ansi-italic');
  if (pen.underline) classes.push('ansi-underline');
  if (pen.strike) classes.push('ansi-strike');
  if (pen.inverse) classes.push('ansi-inverse');
  return {
    text,
    classes,
    ...(typeof fg === 'string' ? { fg } : {}),
    ...(typeof bg === 'string' ? { bg } : {}),
  };
}
