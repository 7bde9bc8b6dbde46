// Shared pieces of the performance bench: the clock, the line format, statistics and /proc readers.
import { readdirSync, readFileSync } from 'node:fs';

/**
 * The clock every bench process stamps and reads lines with: wall-clock milliseconds with
 * microsecond resolution. `performance.timeOrigin` is the wall time (CLOCK_REALTIME) at which
 * this process started, and `performance.now()` the monotonic time since then, so two
 * processes on one machine agree to a few microseconds (the bench measures the offset with a
 * ping and reports it). `Date.now()` is too coarse (1 ms) for 0.1 ms latencies, and
 * `process.hrtime` has no defined meaning outside the process that read it.
 */
export const clock = (): number => performance.timeOrigin + performance.now();

/** Every bench line: `L<9-digit seq> T<timestamp, 3 decimals> xxx…\n`, padded to a fixed size. */
export const LINE_BYTES = 100;
const SEQ_DIGITS = 9;
const STAMP_CHARS = 17;

export function formatLine(seq: number, stamp: number, bytes = LINE_BYTES): string {
  const head = `L${String(seq).padStart(SEQ_DIGITS, '0')} T${stamp.toFixed(3).padStart(STAMP_CHARS, '0')} `;
  return `${head + 'x'.repeat(Math.max(0, bytes - head.length - 1))}\n`;
}

/** Writes `count` lines numbered from `first` into `buf` (reused between calls), all stamped `stamp`: the writer at full speed. */
export function fillLines(buf: Buffer, first: number, count: number, stamp: number): Buffer {
  const stampText = stamp.toFixed(3).padStart(STAMP_CHARS, '0');
  for (let i = 0; i < count; i++) {
    const at = i * LINE_BYTES;
    if (buf[at] !== 0x4c) buf.write(formatLine(0, 0), at, 'latin1');
    let seq = first + i;
    for (let d = at + SEQ_DIGITS; d > at; d--) {
      buf[d] = 0x30 + (seq % 10);
      seq = Math.floor(seq / 10);
    }
    buf.write(stampText, at + SEQ_DIGITS + 3, 'latin1');
  }
  return buf.subarray(0, count * LINE_BYTES);
}

/** Parses a bench line's sequence number at `at` (the `L`), or -1 if none is there. */
export function seqAt(buf: Buffer, at: number, end: number): number {
  if (at + 1 + SEQ_DIGITS + 2 > end || buf[at] !== 0x4c) return -1;
  let n = 0;
  for (let i = at + 1; i <= at + SEQ_DIGITS; i++) {
    const d = (buf[i] ?? 0) - 0x30;
    if (d < 0 || d > 9) return -1;
    n = n * 10 + d;
  }
  return buf[at + SEQ_DIGITS + 1] === 0x20 && buf[at + SEQ_DIGITS + 2] === 0x54 ? n : -1;
}

/** The writer's timestamp of the line whose `L` is at `at`. */
export function stampAt(buf: Buffer, at: number): number {
  const from = at + SEQ_DIGITS + 3;
  return Number(buf.toString('latin1', from, from + STAMP_CHARS));
}

/** Counts each sequence number seen once: gaps are lost lines, repeats duplicates. */
export class SeqCheck {
  received = 0;
  lost = 0;
  dup = 0;
  private next = 1;

  see(seq: number): void {
    this.received++;
    if (seq === this.next) this.next++;
    else if (seq < this.next) this.dup++;
    else {
      this.lost += seq - this.next;
      this.next = seq + 1;
    }
  }

  /** A run of lines known to be in order (checked at its ends by the caller). */
  seeRun(first: number, last: number): void {
    if (last < first) return;
    this.see(first);
    this.received += last - first;
    this.next = last + 1;
  }

  /** Lines never seen after the last one received. */
  missingOf(total: number): number {
    return this.lost + Math.max(0, total - (this.next - 1));
  }
}

export function percentile(sorted: ArrayLike<number>, p: number): number {
  if (sorted.length === 0) return Number.NaN;
  return sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ?? Number.NaN;
}

export interface Spread {
  readonly min: number;
  readonly median: number;
  readonly max: number;
}

export function spread(values: readonly number[]): Spread {
  const s = [...values].sort((a, b) => a - b);
  return { min: s[0] ?? Number.NaN, median: percentile(s, 50), max: s[s.length - 1] ?? Number.NaN };
}

/**
 * CPU time a process has used, in seconds: the sum over its threads (the main
 * one and libuv's pool) of the scheduler's nanosecond count, because
 * /proc/<pid>/stat counts in 10 ms ticks, too coarse for a tenth of a second idle.
 */
export function cpuSeconds(pid: number): number {
  let ns = 0;
  for (const task of readdirSync(`/proc/${pid}/task`)) {
    try {
      ns += Number(readFileSync(`/proc/${pid}/task/${task}/schedstat`, 'utf8').split(' ')[0]);
    } catch {
      // the thread ended while listing
    }
  }
  return ns / 1e9;
}

/** Resident set size of a process, in bytes. */
export function rssBytes(pid: number): number {
  const m = /VmRSS:\s+(\d+) kB/.exec(readFileSync(`/proc/${pid}/status`, 'utf8'));
  return Number(m?.[1] ?? 0) * 1024;
}

export const progress = (msg: string): void => void process.stderr.write(`bench: ${msg}\n`);

/** Rejects after `ms` with `what` in the message, so no scenario can hang the bench. */
export function within<T>(ms: number, what: string, p: Promise<T>): Promise<T> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<never>((_, reject) => {
    timer = setTimeout(() => reject(new Error(`${what}: no result within ${ms} ms`)), ms);
  });
  return Promise.race([p, timeout]).finally(() => clearTimeout(timer));
}
