// A bench worker process (forked by bench/targets.ts): it writes stamped lines, or reads
// streams (HTTP or a command's stdout) and checks every line: order, losses, duplicates,
// latency. Readers live outside the bench's own process so that thousands of sockets and
// the parsing of millions of lines do not share one event loop with the measuring.
import { spawn, type ChildProcess } from 'node:child_process';
import { closeSync, openSync, readdirSync, readlinkSync, writeSync } from 'node:fs';
import http from 'node:http';
import { clock, fillLines, formatLine, LINE_BYTES, SeqCheck, seqAt, stampAt } from './lib.js';

export type Source =
  | { readonly kind: 'http'; readonly url: string }
  | { readonly kind: 'command'; readonly cmd: string; readonly args: readonly string[]; readonly file: string };

export type Request =
  | { readonly op: 'ping' }
  | { readonly op: 'open'; readonly sources: readonly Source[]; readonly latency: boolean; readonly batch: number }
  | { readonly op: 'await'; readonly total: number; readonly timeoutMs: number }
  | { readonly op: 'awaitEnd'; readonly timeoutMs: number }
  | { readonly op: 'close' }
  | {
      readonly op: 'write';
      readonly files: readonly string[];
      readonly count: number;
      readonly rate: number | null;
      readonly chunkLines: number;
    };

export interface StreamResult {
  readonly received: number;
  readonly lost: number;
  readonly dup: number;
  readonly lastAt: number;
}

export type Reply =
  | { readonly op: 'pong'; readonly t: number }
  | { readonly op: 'opened'; readonly failed: number }
  | { readonly op: 'result'; readonly streams: readonly StreamResult[]; readonly latencies: Float64Array }
  | { readonly op: 'ended'; readonly clean: number; readonly unclean: number; readonly lastAt: number }
  | { readonly op: 'closed' }
  | { readonly op: 'written'; readonly startedAt: number; readonly endedAt: number }
  | { readonly op: 'error'; readonly message: string };

const send = (r: Reply): void => void process.send?.(r);

/** Receipt times minus write stamps, grown as needed. */
class Samples {
  private buf = new Float64Array(1 << 16);
  private n = 0;
  add(v: number): void {
    if (this.n === this.buf.length) {
      const bigger = new Float64Array(this.buf.length * 2);
      bigger.set(this.buf);
      this.buf = bigger;
    }
    this.buf[this.n++] = v;
  }
  take(): Float64Array {
    const out = this.buf.slice(0, this.n);
    this.n = 0;
    return out;
  }
}

const samples = new Samples();

/** One stream being read: splits it into lines, finds each bench line in whatever markup surrounds it. */
class Reader {
  readonly check = new SeqCheck();
  lastAt = 0;
  lastSeq = 0;
  ended = false;
  clean = false;
  endedAt = 0;
  /** Chunks whose lines were not where fixed-size lines in order would put them. */
  misplaced = 0;
  private carry: Buffer | null = null;
  private bytes = 0;
  private waiters: Array<() => boolean> = [];

  /** `exact`: the stream is the file's bytes as written (text, tail), so line k starts at byte k×LINE_BYTES. */
  constructor(
    private readonly latency: boolean,
    private readonly exact: boolean,
  ) {}

  push(chunk: Buffer): void {
    if (this.exact && !this.latency) {
      this.pushExact(chunk);
      return;
    }
    const now = clock();
    const buf = this.carry === null ? chunk : Buffer.concat([this.carry, chunk]);
    let start = 0;
    for (let nl = buf.indexOf(0x0a, start); nl >= 0; nl = buf.indexOf(0x0a, start)) {
      this.line(buf, start, nl, now);
      start = nl + 1;
    }
    this.carry = start < buf.length ? Buffer.from(buf.subarray(start)) : null;
    this.wake();
  }

  /**
   * The throughput path: a text stream of fixed-size lines is checked at the first and last
   * line starting in each chunk rather than line by line, so the reader costs next to nothing
   * per line; a lost or repeated line anywhere shifts every later line off its place.
   */
  private pushExact(chunk: Buffer): void {
    const start = this.bytes;
    this.bytes += chunk.length;
    const first = Math.ceil(start / LINE_BYTES) * LINE_BYTES;
    const last = Math.floor((this.bytes - 13) / LINE_BYTES) * LINE_BYTES;
    for (const at of first <= last ? [first, last] : []) {
      if (seqAt(chunk, at - start, chunk.length) !== at / LINE_BYTES + 1) this.misplaced++;
    }
    this.check.seeRun(Math.floor(start / LINE_BYTES) + 1, Math.floor(this.bytes / LINE_BYTES));
    this.lastSeq = Math.floor(this.bytes / LINE_BYTES);
    this.lastAt = clock();
    this.wake();
  }

  end(clean: boolean): void {
    if (this.ended) return;
    this.ended = true;
    this.clean = clean;
    this.endedAt = clock();
    this.wake();
  }

  /** Resolves once the line numbered `total` arrived or the stream ended. */
  until(total: number): Promise<void> {
    if (this.lastSeq >= total || this.ended) return Promise.resolve();
    return new Promise((resolve) =>
      this.waiters.push(() => {
        if (this.lastSeq < total && !this.ended) return false;
        resolve();
        return true;
      }),
    );
  }

  private wake(): void {
    this.waiters = this.waiters.filter((w) => !w());
  }

  private line(buf: Buffer, start: number, end: number, now: number): void {
    let at = start;
    let seq = seqAt(buf, at, end);
    while (seq < 0) {
      at = buf.indexOf(0x4c, at + 1);
      if (at < 0 || at >= end) return;
      seq = seqAt(buf, at, end);
    }
    this.check.see(seq);
    this.lastSeq = Math.max(this.lastSeq, seq);
    this.lastAt = now;
    if (this.latency) samples.add(now - stampAt(buf, at));
  }
}

