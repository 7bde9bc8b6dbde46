// The performance bench of issue 16: comet-tail (built) against the floor (bench/floor.ts) and GNU
// tail, in one run, each figure over repetitions with its ratio to the floor and its target.
// Run by `npm run bench` (bench/run.ts); `BENCH_SMOKE=1` runs it tiny, once (the test does).
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readdirSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import { cpus, tmpdir, totalmem } from 'node:os';
import path from 'node:path';
import { progress, spread, type Spread } from './lib.js';
import { formatSummary, summarise, type ProfileSummary } from './profile.js';
import * as sc from './scenarios.js';
import { Agents, type Measured, type Sizes } from './scenarios.js';
import { ensureBuilt, startComet, startFloor, type Target } from './targets.js';

const FULL: Sizes = {
  reps: 3,
  latencySeconds: 3,
  fanStreams: 100,
  throughputLines1: 3_000_000,
  throughputLinesFan: 100_000,
  heldStreams: 10_000,
  idleFiles: 100,
  idleSeconds: 10,
  backlogFileBytes: 1024 ** 3,
  backlogLines: 1000,
  sigtermStreams: 1000,
  formatStreams: 100,
  formatLines: 150_000,
};

const SMOKE: Sizes = {
  reps: 1,
  latencySeconds: 0.2,
  fanStreams: 5,
  throughputLines1: 20_000,
  throughputLinesFan: 2_000,
  heldStreams: 50,
  idleFiles: 5,
  idleSeconds: 0.3,
  backlogFileBytes: 16 * 1024 ** 2,
  backlogLines: 100,
  sigtermStreams: 20,
  formatStreams: 2,
  formatLines: 2_000,
};

type Check = (comet: number, floor: number) => boolean;

interface RowSpec {
  readonly figure: string;
  readonly unit: string;
  readonly floorName: string;
  readonly target: string;
  readonly met: Check;
}

export interface Row extends RowSpec {
  readonly comet: Spread & { readonly values: number[] };
  readonly floor: (Spread & { readonly values: number[] }) | null;
  readonly tailF: (Spread & { readonly values: number[] }) | null;
  readonly ratio: number | null;
  readonly lost: number;
  readonly dup: number;
  /** Judged on the medians of each side. */
  readonly targetMet: boolean | null;
  /**
   * Judged in each repetition on its own, comet-tail against the baseline measured just before or after it:
   * how many of the repetitions met the target. A drift of the machine's speed between repetitions moves both
   * sides of one repetition alike, where it can set one side's median against the other's.
   */
  readonly metInRepetitions: { readonly met: number; readonly of: number } | null;
}

const latencyTarget: Check = (c, f) => c <= 1.25 * f || c <= f + 0.25;
const ROWS = {
  lat1p50: {
    figure: 'latency write→receipt p50, 1 text stream at 1,000 lines/s',
    unit: 'ms',
    floorName: 'floor',
    target: '≤ 1.25× or +0.25 ms',
    met: latencyTarget,
  },
  lat1p99: { figure: 'same, p99', unit: 'ms', floorName: 'floor', target: '≤ 1.25× or +0.25 ms', met: latencyTarget },
  latFanP50: {
    figure: 'p50, 100 streams at 1,000 lines/s',
    unit: 'ms',
    floorName: 'floor',
    target: '≤ 1.25× or +0.25 ms',
    met: latencyTarget,
  },
  latFanP99: {
    figure: 'p99, 100 streams at 1,000 lines/s',
    unit: 'ms',
    floorName: 'floor',
    target: '≤ 1.25× or +0.25 ms',
    met: latencyTarget,
  },
  thr1: {
    figure: 'throughput, 1 stream, writer at full speed',
    unit: 'M lines/s',
    floorName: 'floor',
    target: '≥ 0.9×',
    met: (c, f) => c >= 0.9 * f,
  },
  thrFan: {
    figure: 'throughput, 100 streams (lines delivered)',
    unit: 'M lines/s',
    floorName: 'floor',
    target: '≥ 0.9×',
    met: (c, f) => c >= 0.9 * f,
  },
  rss: {
    figure: 'RSS per idle stream, 10,000 streams held',
    unit: 'KB',
    floorName: 'floor',
    target: '≤ 16 KB',
    met: (c) => c <= 16,
  },
  idle: {
    figure: 'CPU in 10 s idle, 100 files followed',
    unit: 's',
    floorName: 'floor',
    target: '≤ max(0.1 s, 3× floor)',
    met: (c, f) => c <= Math.max(0.1, 3 * f),
  },
  backlog: {
    figure: 'last 1,000 lines of a 1 GiB sparse file (follow=0)',
    unit: 'ms',
    floorName: 'tail -n 1000',
    target: '≤ 1×',
    met: (c, f) => c <= f,
  },
  sigterm: {
    figure: 'SIGTERM → exit, 1,000 busy streams (lost = unclean ends)',
    unit: 'ms',
    floorName: 'floor',
    target: '< 1000 ms',
    met: (c) => c < 1000,
  },
  text: {
    figure: 'server CPU per delivered line, text, 100 streams of one file at full speed',
    unit: 'µs',
    floorName: '',
    target: '',
    met: () => true,
  },
  html: {
    figure: 'server CPU per delivered line, html',
    unit: 'µs',
    floorName: 'text',
    target: '≤ 1.5× text',
    met: (c, f) => c <= 1.5 * f,
  },
  sse: {
    figure: 'server CPU per delivered line, sse',
    unit: 'µs',
    floorName: 'text',
    target: '≤ 1.5× text',
    met: (c, f) => c <= 1.5 * f,
  },
} as const satisfies Record<string, RowSpec>;

