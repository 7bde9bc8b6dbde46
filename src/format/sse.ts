import type { FeedEvent } from '../tail/feed.js';
import { END_NOTICES, MISSING_NOTICE, SEARCH_PARTIAL_NOTICE, type EndReason, type Formatter } from './formatter.js';
import { LineDecoder, SharedRenderings, type DecodedLine } from './line-decoder.js';

/** Server-sent events: one event per line, its id the place after it, so Last-Event-ID resumes exactly. */
export class SseFormatter implements Formatter {
  readonly contentType = 'text/event-stream; charset=utf-8';
  private readonly lines: LineDecoder;

  constructor(maxLineBytes: number) {
    this.lines = new LineDecoder(maxLineBytes, RENDERINGS);
  }

  start(): string {
    return 'retry: 2000\n\n';
  }

  event(ev: FeedEvent): string | Buffer {
    if (ev.type === 'data') return this.lines.data(ev);
    if (ev.type === 'line') return this.lines.line(ev);
    let out = this.lines.flush();
    if (ev.type === 'truncated') out += named('truncated', 'file truncated; following it from its new start');
    if (ev.type === 'missing') out += named('missing', MISSING_NOTICE);
    if (ev.type === 'partial') out += named('partial', SEARCH_PARTIAL_NOTICE);
    if (ev.type === 'switched')
      out += named(ev.reason, `following the ${ev.reason === 'rotated' ? 'new' : 'created'} file from its start`);
    return out;
  }

  heartbeat(): string {
    return ': keep-alive\n\n';
  }

  get linesOut(): number {
    return this.lines.linesOut;
  }

  end(reason: Exclude<EndReason, 'gone'>): string {
    const rest = this.lines.flush();
    return reason === 'eof' ? `${rest}event: eof\ndata: end of backlog\n\n` : rest + named('end', END_NOTICES[reason]);
  }
}

// A CR inside a line would end an SSE field early: each CR-separated piece becomes its own data field.
const data = (text: string): string => `data: ${text.includes('\r') ? text.split('\r').join('\ndata: ') : text}\n`;

const named = (event: string, text: string): string => `event: ${event}\n${data(text)}\n`;

const renderLines = (lines: readonly DecodedLine[]): string =>
  lines.map((l) => `id: ${l.id}\n${data(l.text)}\n`).join('');

const RENDERINGS = new SharedRenderings(renderLines);
