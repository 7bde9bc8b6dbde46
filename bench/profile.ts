// Summarises a V8 .cpuprofile (node --cpu-prof): where the server's time went, by function and by module.
import { readFileSync } from 'node:fs';
import path from 'node:path';

interface ProfileNode {
  readonly id: number;
  readonly callFrame: { readonly functionName: string; readonly url: string; readonly lineNumber: number };
  readonly hitCount?: number;
}

export interface Ranked {
  readonly name: string;
  readonly selfMs: number;
  readonly percent: number;
}

export interface ProfileSummary {
  /** Sampled milliseconds doing work (not idle), and the sampling window. */
  readonly busyMs: number;
  readonly totalMs: number;
  readonly topFrames: readonly Ranked[];
  readonly byModule: readonly Ranked[];
}

/** Where a frame's code lives: a package, node's internals, this project's dist/, or V8 itself. */
function moduleOf(url: string, functionName: string): string {
  if (url === '') return functionName.startsWith('(') ? functionName : '(native)';
  const pkg = /node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(url);
  if (pkg !== null) return pkg[1] ?? url;
  if (url.startsWith('node:')) return url.split('/').slice(0, 2).join('/');
  const dist = /\/(dist|src)\/(.*)$/.exec(url);
  return dist === null ? path.basename(url) : `comet-tail ${dist[2]}`;
}

export function summarise(file: string, top = 15): ProfileSummary {
  const profile = JSON.parse(readFileSync(file, 'utf8')) as {
    nodes: ProfileNode[];
    startTime: number;
    endTime: number;
    samples: number[];
  };
  const totalMs = (profile.endTime - profile.startTime) / 1000;
  const perSampleMs = totalMs / Math.max(1, profile.samples.length);
  const frames = new Map<string, number>();
  const modules = new Map<string, number>();
  let busy = 0;
  for (const n of profile.nodes) {
    const hits = n.hitCount ?? 0;
    if (hits === 0 || n.callFrame.functionName === '(idle)') continue;
    busy += hits;
    const { functionName, url, lineNumber } = n.callFrame;
    const frame =
      url === '' ? functionName : `${functionName || '(anonymous)'} ${moduleOf(url, functionName)}:${lineNumber + 1}`;
    frames.set(frame, (frames.get(frame) ?? 0) + hits);
    const mod = moduleOf(url, functionName);
    modules.set(mod, (modules.get(mod) ?? 0) + hits);
  }
  const rank = (m: Map<string, number>): Ranked[] =>
    [...m.entries()]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, hits]) => ({ name, selfMs: hits * perSampleMs, percent: (100 * hits) / Math.max(1, busy) }));
  return { busyMs: busy * perSampleMs, totalMs, topFrames: rank(frames), byModule: rank(modules) };
}

export function formatSummary(s: ProfileSummary): string {
  const lines = [
    `server CPU profile: ${s.busyMs.toFixed(0)} ms busy of ${s.totalMs.toFixed(0)} ms sampled`,
    '',
    '| self ms | % of busy | frame |',
    '|---|---|---|',
  ];
  for (const f of s.topFrames) lines.push(`| ${f.selfMs.toFixed(1)} | ${f.percent.toFixed(1)} | ${f.name} |`);
  lines.push('', '| self ms | % of busy | module |', '|---|---|---|');
  for (const m of s.byModule) lines.push(`| ${m.selfMs.toFixed(1)} | ${m.percent.toFixed(1)} | ${m.name} |`);
  return lines.join('\n');
}