type Key = keyof typeof ROWS;

/** Values of each figure, per repetition, for each side. */
class Tally {
  private readonly data = new Map<
    Key,
    { comet: number[]; floor: number[]; tailF: number[]; lost: number; dup: number }
  >();

  add(key: Key, side: 'comet' | 'floor' | 'tailF', m: Measured, scale = 1): void {
    const d = this.data.get(key) ?? { comet: [], floor: [], tailF: [], lost: 0, dup: 0 };
    this.data.set(key, d);
    d[side].push(m.value * scale);
    d.lost += m.lost;
    d.dup += m.dup;
  }

  rows(): Row[] {
    const withValues = (v: number[]): (Spread & { values: number[] }) | null =>
      v.length === 0 ? null : { ...spread(v), values: v };
    return (Object.keys(ROWS) as Key[]).flatMap((key): Row[] => {
      const d = this.data.get(key);
      if (d === undefined) return [];
      const spec = ROWS[key];
      // The html and sse rows are measured against text's row.
      const floorValues = spec.floorName === 'text' ? (this.data.get('text')?.comet ?? []) : d.floor;
      const comet = { ...spread(d.comet), values: d.comet };
      const floor = withValues(floorValues);
      return [
        {
          ...spec,
          comet,
          floor,
          tailF: withValues(d.tailF),
          ratio: floor === null || floor.median === 0 ? null : comet.median / floor.median,
          lost: d.lost,
          dup: d.dup,
          targetMet:
            spec.target === ''
              ? null
              : d.lost === 0 && d.dup === 0 && spec.met(comet.median, floor?.median ?? Number.NaN),
          metInRepetitions: spec.target === '' ? null : metPerRepetition(spec.met, d.comet, floorValues),
        },
      ];
    });
  }
}

/** How many repetitions met the target, each comet-tail value against the baseline's of the same repetition. */
function metPerRepetition(
  met: Check,
  comet: readonly number[],
  baseline: readonly number[],
): { met: number; of: number } {
  const of = baseline.length === 0 ? comet.length : Math.min(comet.length, baseline.length);
  let n = 0;
  for (let i = 0; i < of; i++) if (met(comet[i] ?? Number.NaN, baseline[i] ?? Number.NaN)) n++;
  return { met: n, of };
}

const num = (v: number): string =>
  Math.abs(v) >= 100 ? v.toFixed(0) : Math.abs(v) >= 10 ? v.toFixed(1) : Math.abs(v) >= 1 ? v.toFixed(2) : v.toFixed(3);
const cell = (s: Spread | null): string => (s === null ? '' : `${num(s.median)} (${num(s.min)}–${num(s.max)})`);

export function table(rows: readonly Row[]): string {
  const out = [
    '| figure | unit | baseline | baseline: median (min–max) | comet-tail: median (min–max) | ratio | GNU tail -F | lost | dup | target | met | met per repetition |',
    '|---|---|---|---|---|---|---|---|---|---|---|---|',
  ];
  for (const r of rows) {
    const met = r.targetMet === null ? '' : r.targetMet ? 'yes' : '**no**';
    out.push(
      `| ${r.figure} | ${r.unit} | ${r.floorName} | ${cell(r.floor)} | ${cell(r.comet)} | ${r.ratio === null ? '' : `×${num(r.ratio)}`} | ${cell(r.tailF)} | ${r.lost} | ${r.dup} | ${r.target} | ${met} | ${r.metInRepetitions === null ? '' : `${r.metInRepetitions.met} of ${r.metInRepetitions.of}`} |`,
    );
  }
  return out.join('\n');
}

