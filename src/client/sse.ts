/** One server-sent event, as the text/event-stream format defines it. */
export interface SseEvent {
  /** 'message' when the event had no `event:` field. */
  readonly event: string;
  readonly data: string;
  /** The event's own `id:` field, or null when it had none. */
  readonly id: string | null;
}

/** An incremental text/event-stream parser: feed it decoded text in any pieces, get whole events. */
export class SseParser {
  private buf = '';
  private data: string[] = [];
  private event = '';
  private id: string | null = null;

  push(chunk: string): SseEvent[] {
    this.buf += chunk;
    const out: SseEvent[] = [];
    let start = 0;
    for (;;) {
      const m = /\r\n|\r|\n/g;
      m.lastIndex = start;
      const hit = m.exec(this.buf);
      // A CR at the very end may be the first half of a CRLF: wait for the next piece.
      if (hit === null || (hit[0] === '\r' && hit.index === this.buf.length - 1)) break;
      this.field(this.buf.slice(start, hit.index), out);
      start = hit.index + hit[0].length;
    }
    this.buf = this.buf.slice(start);
    return out;
  }

  private field(line: string, out: SseEvent[]): void {
    if (line === '') {
      if (this.data.length > 0) out.push({ event: this.event || 'message', data: this.data.join('\n'), id: this.id });
      this.data = [];
      this.event = '';
      this.id = null;
      return;
    }
    if (line.startsWith(':')) return; // a comment: the heartbeat
    const colon = line.indexOf(':');
    const name = colon < 0 ? line : line.slice(0, colon);
    let value = colon < 0 ? '' : line.slice(colon + 1);
    if (value.startsWith(' ')) value = value.slice(1);
    if (name === 'data') this.data.push(value);
    else if (name === 'event') this.event = value;
    else if (name === 'id' && !value.includes('\0')) this.id = value;
  }
}
