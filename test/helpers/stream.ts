import http from 'node:http';

export interface OpenStream {
  readonly status: number;
  readonly headers: http.IncomingHttpHeaders;
  /** Everything received so far. */
  readonly body: Buffer;
  text(): string;
  /** Resolves once `predicate` holds for the text received so far (checked on every chunk). */
  waitFor(predicate: (text: string) => boolean, what?: string, timeoutMs?: number): Promise<string>;
  /** Resolves when the response is over, completed or cut. */
  ended: Promise<void>;
  /** Whether the server completed the response (for chunked: its last, empty chunk arrived). */
  completed(): boolean;
  close(): void;
}

/**
 * A real HTTP client on its own socket that keeps every byte of a never-ending
 * response and lets a test await what it expects instead of sleeping.
 */
export function openStream(url: string, headers: Record<string, string> = {}): Promise<OpenStream> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      const waiters = new Set<() => void>();
      let done = false;
      const ended = new Promise<void>((r) => {
        res.once('end', () => {
          done = true;
          r();
          for (const w of waiters) w();
        });
        res.once('close', () => {
          done = true;
          r();
          for (const w of waiters) w();
        });
      });
      res.on('data', (c: Buffer) => {
        chunks.push(c);
        size += c.length;
        for (const w of waiters) w();
      });
      const body = (): Buffer => Buffer.concat(chunks, size);
      const stream: OpenStream = {
        status: res.statusCode ?? 0,
        headers: res.headers,
        get body() {
          return body();
        },
        text: () => body().toString('utf8'),
        waitFor(predicate, what = 'expected data', timeoutMs = 20_000) {
          return new Promise((ok, fail) => {
            const check = (): void => {
              const t = body().toString('utf8');
              if (predicate(t)) {
                finish();
                ok(t);
              } else if (done) {
                finish();
                fail(new Error(`stream ended before ${what}; got ${t.length} chars: ${JSON.stringify(t.slice(-300))}`));
              }
            };
            const timer = setTimeout(() => {
              finish();
              fail(
                new Error(`timed out waiting for ${what}; got ${JSON.stringify(body().toString('utf8').slice(-300))}`),
              );
            }, timeoutMs);
            const finish = (): void => {
              clearTimeout(timer);
              waiters.delete(check);
            };
            waiters.add(check);
            check();
          });
        },
        ended,
        completed: () => res.complete,
        close: () => req.destroy(),
      };
      resolve(stream);
    });
    req.once('error', reject);
  });
}

/** The numbered lines `prefix N` found in a text, in order. */
export function numbers(text: string, prefix = 'line '): number[] {
  const out: number[] = [];
  const re = new RegExp(`${prefix}(\\d+)`, 'g');
  for (const m of text.matchAll(re)) out.push(Number(m[1]));
  return out;
}
