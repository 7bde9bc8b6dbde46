// The bench's scenarios: each runs one repetition against one target and returns its figures.
import { spawn } from 'node:child_process';
import { open, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import type { Reply, Source, StreamResult } from './agent.js';
import { clock, cpuSeconds, formatLine, percentile, rssBytes, SeqCheck, seqAt, within } from './lib.js';
import { Agent, type Target } from './targets.js';

/** How big each scenario is; the smoke run in npm test uses tiny ones. */
export interface Sizes {
  readonly reps: number;
  readonly latencySeconds: number;
  readonly fanStreams: number;
  readonly throughputLines1: number;
  readonly throughputLinesFan: number;
  readonly heldStreams: number;
  readonly idleFiles: number;
  readonly idleSeconds: number;
  readonly backlogFileBytes: number;
  readonly backlogLines: number;
  readonly sigtermStreams: number;
  readonly formatStreams: number;
  readonly formatLines: number;
}

export interface Measured {
  readonly value: number;
  readonly lost: number;
  readonly dup: number;
}

/** A pool of worker agents, started once and reused by every scenario. */
export class Agents {
  private constructor(
    readonly writer: Agent,
    readonly readers: readonly Agent[],
  ) {}

  static async start(readers: number): Promise<Agents> {
    return new Agents(await Agent.start(), await Promise.all(Array.from({ length: readers }, () => Agent.start())));
  }

  async stop(): Promise<void> {
    await Promise.all([this.writer, ...this.readers].map((a) => a.stop()));
  }

  /** Spreads `sources` over the first `n` reader agents and opens them; throws if any failed. */
  open(sources: readonly Source[], n: number, latency: boolean): Promise<Agent[]> {
    return this.openOn(this.readers.slice(0, Math.max(1, Math.min(n, sources.length))), sources, latency);
  }

  async openOn(used: readonly Agent[], sources: readonly Source[], latency: boolean): Promise<Agent[]> {
    const replies = await Promise.all(
      used.map((a, i) =>
        a.request({ op: 'open', sources: sources.filter((_, j) => j % used.length === i), latency, batch: 200 }),
      ),
    );
    const failed = replies.reduce((sum, r) => sum + (r.op === 'opened' ? r.failed : 0), 0);
    if (failed > 0) {
      await close(used);
      throw new Error(`${failed} of ${sources.length} streams could not be opened`);
    }
    return [...used];
  }
}

const close = (agents: readonly Agent[]): Promise<Reply[]> =>
  Promise.all(agents.map((a) => a.request({ op: 'close' })));

interface Collected {
  readonly streams: StreamResult[];
  /** Write→receipt latencies in ms, corrected for each reader's clock offset to the writer's. */
  readonly latencies: Float64Array;
}

async function collect(readers: readonly Agent[], writer: Agent, total: number, timeoutMs: number): Promise<Collected> {
  const replies = await Promise.all(
    readers.map((a) => a.request({ op: 'await', total, timeoutMs }).then((r) => ({ a, r }))),
  );
  const streams: StreamResult[] = [];
  const parts: Float64Array[] = [];
  for (const { a, r } of replies) {
    if (r.op !== 'result') continue;
    // lastAt in the bench's clock.
    streams.push(...r.streams.map((s) => ({ ...s, lastAt: s.lastAt - a.offset })));
    const shift = writer.offset - a.offset;
    parts.push(r.latencies.map((v) => v + shift));
  }
  const latencies = new Float64Array(parts.reduce((n, p) => n + p.length, 0));
  let at = 0;
  for (const p of parts) {
    latencies.set(p, at);
    at += p.length;
  }
  return { streams, latencies: latencies.sort() };
}

const losses = (streams: readonly StreamResult[]): { lost: number; dup: number } => ({
  lost: streams.reduce((n, s) => n + s.lost, 0),
  dup: streams.reduce((n, s) => n + s.dup, 0),
});

export type Follower = Target | 'tail -F';

function sourcesFor(who: Follower, file: string, abs: string, n: number, query?: string): Source[] {
  return Array.from(
    { length: n },
    (): Source =>
      who === 'tail -F'
        ? { kind: 'command', cmd: 'tail', args: ['-F', '-n', '0', abs], file: abs }
        : { kind: 'http', url: who.url(file, query) },
  );
}

let fileCount = 0;
async function freshFile(dir: string, label: string): Promise<{ file: string; abs: string }> {
  const file = `${label}-${++fileCount}.log`;
  const abs = path.join(dir, file);
  await writeFile(abs, '');
  return { file, abs };
}

const readerAgentsFor = (streams: number): number => (streams >= 50 ? 2 : 1);

/** Latency write→receipt, `streams` readers of one file written at 1,000 lines/s: p50 and p99. */
export async function latency(
  agents: Agents,
  dir: string,
  who: Follower,
  streams: number,
  seconds: number,
): Promise<{ p50: Measured; p99: Measured; samples: number }> {
  const { file, abs } = await freshFile(dir, 'latency');
  const readers = await agents.open(sourcesFor(who, file, abs, streams), readerAgentsFor(streams), true);
  const total = Math.round(seconds * 1000);
  try {
    const [, got] = await Promise.all([
      agents.writer.request({ op: 'write', files: [abs], count: total, rate: 1000, chunkLines: 1 }),
      collect(readers, agents.writer, total, seconds * 1000 + 15_000),
    ]);
    const { lost, dup } = losses(got.streams);
    return {
      p50: { value: percentile(got.latencies, 50), lost, dup },
      p99: { value: percentile(got.latencies, 99), lost, dup },
      samples: got.latencies.length,
    };
  } finally {
    await close(readers);
  }
}

/** Lines delivered per second to `streams` readers of one file while the writer appends as fast as it can. */
export async function throughput(
  agents: Agents,
  dir: string,
  who: Follower,
  streams: number,
  lines: number,
): Promise<Measured> {
  const { file, abs } = await freshFile(dir, 'throughput');
  const readers = await agents.open(sourcesFor(who, file, abs, streams), readerAgentsFor(streams), false);
  try {
    const [written, got] = await Promise.all([
      agents.writer.request({ op: 'write', files: [abs], count: lines, rate: null, chunkLines: 10_000 }),
      collect(readers, agents.writer, lines, 120_000),
    ]);
    if (written.op !== 'written') throw new Error('writer failed');
    const start = written.startedAt - agents.writer.offset;
    const end = Math.max(...got.streams.map((s) => s.lastAt));
    const delivered = got.streams.reduce((n, s) => n + s.received, 0);
    return { value: delivered / ((end - start) / 1000), ...losses(got.streams) };
  } finally {
    await close(readers);
  }
}

/** Resident memory per idle stream: RSS growth from one stream to `held`, divided by the streams added, in KB. */
export async function rssPerStream(agents: Agents, dir: string, target: Target, held: number): Promise<Measured> {
  const { file } = await freshFile(dir, 'idle');
  await writeFile(path.join(dir, file), 'x\n');
  const first = await agents.open([{ kind: 'http', url: target.url(file) }], 1, false);
  const rest: Source[] = Array.from({ length: held - 1 }, () => ({ kind: 'http', url: target.url(file) }));
  try {
    await delay(300);
    const before = rssBytes(target.pid);
    const readers = await agents.open(rest, agents.readers.length, false);
    await delay(1000);
    const after = rssBytes(target.pid);
    await close(readers);
    return { value: (after - before) / (held - 1) / 1000, lost: 0, dup: 0 };
  } finally {
    await close(first);
  }
}

/** CPU seconds each target spends in `seconds` with `files` files followed and nothing written. Both targets are measured over the same window. */
export async function idleCpu(
  agents: Agents,
  dir: string,
  targets: readonly Target[],
  files: number,
  seconds: number,
): Promise<Measured[]> {
  const opened: Agent[][] = [];
  try {
    for (const [i, t] of targets.entries()) {
      const names = await Promise.all(Array.from({ length: files }, () => freshFile(dir, `idle-cpu-${t.name}`)));
      const agent = agents.readers.slice(i % agents.readers.length).slice(0, 1);
      opened.push(
        await agents.openOn(
          agent,
          names.map(({ file }): Source => ({ kind: 'http', url: t.url(file) })),
          false,
        ),
      );
    }
    await delay(1000);
    const before = targets.map((t) => cpuSeconds(t.pid));
    await delay(seconds * 1000);
    return targets.map((t, i) => ({ value: cpuSeconds(t.pid) - (before[i] ?? 0), lost: 0, dup: 0 }));
  } finally {
    for (const a of opened) await close(a);
  }
}

/** A sparse file of `bytes` ending in `lines` bench lines (and some before them): the backlog must be read from its end. */
export async function makeBacklogFile(
  dir: string,
  bytes: number,
  lines: number,
): Promise<{ abs: string; file: string; total: number }> {
  const file = 'backlog.log';
  const abs = path.join(dir, file);
  const total = lines * 10;
  const fh = await open(abs, 'w');
  await fh.truncate(bytes);
  await fh.close();
  const body = Array.from({ length: total }, (_, i) => formatLine(i + 1, 0)).join('');
  const handle = await open(abs, 'a');
  await handle.write(body);
  await handle.close();
  return { abs, file, total };
}

/** Runs a short measure `n` times and keeps the median, so one scheduling hiccup of a few ms does not decide it; losses add up. */
export async function medianOf(n: number, measure: () => Promise<Measured>): Promise<Measured> {
  const runs: Measured[] = [];
  for (let i = 0; i < n; i++) runs.push(await measure());
  const values = runs.map((r) => r.value).sort((a, b) => a - b);
  return {
    value: percentile(values, 50),
    lost: runs.reduce((s, r) => s + r.lost, 0),
    dup: runs.reduce((s, r) => s + r.dup, 0),
  };
}

/** Checks the last `lines` lines of `total` arrived, once each and in order. */
function checkTail(out: Buffer, lines: number, total: number): { lost: number; dup: number } {
  const check = new SeqCheck();
  for (let s = 0, nl = out.indexOf(0x0a); nl >= 0; s = nl + 1, nl = out.indexOf(0x0a, s)) {
    const seq = seqAt(out, s, nl);
    if (seq > 0) check.see(seq - (total - lines));
  }
  return { lost: check.missingOf(lines), dup: check.dup };
}

/** The last `lines` lines over HTTP (follow=0), timed to the end of the response. */
export function backlogComet(target: Target, file: string, lines: number, total: number): Promise<Measured> {
  return within(
    30_000,
    'backlog',
    new Promise((resolve, reject) => {
      const start = clock();
      const chunks: Buffer[] = [];
      http
        .get(`${target.url(file)}`.replace('lines=0', `lines=${lines}&follow=0`), { agent: false }, (res) => {
          res.on('data', (c: Buffer) => chunks.push(c));
          res.on('end', () => resolve({ value: clock() - start, ...checkTail(Buffer.concat(chunks), lines, total) }));
        })
        .on('error', reject);
    }),
  );
}

/** `tail -n lines`, timed from spawn to exit. */
export function backlogTail(abs: string, lines: number, total: number): Promise<Measured> {
  return within(
    30_000,
    'tail -n',
    new Promise((resolve) => {
      const start = clock();
      const chunks: Buffer[] = [];
      const child = spawn('tail', ['-n', String(lines), abs], { stdio: ['ignore', 'pipe', 'ignore'] });
      child.stdout.on('data', (c: Buffer) => chunks.push(c));
      child.on('close', () => resolve({ value: clock() - start, ...checkTail(Buffer.concat(chunks), lines, total) }));
    }),
  );
}

/** Time from SIGTERM to exit with `streams` streams over 10 files receiving 1,000 lines/s each; unclean ends count as lost. */
export async function sigterm(agents: Agents, dir: string, target: Target, streams: number): Promise<Measured> {
  const files = await Promise.all(Array.from({ length: 10 }, () => freshFile(dir, 'sigterm')));
  const sources: Source[] = Array.from({ length: streams }, (_, i) => ({
    kind: 'http',
    url: target.url(files[i % files.length]?.file ?? ''),
  }));
  const readers = await agents.open(sources, agents.readers.length, false);
  try {
    const writing = agents.writer.request({
      op: 'write',
      files: files.map((f) => f.abs),
      count: 2000,
      rate: 1000,
      chunkLines: 1,
    });
    await delay(1000);
    const start = clock();
    const code = await within(10_000, 'exit after SIGTERM', target.stop());
    const took = clock() - start;
    const ends = await Promise.all(readers.map((a) => a.request({ op: 'awaitEnd', timeoutMs: 5000 })));
    await writing;
    const unclean = ends.reduce((n, r) => n + (r.op === 'ended' ? r.unclean : 0), 0);
    return { value: code === 0 ? took : Number.POSITIVE_INFINITY, lost: unclean, dup: 0 };
  } finally {
    await close(readers);
  }
}

export const FORMATS = ['text', 'html', 'sse'] as const;
export type FormatName = (typeof FORMATS)[number];

/** The mean of a few measures of one figure; losses add up. */
export function meanOf(runs: readonly Measured[]): Measured {
  return {
    value: runs.reduce((s, r) => s + r.value, 0) / runs.length,
    lost: runs.reduce((s, r) => s + r.lost, 0),
    dup: runs.reduce((s, r) => s + r.dup, 0),
  };
}

/** Server CPU per delivered line, in µs, for `streams` readers of one format while the writer appends at full speed. */
export async function formatCost(
  agents: Agents,
  dir: string,
  target: Target,
  format: FormatName,
  streams: number,
  lines: number,
): Promise<Measured> {
  const { file, abs } = await freshFile(dir, `format-${format}`);
  const readers = await agents.open(
    Array.from({ length: streams }, () => ({ kind: 'http', url: target.url(file, `format=${format}`) })),
    readerAgentsFor(streams * 10),
    false,
  );
  try {
    await delay(200);
    const before = cpuSeconds(target.pid);
    const [, got] = await Promise.all([
      agents.writer.request({ op: 'write', files: [abs], count: lines, rate: null, chunkLines: 1000 }),
      collect(readers, agents.writer, lines, 120_000),
    ]);
    const cpu = cpuSeconds(target.pid) - before;
    const delivered = got.streams.reduce((n, s) => n + s.received, 0);
    return { value: (cpu * 1e6) / delivered, ...losses(got.streams) };
  } finally {
    await close(readers);
  }
}
