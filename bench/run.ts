// npm run bench: speed and memory of comet-tail, each as a ratio against a baseline measured in the same run:
// issue 16's figures (bench/perf.ts), then whole-file search against GNU grep.
import { execFileSync, spawn } from 'node:child_process';
import { mkdtemp, open, rm } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { listeningPort, spawnMain } from '../test/helpers/process.js';
import { rssBytes } from '../test/helpers/proc.js';
import { runPerfFromEnv } from './perf.js';

const MB = 1024 * 1024;
const results: Array<{ what: string; comet: string; baseline: string; ratio: string }> = [];
const ms = (start: bigint): number => Number(process.hrtime.bigint() - start) / 1e6;
const progress = (msg: string): boolean => process.stderr.write(`bench: ${msg}\n`);
const report = (what: string, comet: number, baseline: number, unit: string, baselineName: string): void => {
  progress(`${what}: ${comet.toFixed(1)} vs ${baseline.toFixed(1)} ${unit}`);
  results.push({
    what,
    comet: `${comet.toFixed(1)} ${unit}`,
    baseline: `${baseline.toFixed(1)} ${unit} (${baselineName})`,
    ratio: (comet / baseline).toFixed(2),
  });
};

/** Reads a response to its end and resolves with the time it took; an error answer rejects (it would time as a fast success). */
function fetchAll(url: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.get(url, { agent: false }, (res) => {
      if ((res.statusCode ?? 0) >= 400) {
        reject(new Error(`${url}: ${res.statusCode} ${res.statusMessage ?? ''}`));
        res.resume();
        return;
      }
      res.resume();
      res.on('end', () => resolve(ms(start)));
    });
    req.on('error', reject);
  });
}

/** Runs a command to its end (its output discarded) and resolves with the time it took. */
function commandTime(cmd: string, args: string[]): Promise<number> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    child.stdout.resume();
    child.on('exit', () => resolve(ms(start)));
  });
}

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'comet-tail-bench-'));
  const server = spawnMain(
    {
      LOG_DIR: dir,
      LOG_LEVEL: 'info',
      SEARCH_TIMEOUT_MS: '600000',
    },
    dir,
  );
  const port = await listeningPort(server);
  // Keep the server's log pipe drained, or the server blocks on a full pipe.
  server.stdout.on('data', () => undefined);
  const base = `http://127.0.0.1:${port}`;
  try {
    await benchSearch(dir, base, server.pid ?? 0);
  } finally {
    server.kill('SIGTERM');
    await rm(dir, { recursive: true, force: true });
  }
  console.log(
    `\ncomet-tail benchmark (${new Date().toISOString()}, node ${process.version}, ${execFileSync('nproc').toString().trim()} cores)\n`,
  );
  console.log('| measure | comet-tail | baseline | ratio |\n|---|---|---|---|');
  for (const r of results) console.log(`| ${r.what} | ${r.comet} | ${r.baseline} | ${r.ratio} |`);
}

/** Log-like lines, 1 GiB, with the searched text only in the first line: every search reads the whole file. */
async function writeSearchFile(file: string): Promise<void> {
  const fh = await open(file, 'w');
  await fh.write('2026-11-30T00:00:00.000Z ERROR first line holds the Needle\n');
  const levels = ['INFO', 'WARN', 'DEBUG', 'INFO'];
  let chunk = '';
  for (let i = 0; i < 10_000; i++)
    chunk += `2026-11-30T12:00:00.${String(i % 1000).padStart(3, '0')}Z ${levels[i % 4]} request id=${i} path=/api/v1/items/${(i * 7) % 10000} took ${i % 97}ms user=alice\n`;
  const block = Buffer.from(chunk);
  for (let written = 0; written < 1024 * MB; written += block.length) await fh.write(block);
  await fh.close();
}

/** Search of a 1 GiB file: comet-tail's grep (follow=0) against GNU grep -c on the same file, as rates. */
async function benchSearch(dir: string, base: string, pid: number): Promise<void> {
  const file = path.join(dir, 'search.log');
  progress('writing 1 GiB for the search');
  await writeSearchFile(file);
  const gb = 1; // GiB scanned per search
  const cases = [
    { what: 'plain string', query: 'grep=Needle&case=1', grep: ['-c', '-F', 'Needle'] },
    { what: 'plain string, case-insensitive', query: 'grep=needle', grep: ['-c', '-F', '-i', 'needle'] },
    {
      what: 'regular expression',
      query: `grep=${encodeURIComponent('Ne+dle [a-z]')}&regex=1&case=1`,
      grep: ['-c', '-E', 'Ne+dle [a-z]'],
    },
  ];
  // Warm the page cache, so both read from memory.
  await commandTime('cat', [file]);
  for (const c of cases) {
    const before = rssBytes(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
    const comet = Math.min(
      await fetchAll(`${base}/tail/search.log?follow=0&lines=10&${c.query}`),
      await fetchAll(`${base}/tail/search.log?follow=0&lines=10&${c.query}`),
    );
    clearInterval(sampler);
    const grepMs = Math.min(
      await commandTime('env', ['LC_ALL=C', 'grep', ...c.grep, file]),
      await commandTime('env', ['LC_ALL=C', 'grep', ...c.grep, file]),
    );
    const rate = (t: number): number => (gb * 1024) / (t / 1000);
    report(
      `search 1 GiB, ${c.what} (RSS +${((peak - before) / MB).toFixed(0)} MiB)`,
      rate(comet),
      rate(grepMs),
      'MiB/s',
      `grep ${c.grep.join(' ')}`,
    );
  }
  await rm(file, { force: true });
}

// Issue 16's figures against the floor and GNU tail (bench/perf.ts), then the search against GNU grep.
await runPerfFromEnv();
await main();
