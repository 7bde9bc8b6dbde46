import type { FeedEvent } from '../tail/feed.js';
import { END_NOTICES, SEARCH_PARTIAL_NOTICE, type EndReason, type Formatter } from './formatter.js';
import { LineDecoder, type DecodedLine } from './line-decoder.js';

/** Server-sent events: one event per line, its id the place after it, so Last-Event-ID resumes exactly. */
export class SseFormatter implements Formatter {
  readonly contentType = 'text/event-stream; charset=utf-8';
  linesOut = 0;
  private readonly lines: LineDecoder;

  constructor(maxLineBytes: number) {
    this.lines = new LineDecoder(maxLineBytes);
  }

  start(): string {
    return 'retry: 2000\n\n';
  }

  event(ev: FeedEvent): string {
    let out = this.render(this.lines.lines(ev));
    if (ev.type === 'truncated') out += named('truncated', 'file truncated; following it from its new start');
    if (ev.type === 'partial') out += named('partial', SEARCH_PARTIAL_NOTICE);
    if (ev.type === 'switched') out += named(ev.reason, `following the ${ev.reason === 'rotated' ? 'new' : 'created'} file from its start`);
    return out;
  }

  heartbeat(): string {
    return ': keep-alive\n\n';
  }

  private render(lines: DecodedLine[]): string {
    this.linesOut += lines.length;
    return lines.map((l) => `id: ${l.id}\n${data(l.text)}\n`).join('');
  }

  end(reason: Exclude<EndReason, 'gone'>): string {
    const rest = this.render(this.lines.flush());
    return reason === 'eof' ? `${rest}event: eof\ndata: end of backlog\n\n` : rest + named('end', END_NOTICES[reason]);
  }
}

// A CR inside a line would end an SSE field early: each CR-separated piece becomes its own data field.
const data = (text: string): string => `data: ${text.split('\r').join('\ndata: ')}\n`;

const named = (event: string, text: string): string => `event: ${event}\n${data(text)}\n`;
