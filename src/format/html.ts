import { AnsiUp } from 'ansi_up';
import type { FeedEvent } from '../tail/feed.js';
import { BASE_STYLE, contentSecurityPolicy, html, type SafeHtml } from '../views/html.js';
import { END_NOTICES, SEARCH_PARTIAL_NOTICE, type EndReason, type Formatter } from './formatter.js';
import { LineDecoder, type DecodedLine } from './line-decoder.js';

// Keeps the newest line in view while the reader is at the bottom; scrolling up pauses that, scrolling back resumes it.
const FOLLOW_SCRIPT = `(()=>{const el=document.scrollingElement||document.documentElement;let stick=true;
addEventListener('scroll',()=>{stick=el.scrollTop+innerHeight>=el.scrollHeight-8},{passive:true});
new MutationObserver(()=>{if(stick)el.scrollTop=el.scrollHeight}).observe(document,{childList:true,characterData:true,subtree:true});})();`;

export const HTML_STREAM_CSP = contentSecurityPolicy([FOLLOW_SCRIPT]);

const STYLE = `${BASE_STYLE}
body{font:13px/1.4 ui-monospace,SFMono-Regular,Menlo,Consolas,monospace;padding:4px 8px}
.l{white-space:pre-wrap;overflow-wrap:anywhere;min-height:1.4em}
.l[aria-current]{background:rgba(255,200,0,.25)}
.n{color:var(--mute);font-style:italic;border-top:1px dashed var(--line);margin:4px 0}
.ansi-bold{font-weight:bold}.ansi-italic{font-style:italic}.ansi-underline{text-decoration:underline}
.ansi-black-fg{color:#3e424d}.ansi-red-fg{color:#e0443e}.ansi-green-fg{color:#3fa33f}.ansi-yellow-fg{color:#c69026}
.ansi-blue-fg{color:#3b7fe4}.ansi-magenta-fg{color:#b553c6}.ansi-cyan-fg{color:#2aa1b3}.ansi-white-fg{color:#c5c8c6}
.ansi-bright-black-fg{color:#7f8590}.ansi-bright-red-fg{color:#ff6b6b}.ansi-bright-green-fg{color:#6fd66f}
.ansi-bright-yellow-fg{color:#f4d35e}.ansi-bright-blue-fg{color:#74a7ff}.ansi-bright-magenta-fg{color:#e38cf0}
.ansi-bright-cyan-fg{color:#6fdcec}.ansi-bright-white-fg{color:#fff}
.ansi-red-bg{background:#e0443e}.ansi-green-bg{background:#3fa33f}.ansi-yellow-bg{background:#c69026}.ansi-blue-bg{background:#3b7fe4}
`;

/** At least this much comes before the first line, so every browser starts rendering at once. */
export const PRELUDE_PADDING_BYTES = 1024;

/**
 * One HTML document that never ends: a prelude, then each line as its own
 * element carrying its id in data-id. Every line goes through ansi_up, which
 * escapes it and turns ANSI colour codes into classes.
 */
export class HtmlFormatter implements Formatter {
  readonly contentType = 'text/html; charset=utf-8';
  linesOut = 0;
  private readonly lines: LineDecoder;
  private readonly ansi = new AnsiUp();

  constructor(
    private readonly title: string,
    maxLineBytes: number,
    /** The id of the line a permalink (`at=`) points to: its element carries aria-current. */
    private readonly current: string | null = null,
  ) {
    this.lines = new LineDecoder(maxLineBytes);
    this.ansi.use_classes = true;
    // Hyperlinks from escape codes in a log are not ours to offer.
    this.ansi.url_allowlist = {};
  }

  start(): string {
    const padding = `<!--${' '.repeat(PRELUDE_PADDING_BYTES)}-->`;
    return `${html`<!doctype html><html lang="en"><head><meta charset="utf-8"><meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark"><title>${this.title}</title>`}<style>${STYLE}</style><script>${FOLLOW_SCRIPT}</script></head><body>${padding}\n`;
  }

  event(ev: FeedEvent): string {
    let out = this.render(this.lines.lines(ev));
    if (ev.type === 'truncated') out += notice('file truncated; following it from its new start').value;
    if (ev.type === 'partial') out += notice(SEARCH_PARTIAL_NOTICE).value;
    if (ev.type === 'switched') {
      out += notice(ev.reason === 'rotated' ? 'file rotated; following the new file from its start' : 'file created; following it from its start').value;
    }
    return out;
  }

  heartbeat(): string {
    return '<!-- -->\n';
  }

  end(reason: Exclude<EndReason, 'gone'>): string {
    const rest = this.render(this.lines.flush());
    return reason === 'eof' ? rest : rest + notice(END_NOTICES[reason]).value;
  }

  private render(lines: DecodedLine[]): string {
    this.linesOut += lines.length;
    let out = '';
    for (const l of lines) out += `<div class="l" data-id="${l.id}"${l.id === this.current ? ' aria-current="true"' : ''}>${this.ansi.ansi_to_html(l.text)}</div>\n`;
    return out;
  }
}

const notice = (text: string): SafeHtml => html`<div class="n" role="status">${text}</div>\n`;
