/**
 * A log line → styled text segments. Pure (no Node, no DOM), so the server's
 * html formatter and the browser viewer render lines the same way: the server
 * escapes each segment into markup, the browser sets it as textContent.
 * Nothing is carried from one line to the next.
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

/** STUB, to be replaced by the real tokenizer: the whole line as one plain segment. */
export function ansiSegments(line: string): Segment[] {
  return line === '' ? [] : [{ text: line, classes: [] }];
}