let readers: Reader[] = [];
const requests: http.ClientRequest[] = [];
const children: ChildProcess[] = [];

function openHttp(url: string, reader: Reader): Promise<boolean> {
  return new Promise((resolve) => {
    const req = http.get(url, { agent: false }, (res) => {
      if (res.statusCode !== 200) {
        res.resume();
        reader.end(false);
        return resolve(false);
      }
      res.on('data', (c: Buffer) => reader.push(c));
      res.on('end', () => reader.end(true));
      res.on('close', () => reader.end(false));
      resolve(true);
    });
    req.on('error', () => {
      reader.end(false);
      resolve(false);
    });
    requests.push(req);
  });
}

/** A command has no "ready" signal: it is ready once it holds the file open and an inotify descriptor. */
async function openCommand(src: Extract<Source, { kind: 'command' }>, reader: Reader): Promise<boolean> {
  const child = spawn(src.cmd, [...src.args], { stdio: ['ignore', 'pipe', 'ignore'] });
  children.push(child);
  child.stdout.on('data', (c: Buffer) => reader.push(c));
  child.on('exit', () => reader.end(true));
  const until = Date.now() + 5000;
  while (Date.now() < until) {
    const links = child.pid === undefined ? [] : fdLinks(child.pid);
    if (links.includes(src.file) && links.includes('anon_inode:inotify')) return true;
    await new Promise((r) => setTimeout(r, 5));
  }
  return false;
}

function fdLinks(pid: number): string[] {
  try {
    return readdirSync(`/proc/${pid}/fd`).map((fd) => {
      try {
        return readlinkSync(`/proc/${pid}/fd/${fd}`);
      } catch {
        return '';
      }
    });
  } catch {
    return [];
  }
}

async function open(sources: readonly Source[], latency: boolean, batch: number): Promise<number> {
  let failed = 0;
  for (let i = 0; i < sources.length; i += batch) {
    const oks = await Promise.all(
      sources.slice(i, i + batch).map((src) => {
        const reader = new Reader(latency, src.kind === 'command' || !/[?&]format=(html|sse)/.test(src.url));
        readers.push(reader);
        return src.kind === 'http' ? openHttp(src.url, reader) : openCommand(src, reader);
      }),
    );
    failed += oks.filter((ok) => !ok).length;
  }
  return failed;
}

async function awaitLines(total: number, timeoutMs: number): Promise<Reply> {
  let timer: NodeJS.Timeout | undefined;
  await Promise.race([
    Promise.all(readers.map((r) => r.until(total))),
    new Promise((r) => (timer = setTimeout(r, timeoutMs))),
  ]);
  clearTimeout(timer);
  // A misplaced chunk means lines were lost or repeated there; without line-by-line parsing it counts as both.
  const streams = readers.map((r) => ({
    received: r.check.received,
    lost: r.check.missingOf(total) + r.misplaced,
    dup: r.check.dup + r.misplaced,
    lastAt: r.lastAt,
  }));
  return { op: 'result', streams, latencies: samples.take() };
}

async function awaitEnd(timeoutMs: number): Promise<Reply> {
  const until = Date.now() + timeoutMs;
  while (readers.some((r) => !r.ended) && Date.now() < until) await new Promise((r) => setTimeout(r, 5));
  return {
    op: 'ended',
    clean: readers.filter((r) => r.clean).length,
    unclean: readers.filter((r) => !r.clean).length,
    lastAt: Math.max(0, ...readers.map((r) => r.endedAt)),
  };
}

function closeAll(): void {
  for (const r of requests) r.destroy();
  for (const c of children) c.kill();
  requests.length = 0;
  children.length = 0;
  readers = [];
}

/** Appends `count` stamped lines to every file: `rate` lines a second each, or as fast as the disk takes them in chunks. */
async function write(files: readonly string[], count: number, rate: number | null, chunkLines: number): Promise<Reply> {
  const fds = files.map((f) => openSync(f, 'a'));
  const startedAt = clock();
  let written = 0;
  try {
    if (rate === null) {
      const buf = Buffer.alloc(chunkLines * LINE_BYTES);
      while (written < count) {
        const n = Math.min(chunkLines, count - written);
        const chunk = fillLines(buf, written + 1, n, clock());
        for (const fd of fds) writeSync(fd, chunk);
        written += n;
        // Lets the IPC channel breathe between chunks.
        await new Promise((r) => setImmediate(r));
      }
    } else {
      while (written < count) {
        const due = Math.min(count, Math.floor(((clock() - startedAt) * rate) / 1000) + 1);
        while (written < due) {
          written++;
          for (const fd of fds) writeSync(fd, formatLine(written, clock()));
        }
        if (written < count) await new Promise((r) => setTimeout(r, 1));
      }
    }
  } finally {
    for (const fd of fds) closeSync(fd);
  }
  return { op: 'written', startedAt, endedAt: clock() };
}

async function handle(req: Request): Promise<Reply> {
  switch (req.op) {
    case 'ping':
      return { op: 'pong', t: clock() };
    case 'open':
      return { op: 'opened', failed: await open(req.sources, req.latency, req.batch) };
    case 'await':
      return awaitLines(req.total, req.timeoutMs);
    case 'awaitEnd':
      return awaitEnd(req.timeoutMs);
    case 'close':
      closeAll();
      return { op: 'closed' };
    case 'write':
      return write(req.files, req.count, req.rate, req.chunkLines);
  }
}

process.on('message', (req: Request) => {
  handle(req).then(send, (err: unknown) =>
    send({ op: 'error', message: err instanceof Error ? err.message : String(err) }),
  );
});
process.on('disconnect', () => {
  closeAll();
  process.exit(0);
});
