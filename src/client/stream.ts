import { backoffMs } from './backoff.js';
import { SseParser, type SseEvent } from './sse.js';

/** Notices the server sends as named events; each is shown in the page at its place. */
export const NOTICE_EVENTS = ['truncated', 'rotated', 'created', 'missing', 'partial'] as const;
export type NoticeKind = (typeof NOTICE_EVENTS)[number];

export type StreamState =
  | { readonly kind: 'connecting' }
  | { readonly kind: 'connected' }
  | { readonly kind: 'reconnecting'; readonly attempt: number; readonly inMs: number; readonly why: string }
  /** The server said it is all (`event: eof`: a .gz file, a search): not retried. */
  | { readonly kind: 'complete' }
  /** Refused in a way a retry cannot mend: not retried. */
  | { readonly kind: 'ended'; readonly why: string };

export interface StreamHandlers {
  line(id: string, text: string): void;
  notice(kind: NoticeKind, text: string): void;
  state(state: StreamState): void;
}

/** How one request ended. */
export type RequestEnd =
  | { readonly kind: 'eof' }
  | { readonly kind: 'broken'; readonly why: string }
  | { readonly kind: 'refused'; readonly status: number; readonly why: string };

const RETRYABLE_STATUSES = new Set([404, 408, 429, 500, 502, 503, 504]);

/**
 * One sse request, read with fetch (not EventSource: we need the HTTP status, our own
 * backoff, `from=` in the URL and a stall timer). Resolves with how it ended; never throws.
 */
export async function readSse(
  url: string,
  signal: AbortSignal,
  stallMs: number,
  opened: () => void,
  onEvent: (ev: SseEvent) => void,
): Promise<RequestEnd> {
  let stalled = false;
  let timer: ReturnType<typeof setTimeout> | undefined;
  const ctrl = new AbortController();
  const abort = (): void => ctrl.abort();
  signal.addEventListener('abort', abort, { once: true });
  // No byte for this long (not even a heartbeat) means a dead connection: a laptop woke, a proxy dropped it silently.
  const arm = (): void => {
    clearTimeout(timer);
    timer = setTimeout(() => {
      stalled = true;
      ctrl.abort();
    }, stallMs);
  };
  try {
    arm();
    const res = await fetch(url, { headers: { Accept: 'text/event-stream' }, cache: 'no-store', signal: ctrl.signal });
    if (!res.ok || res.body === null) {
      const why = (await res.text().catch(() => '')).split('\n', 1)[0] || `HTTP ${res.status}`;
      return { kind: 'refused', status: res.status, why };
    }
    opened();
    const parser = new SseParser();
    const reader = res.body.pipeThrough(new TextDecoderStream()).getReader();
    let ended: RequestEnd = { kind: 'broken', why: 'the stream ended' };
    for (;;) {
      const { done, value } = await reader.read();
      if (done) return ended;
      arm();
      for (const ev of parser.push(value)) {
        if (ev.event === 'eof') ended = { kind: 'eof' };
        else if (ev.event === 'end') ended = { kind: 'broken', why: ev.data };
        else onEvent(ev);
      }
    }
  } catch (err) {
    return {
      kind: 'broken',
      why: stalled ? 'no data, not even a heartbeat' : err instanceof Error ? err.message : String(err),
    };
  } finally {
    clearTimeout(timer);
    signal.removeEventListener('abort', abort);
  }
}

export interface LiveStreamOptions {
  /** `<base>/tail/<encoded path>`. */
  readonly tailUrl: string;
  /** Backlog lines of the first request. */
  readonly lines: number;
  /** More `/tail` parameters (`grep`, `follow`, …), kept on every request. */
  readonly params?: Readonly<Record<string, string>>;
  readonly heartbeatMs: number;
  /** The id of the last line the page shows: where a reconnect resumes. */
  readonly lastId: () => string | null;
}

/** Follows a file's sse stream and, when it breaks, reconnects by itself after the last line shown. */
export class LiveStream {
  private stopped = false;
  private current: AbortController | null = null;
  private wake: (() => void) | null = null;

  constructor(
    private readonly opts: LiveStreamOptions,
    private readonly on: StreamHandlers,
  ) {}

  start(): void {
    void this.run();
  }

  /** Skips the wait before the next attempt (the network is back, the tab is visible again). */
  retryNow(): void {
    this.wake?.();
  }

  stop(): void {
    this.stopped = true;
    this.current?.abort();
    this.wake?.();
  }

  private url(): string {
    const p = new URLSearchParams({ format: 'sse', ...this.opts.params });
    const from = this.opts.lastId();
    if (from === null) p.set('lines', String(this.opts.lines));
    else p.set('from', from);
    return `${this.opts.tailUrl}?${p}`;
  }

  private async run(): Promise<void> {
    let attempt = 0;
    this.on.state({ kind: 'connecting' });
    while (!this.stopped) {
      this.current = new AbortController();
      const end = await readSse(
        this.url(),
        this.current.signal,
        this.opts.heartbeatMs * 2 + 5000,
        () => {
          attempt = 0;
          this.on.state({ kind: 'connected' });
        },
        (ev) => this.dispatch(ev),
      );
      if (this.stopped) return;
      if (end.kind === 'eof') {
        this.on.state({ kind: 'complete' });
        return;
      }
      if (end.kind === 'refused' && !RETRYABLE_STATUSES.has(end.status)) {
        this.on.state({ kind: 'ended', why: end.why });
        return;
      }
      attempt++;
      const inMs = backoffMs(attempt);
      this.on.state({ kind: 'reconnecting', attempt, inMs, why: end.why });
      await new Promise<void>((resolve) => {
        const t = setTimeout(resolve, inMs);
        this.wake = () => {
          clearTimeout(t);
          resolve();
        };
      });
      this.wake = null;
    }
  }

  private dispatch(ev: SseEvent): void {
    if (ev.event === 'message') {
      if (ev.id !== null) this.on.line(ev.id, ev.data);
      return;
    }
    const kind = NOTICE_EVENTS.find((k) => k === ev.event);
    if (kind !== undefined) this.on.notice(kind, ev.data);
  }
}
