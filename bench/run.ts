// npm run bench: speed and memory of comet-tail, each as a ratio against a baseline measured in the same run.
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { appendFile, mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import http from 'node:http';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
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

/** Reads a response to its end (or until `bytes` arrived) and resolves with the time it took. */
function fetchUntil(url: string, bytes: number | null, onOpen?: () => void): Promise<number> {
  return new Promise((resolve, reject) => {
    const start = process.hrtime.bigint();
    const req = http.get(url, { agent: false }, (res) => {
      let got = 0;
      onOpen?.();
      res.on('data', (c: Buffer) => {
        got += c.length;
        if (bytes !== null && got >= bytes) {
          resolve(ms(start));
          req.destroy();
        }
      });
      res.on('end', () => resolve(ms(start)));
    });
    req.on('error', (e) => (bytes === null ? reject(e) : undefined));
  });
}

/** Runs a command and resolves when its stdout has carried `bytes` bytes (or it ended). */
function commandUntil(
  cmd: string,
  args: string[],
  bytes: number | null,
  onStart?: () => void,
): Promise<{ ms: number; child: ChildProcess }> {
  return new Promise((resolve) => {
    const start = process.hrtime.bigint();
    const child = spawn(cmd, args, { stdio: ['ignore', 'pipe', 'ignore'] });
    let got = 0;
    onStart?.();
    child.stdout.on('data', (c: Buffer) => {
      got += c.length;
      if (bytes !== null && got >= bytes) resolve({ ms: ms(start), child });
    });
    child.on('exit', () => resolve({ ms: ms(start), child }));
  });
}

const numbered = (from: number, count: number): string =>
  Array.from({ length: count }, (_, i) => `line ${String(from + i).padStart(8, '0')} ${'x'.repeat(80)}\n`).join('');

async function main(): Promise<void> {
  const dir = await mkdtemp(path.join(tmpdir(), 'comet-tail-bench-'));
  const server = spawnMain(
    {
      LOG_DIR: dir,
      LOG_LEVEL: 'info',
      MAX_TAIL_LINES: '100000',
      CLIENT_BUFFER_BYTES: String(64 * MB),
      SEARCH_TIMEOUT_MS: '600000',
    },
    dir,
  );
  const port = await listeningPort(server);
  // Keep the server's log pipe drained, or the server blocks on a full pipe.
  server.stdout.on('data', () => undefined);
  const base = `http://127.0.0.1:${port}`;
  try {
    // 1. The backlog of a 1 GiB file: comet-tail over HTTP against GNU tail -n.
    const huge = path.join(dir, 'huge.log');
    const fh = await open(huge, 'w');
    await fh.truncate(1024 * MB);
    await fh.close();
    await appendFile(huge, numbered(1, 100_000));
    for (const n of [100, 10_000]) {
      const best = async (f: () => Promise<number>): Promise<number> => Math.min(await f(), await f(), await f());
      const comet = await best(() => fetchUntil(`${base}/tail/huge.log?lines=${n}&follow=0`, null));
      const tail = await best(async () => (await commandUntil('tail', ['-n', String(n), huge], null)).ms);
      report(`backlog of ${n} lines, 1 GiB file`, comet, tail, 'ms', 'tail -n');
    }

    // 2. Following: 50 MB appended, time until a reader has all of it: comet-tail over HTTP against tail -F.
    const size = 50 * MB;
    for (const who of ['tail', 'comet'] as const) {
      const file = path.join(dir, `follow-${who}.log`);
      await writeFile(file, '');
      const data = numbered(1, Math.ceil(size / 99));
      const total = Buffer.byteLength(data);
      let started = 0n;
      const writer = async (): Promise<void> => {
        started = process.hrtime.bigint();
        for (let i = 0; i < data.length; i += MB) await appendFile(file, data.slice(i, i + MB));
      };
      progress(`follow 50 MB with ${who}`);
      let took: number;
      if (who === 'tail') {
        const run = commandUntil('tail', ['-F', '-n', '0', '-s', '0.01', file], total);
        await delay(200); // tail has no "ready" signal; let it open the file first
        await writer();
        const { child } = await run;
        took = ms(started);
        child.kill();
      } else {
        let opened: () => void = () => undefined;
        const isOpen = new Promise<void>((r) => (opened = r));
        const run = fetchUntil(`${base}/tail/follow-comet.log?lines=0`, total, opened);
        await isOpen;
        await writer();
        await run;
        took = ms(started);
      }
      results.push({
        what: `follow 50 MB (${who})`,
        comet: who === 'comet' ? `${took.toFixed(0)} ms` : '',
        baseline: who === 'tail' ? `${took.toFixed(0)} ms (tail -F)` : '',
        ratio: '',
      });
    }
    const [t, c] = results.slice(-2);
    const ratio = Number.parseFloat(c?.comet ?? '0') / Number.parseFloat(t?.baseline ?? '1');
    results.splice(-2, 2, {
      what: 'follow 50 MB appended',
      comet: c?.comet ?? '',
      baseline: t?.baseline ?? '',
      ratio: ratio.toFixed(2),
    });

    // 3. Memory per idle stream: comet-tail against a bare node:http server holding the same responses open.
    const idle = path.join(dir, 'idle.log');
    await writeFile(idle, 'x\n');
    const perStream = async (pid: number, url: string): Promise<number> => {
      const before = rssBytes(pid);
      const reqs: http.ClientRequest[] = [];
      await Promise.all(
        Array.from(
          { length: 2000 },
          () =>
            new Promise<void>((resolve) =>
              reqs.push(http.get(url, { agent: false }, (res) => res.once('data', () => resolve()))),
            ),
        ),
      );
      await delay(500);
      const after = rssBytes(pid);
      for (const r of reqs) r.destroy();
      return (after - before) / 2000 / 1024;
    };
    const comet = await perStream(server.pid ?? 0, `${base}/tail/idle.log?lines=1`);
    const bare = spawn(process.execPath, ['-e', BARE_SERVER], { stdio: ['ignore', 'pipe', 'inherit'] });
    const barePort = await new Promise<number>((r) => bare.stdout.once('data', (d: Buffer) => r(Number(d.toString()))));
    const baseline = await perStream(bare.pid ?? 0, `http://127.0.0.1:${barePort}/`);
    bare.kill();
    report('memory per idle stream (2,000 streams)', comet, baseline, 'KiB', 'bare node:http');

    // 4. Fan-out: 100 readers of one file against 1, 10 MB appended.
    const fan = path.join(dir, 'fan.log');
    await writeFile(fan, '');
    const fanData = numbered(1, Math.ceil((10 * MB) / 99));
    const fanTotal = Buffer.byteLength(fanData);
    const timeFor = async (readers: number): Promise<number> => {
      await writeFile(fan, '');
      const opened: Array<Promise<void>> = [];
      const runs = Array.from({ length: readers }, () => {
        let o: () => void = () => undefined;
        opened.push(new Promise<void>((r) => (o = r)));
        return fetchUntil(`${base}/tail/fan.log?lines=0`, fanTotal, o);
      });
      await Promise.all(opened);
      const start = process.hrtime.bigint();
      for (let i = 0; i < fanData.length; i += MB) await appendFile(fan, fanData.slice(i, i + MB));
      await Promise.all(runs);
      return ms(start);
    };
    const one = await timeFor(1);
    const hundred = await timeFor(100);
    report('10 MB to 100 readers of one file (vs 1 reader)', hundred, one, 'ms', '1 reader');

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

/** 5. Search of a 1 GiB file: comet-tail's grep (follow=0) against GNU grep -c on the same file, as rates. */
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
  await commandUntil('cat', [file], null);
  for (const c of cases) {
    const before = rssBytes(pid);
    let peak = before;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(pid))), 20);
    const comet = Math.min(
      await fetchUntil(`${base}/tail/search.log?follow=0&lines=10&${c.query}`, null),
      await fetchUntil(`${base}/tail/search.log?follow=0&lines=10&${c.query}`, null),
    );
    clearInterval(sampler);
    const grepMs = Math.min(
      (await commandUntil('env', ['LC_ALL=C', 'grep', ...c.grep, file], null)).ms,
      (await commandUntil('env', ['LC_ALL=C', 'grep', ...c.grep, file], null)).ms,
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

// The floor for an idle stream: node:http holding a chunked response open, nothing else.
const BARE_SERVER = `
const http = require('node:http');
const s = http.createServer((req, res) => { res.writeHead(200, {'content-type': 'text/plain'}); res.write('x\\n'); });
s.listen(0, '127.0.0.1', () => process.stdout.write(String(s.address().port)));
`;

// Issue 16's figures against the floor and GNU tail (bench/perf.ts), then the measures above.
await runPerfFromEnv();
await main();