export interface PerfReport {
  readonly when: string;
  readonly machine: string;
  readonly sizes: Sizes;
  /** Largest clock offset measured between the bench and an agent, in ms. */
  readonly clockOffsetMs: number;
  readonly rows: Row[];
  readonly profile: ProfileSummary | null;
}

export interface PerfOptions {
  readonly smoke: boolean;
  /** Where the JSON goes. */
  readonly out: string;
  /** Run the server from src/ through tsx (no build), as the smoke test does. */
  readonly fromSource: boolean;
}

/** Runs `body` against each of `targets` in turn. */
async function each<T>(targets: readonly T[], body: (t: T) => Promise<void>): Promise<void> {
  for (const t of targets) await body(t);
}

export async function runPerf(opts: PerfOptions): Promise<PerfReport> {
  const sizes = opts.smoke ? SMOKE : FULL;
  if (!opts.fromSource) ensureBuilt();
  const dir = realpathSync(mkdtempSync(path.join(tmpdir(), 'comet-tail-perf-')));
  const agents = await Agents.start(4);
  const comet = await startComet(dir, { fromSource: opts.fromSource });
  const floor = await startFloor(dir);
  const tally = new Tally();
  const side = (t: sc.Follower): 'comet' | 'floor' | 'tailF' =>
    t === 'tail -F' ? 'tailF' : t.name === 'floor' ? 'floor' : 'comet';
  let profile: ProfileSummary | null = null;
  try {
    const backlogFile = await sc.makeBacklogFile(dir, sizes.backlogFileBytes, sizes.backlogLines);
    for (let rep = 1; rep <= sizes.reps; rep++) {
      progress(`repetition ${rep} of ${sizes.reps}`);
      await each<sc.Follower>([floor, comet, 'tail -F'], async (who) => {
        const l = await sc.latency(agents, dir, who, 1, sizes.latencySeconds);
        tally.add('lat1p50', side(who), l.p50);
        tally.add('lat1p99', side(who), l.p99);
        progress(
          `latency, 1 stream, ${side(who)}: p50 ${l.p50.value.toFixed(3)} ms, p99 ${l.p99.value.toFixed(3)} ms (${l.samples} lines)`,
        );
      });
      await each([floor, comet], async (who) => {
        const l = await sc.latency(agents, dir, who, sizes.fanStreams, sizes.latencySeconds);
        tally.add('latFanP50', side(who), l.p50);
        tally.add('latFanP99', side(who), l.p99);
        progress(
          `latency, ${sizes.fanStreams} streams, ${side(who)}: p50 ${l.p50.value.toFixed(3)} ms, p99 ${l.p99.value.toFixed(3)} ms`,
        );
      });
      await each<sc.Follower>([floor, comet, 'tail -F'], async (who) => {
        const t = await sc.throughput(agents, dir, who, 1, sizes.throughputLines1);
        tally.add('thr1', side(who), t, 1e-6);
        progress(`throughput, 1 stream, ${side(who)}: ${(t.value / 1e6).toFixed(2)} M lines/s`);
      });
      await each([floor, comet], async (who) => {
        const t = await sc.throughput(agents, dir, who, sizes.fanStreams, sizes.throughputLinesFan);
        tally.add('thrFan', side(who), t, 1e-6);
        progress(`throughput, ${sizes.fanStreams} streams, ${side(who)}: ${(t.value / 1e6).toFixed(2)} M lines/s`);
      });
      const [ic, ifl] = await sc.idleCpu(agents, dir, [comet, floor], sizes.idleFiles, sizes.idleSeconds);
      if (ic !== undefined && ifl !== undefined) {
        tally.add('idle', 'comet', ic);
        tally.add('idle', 'floor', ifl);
        progress(
          `idle CPU, ${sizes.idleFiles} files, ${sizes.idleSeconds} s: comet ${ic.value.toFixed(2)} s, floor ${ifl.value.toFixed(2)} s`,
        );
      }
      const bc = await sc.medianOf(9, () =>
        sc.backlogComet(comet, backlogFile.file, sizes.backlogLines, backlogFile.total),
      );
      const bt = await sc.medianOf(9, () => sc.backlogTail(backlogFile.abs, sizes.backlogLines, backlogFile.total));
      tally.add('backlog', 'comet', bc);
      tally.add('backlog', 'floor', bt);
      progress(`backlog: comet ${bc.value.toFixed(1)} ms, tail -n ${bt.value.toFixed(1)} ms`);
      // Each format twice, in the order text html sse sse html text, and the pair averaged: a drift of the
      // machine's load during the run then weighs on the three alike instead of deciding the ratios.
      const costs = new Map<sc.FormatName, Measured[]>();
      for (const format of [...sc.FORMATS, ...[...sc.FORMATS].reverse()]) {
        const f = await sc.formatCost(agents, dir, comet, format, sizes.formatStreams, sizes.formatLines);
        costs.set(format, [...(costs.get(format) ?? []), f]);
        progress(`CPU per delivered line, ${format}: ${f.value.toFixed(3)} µs`);
      }
      for (const [format, pair] of costs) tally.add(format, 'comet', sc.meanOf(pair));
      // Memory and shutdown each get fresh servers: a server that has run the scenarios above carries their garbage.
      const fresh = [
        (): Promise<Target> => startComet(dir, { fromSource: opts.fromSource }),
        (): Promise<Target> => startFloor(dir),
      ];
      await each(fresh, async (start) => {
        const t = await start();
        try {
          const m = await sc.rssPerStream(agents, dir, t, sizes.heldStreams);
          tally.add('rss', side(t), m);
          progress(`RSS per idle stream, ${t.name}: ${m.value.toFixed(1)} KB`);
        } finally {
          await t.stop();
        }
        const s = await start();
        const m = await sc.sigterm(agents, dir, s, sizes.sigtermStreams);
        tally.add('sigterm', side(s), m);
        progress(
          `SIGTERM with ${sizes.sigtermStreams} busy streams, ${s.name}: ${m.value.toFixed(0)} ms, ${m.lost} unclean`,
        );
      });
    }
    if (!opts.smoke) profile = await profileLatency(agents, dir, sizes, opts.fromSource);
  } finally {
    await Promise.all([comet.stop(), floor.stop()]);
    await agents.stop();
    rmSync(dir, { recursive: true, force: true });
  }
  const report: PerfReport = {
    when: new Date().toISOString(),
    machine: `${cpus().length} × ${cpus()[0]?.model ?? 'cpu'}, ${(totalmem() / 1024 ** 3).toFixed(0)} GiB, ${process.platform} ${execFileSync('uname', ['-r']).toString().trim()}, node ${process.version}`,
    sizes,
    clockOffsetMs: Math.max(...[agents.writer, ...agents.readers].map((a) => Math.abs(a.offset))),
    rows: tally.rows(),
    profile,
  };
  writeFileSync(opts.out, `${JSON.stringify(report, null, 2)}\n`);
  return report;
}

