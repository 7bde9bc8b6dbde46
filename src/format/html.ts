import { htmlEscape } from 'escape-goat';
import { ansiSegments, careOr, isPlain, type Segment } from '../shared/ansi.js';
import type { FeedEvent } from '../tail/feed.js';
import { ANSI_STYLE } from '../shared/ansi-style.js';
import { BASE_STYLE, contentSecurityPolicy, html, PAGE_HEAD, type SafeHtml } from '../views/html.js';
import { END_NOTICES, MISSING_NOTICE, SEARCH_PARTIAL_NOTICE, type EndReason, type Formatter } from './formatter.js';
import { LineDecoder, SharedRenderings, type DecodedLine } from './line-decoder.js';

// Keeps the newest line in view while the reader is at the bottom; scrolling up pauses that, scrolling back resumes it.
const FOLLOW_SCRIPT = `(()=>{const el=document.scrollingElement||document.documentElement;let stick=true;
addEventListener('scroll',()=>{stick=el.scrollTop+innerHeight>=el.scrollHeight-8},{passive:true});
new MutationObserver(()=>{if(stick)el.scrollTop=el.scrollHeight}).observe(document,{childList:true,characterData:true,subtree:true});})();`;

export const HTML_STREAM_CSP = contentSecurityPolicy([FOLLOW_SCRIPT]);

const STYLE = `${BASE_STYLE}
body{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:4px 8px}
[data-id]{white-space:pre-wrap;overflow-wrap:anywhere;min-height:1.4em}
[aria-current]{background:rgba(255,200,0,.25)}
.n{color:var(--mute);font-style:italic;border-top:1px dashed var(--line);margin:4px 0}
${ANSI_STYLE}
`;

/** At least this much comes before the first line, so every browser starts rendering at once. */
export const PRELUDE_PADDING_BYTES = 1024;

/**
 * One HTML document that never ends: a prelude, then each line as its own
 * element carrying its id in data-id. Each line is rendered on its own from
 * its ANSI segments: colour codes as classes, every other control made visible, all escaped.
 */
export class HtmlFormatter implements Formatter {
  readonly contentType = 'text/html; charset=utf-8';
  private readonly lines: LineDecoder;

  /** Renders a search's lines, marking the one a permalink points to. */
  private readonly renderMarked: (lines: readonly DecodedLine[]) => string;

  constructor(
    private readonly title: string,
    maxLineBytes: number,
    /** The id of the line a permalink (`at=`) points to: its element carries aria-current. */
    current: string | null = null,
  ) {
    this.lines = new LineDecoder(maxLineBytes, RENDERINGS);
    this.renderMarked = (lines) => renderLines(lines, current);
  }

  start(): string {
    const padding = `<!--${' '.repeat(PRELUDE_PADDING_BYTES)}-->`;
    return `${html`${PAGE_HEAD}<title>${this.title}</title>`}<style>${STYLE}</style><script>${FOLLOW_SCRIPT}</script></head><body>${padding}\n`;
  }

  event(ev: FeedEvent): string | Buffer {
    if (ev.type === 'data') return this.lines.data(ev);
    if (ev.type === 'line') return this.lines.line(ev, this.renderMarked);
    let out = this.lines.flush();
    if (ev.type === 'truncated') out += notice('file truncated; following it from its new start').value;
    if (ev.type === 'missing') out += notice(MISSING_NOTICE).value;
    if (ev.type === 'partial') out += notice(SEARCH_PARTIAL_NOTICE).value;
    if (ev.type === 'switched') {
      out += notice(
        ev.reason === 'rotated'
          ? 'file rotated; following the new file from its start'
          : 'file created; following it from its start',
      ).value;
    }
    return out;
  }

  heartbeat(): string {
    return '<!-- -->\n';
  }

  end(reason: Exclude<EndReason, 'gone'>): string {
    const rest = this.lines.flush();
    return reason === 'eof' ? rest : rest + notice(END_NOTICES[reason]).value;
  }

  get linesOut(): number {
    return this.lines.linesOut;
  }
}

function renderLines(lines: readonly DecodedLine[], current: string | null = null): string {
  let out = '';
  for (const l of lines)
    out += `<div data-id="${l.id}"${l.id === current ? ' aria-current="true"' : ''}>${lineMarkup(l.text)}</div>\n`;
  return out;
}

const RENDERINGS = new SharedRenderings((lines) => renderLines(lines));

// The common line has nothing to style, make visible or escape: one scan finds that, and it is its own markup.
const NEEDS_WORK = careOr('&<>"\'');

/** One line's text as escaped markup; a line with nothing to style or make visible is only escaped. */
const lineMarkup = (text: string): string =>
  !NEEDS_WORK.test(text) ? text : isPlain(text) ? escapeText(text) : ansiSegments(text).map(segmentMarkup).join('');

// Most lines hold none of the characters escape-goat replaces: one test spares its five replaces.
const TO_ESCAPE = /[&<>"']/;
const escapeText = (text: string): string => (TO_ESCAPE.test(text) ? htmlEscape(text) : text);

/** A span only where the segment has a style: plain text stays plain. */
function segmentMarkup(seg: Segment): string {
  const colours: string[] = [];
  if (seg.fg !== undefined) colours.push(`color:${seg.fg}`);
  if (seg.bg !== undefined) colours.push(`background-color:${seg.bg}`);
  if (seg.classes.length === 0 && colours.length === 0) return escapeText(seg.text);
  // Class names and rgb() colours come from ansi.ts's fixed vocabulary, never from the line: only the text needs escaping.
  const classAttr = seg.classes.length > 0 ? ` class="${seg.classes.join(' ')}"` : '';
  const styleAttr = colours.length > 0 ? ` style="${colours.join(';')}"` : '';
  return `<span${classAttr}${styleAttr}>${escapeText(seg.text)}</span>`;
}

const notice = (text: string): SafeHtml => html`<div class="n" role="status">${text}</div>\n`;
