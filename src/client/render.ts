import { ansiSegments, type Segment } from '../shared/ansi.js';
import type { Matcher } from './filter.js';
import { parseJsonLine } from './json-line.js';
import { plainLevel, type Level } from './levels.js';
import type { Entry } from './store.js';

// Every piece of a line reaches the page as a text node: file content is never parsed as markup.

type Range = readonly [number, number];

/** Appends `text` to `parent`, the parts inside `marks` (sorted, offsets into `text` + `offset`) wrapped in <mark>. */
function appendMarked(parent: Node, text: string, marks: readonly Range[], offset = 0): void {
  let at = 0;
  for (const [s0, e0] of marks) {
    const s = Math.max(s0 - offset, at);
    const e = Math.min(e0 - offset, text.length);
    if (e <= s) continue;
    if (s > at) parent.appendChild(document.createTextNode(text.slice(at, s)));
    const mark = document.createElement('mark');
    mark.textContent = text.slice(s, e);
    parent.appendChild(mark);
    at = e;
  }
  if (at < text.length) parent.appendChild(document.createTextNode(text.slice(at)));
}

function segmentElement(seg: Segment): HTMLElement {
  const span = document.createElement('span');
  if (seg.classes.length > 0) span.className = seg.classes.join(' ');
  if (seg.fg !== undefined) span.style.color = seg.fg;
  if (seg.bg !== undefined) span.style.backgroundColor = seg.bg;
  return span;
}

/** The line's visible text (escape codes gone, control characters made visible): what the filter reads. */
export const plainText = (text: string): string =>
  ansiSegments(text)
    .map((s) => s.text)
    .join('');

/** An ANSI-coloured line, its level word coloured, the filter's matches marked across segment edges. */
function renderPlain(el: HTMLElement, text: string, matcher: Matcher | null): Level | null {
  const segments = ansiSegments(text);
  const plain = segments.map((s) => s.text).join('');
  const word = plainLevel(plain);
  const marks = matcher?.ranges(plain) ?? [];
  let offset = 0;
  for (const seg of segments) {
    const plainSeg = seg.classes.length === 0 && seg.fg === undefined && seg.bg === undefined;
    const holder: HTMLElement = plainSeg ? el : segmentElement(seg);
    // The level word, where it falls in this segment, gets its own span with the level colour.
    const cut = word === null ? [] : [Math.max(word.start, offset), Math.min(word.end, offset + seg.text.length)];
    const [ws, we] = cut;
    if (word !== null && ws !== undefined && we !== undefined && ws < we) {
      appendMarked(holder, seg.text.slice(0, ws - offset), marks, offset);
      const lv = document.createElement('span');
      lv.className = `lv lvl-${word.level}`;
      appendMarked(lv, seg.text.slice(ws - offset, we - offset), marks, ws);
      holder.appendChild(lv);
      appendMarked(holder, seg.text.slice(we - offset), marks, we);
    } else {
      appendMarked(holder, seg.text, marks, offset);
    }
    if (holder !== el) el.appendChild(holder);
    offset += seg.text.length;
  }
  return word?.level ?? null;
}

function part(parent: HTMLElement, cls: string, text: string, matcher: Matcher | null): HTMLElement {
  const span = document.createElement('span');
  span.className = cls;
  appendMarked(span, text, matcher?.ranges(text) ?? []);
  parent.appendChild(span);
  return span;
}

/** A JSON record: time, level, message, then the other fields in order. False when the line is not JSON. */
function renderJson(el: HTMLElement, text: string, matcher: Matcher | null): { level: Level | null } | null {
  const rec = parseJsonLine(text);
  if (rec === null) return null;
  if (rec.time !== null) part(el, 't', rec.time, matcher);
  if (rec.levelText !== null) part(el, `lv${rec.level === null ? '' : ` lvl-${rec.level}`}`, rec.levelText, matcher);
  if (rec.msg !== null) part(el, 'm', rec.msg, matcher);
  for (const [k, v] of rec.fields) {
    const f = document.createElement('span');
    f.className = 'f';
    part(f, 'k', k, matcher);
    f.appendChild(document.createTextNode('='));
    part(f, 'v', v, matcher);
    el.appendChild(f);
  }
  return { level: rec.level };
}

/** A link with no text of its own (its arrow is CSS), so the line's text stays what the file holds. */
function gotoLink(href: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.className = 'goto';
  a.href = href;
  a.setAttribute('aria-label', 'show this line in the file');
  a.title = 'show this line in the file';
  return a;
}

/** (Re)fills a line's element from its entry: pretty JSON unless the reader asked for the raw line; `href` adds a link to its place in the file. */
export function fillLine(el: HTMLElement, entry: Entry, matcher: Matcher | null, href: string | null = null): void {
  el.replaceChildren();
  if (entry.kind === 'notice') {
    el.textContent = entry.text;
    return;
  }
  if (href !== null) el.appendChild(gotoLink(href));
  const json = entry.raw ? null : renderJson(el, entry.text, matcher);
  const level = json === null ? renderPlain(el, entry.text, matcher) : json.level;
  el.className = `l${json === null ? '' : ' json'}${level === null ? '' : ` lvl-${level}`}`;
  if (json === null && parseJsonLine(entry.text) !== null) el.classList.add('json-raw');
}

export function createLineElement(entry: Entry, matcher: Matcher | null, href: string | null = null): HTMLElement {
  const el = document.createElement('div');
  if (entry.kind === 'notice') {
    el.className = 'n';
    el.setAttribute('role', 'note');
  } else {
    el.dataset.id = entry.key;
  }
  fillLine(el, entry, matcher, href);
  return el;
}