/** A CPU profile of the server during the latency scenarios (1 stream, then the fan-out). */
async function profileLatency(
  agents: Agents,
  dir: string,
  sizes: Sizes,
  fromSource: boolean,
): Promise<ProfileSummary | null> {
  const profDir = mkdtempSync(path.join(tmpdir(), 'comet-tail-prof-'));
  const comet = await startComet(dir, { fromSource, cpuProfDir: profDir });
  try {
    progress('profiling the server during the latency scenarios');
    await sc.latency(agents, dir, comet, 1, sizes.latencySeconds);
    await sc.latency(agents, dir, comet, sizes.fanStreams, sizes.latencySeconds);
  } finally {
    await comet.stop();
  }
  const file = readdirSync(profDir).find((f) => f.endsWith('.cpuprofile'));
  const summary = file === undefined ? null : summarise(path.join(profDir, file));
  rmSync(profDir, { recursive: true, force: true });
  return summary;
}

export function printReport(r: PerfReport): void {
  console.log(
    `\ncomet-tail performance (${r.when}; ${r.machine}; ${r.sizes.reps} repetitions; clock offset between processes ≤ ${(r.clockOffsetMs * 1000).toFixed(0)} µs)\n`,
  );
  console.log(table(r.rows));
  if (r.profile !== null) console.log(`\n${formatSummary(r.profile)}`);
}

const DEFAULT_OUT = path.resolve(import.meta.dirname, 'results.json');

/** `npm run bench` calls this; BENCH_SMOKE=1 makes it tiny, BENCH_OUT moves the JSON. */
export async function runPerfFromEnv(): Promise<PerfReport> {
  const smoke = process.env.BENCH_SMOKE === '1';
  const report = await runPerf({
    smoke,
    out: process.env.BENCH_OUT ?? DEFAULT_OUT,
    fromSource: process.env.BENCH_FROM_SOURCE === '1',
  });
  printReport(report);
  return report;
}

if (import.meta.url === `file://${process.argv[1]}`) await runPerfFromEnv();
