import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { appendFile, open, writeFile } from 'node:fs/promises';
import http from 'node:http';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type MainProcess, startMain } from '../helpers/process.js';
import { rssBytes } from '../helpers/proc.js';
import { makeLogDir, startTestServer } from '../helpers/server.js';

const MB = 1024 * 1024;
const PAD = 'x'.repeat(88);

/** A client that reads a text stream as fast as it can and checks, line by line, that the numbers run on without gap or repeat. */
function countingClient(url: string): Promise<{ done: Promise<number>; close: () => void; next: () => number }> {
  return new Promise((resolve, reject) => {
    let expected = 1;
    let rest = '';
    let finish: (n: number) => void = () => undefined;
    let fail: (e: Error) => void = () => undefined;
    const done = new Promise<number>((ok, ko) => {
      finish = ok;
      fail = ko;
    });
    const req = http.get(url, { agent: false }, (res) => {
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => {
        const text = rest + chunk;
        let from = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
          // Lines are 'line NNNNNNN …'.
          const n = Number(text.slice(from + 5, from + 12));
          if (n !== expected)
            fail(
              new Error(`expected line ${expected}, got ${JSON.stringify(text.slice(from, Math.min(nl, from + 40)))}`),
            );
          expected++;
          from = nl + 1;
        }
        rest = text.slice(from);
      });
      res.on('end', () => finish(expected - 1));
      res.on('close', () => finish(expected - 1));
      resolve({ done, close: () => req.destroy(), next: () => expected });
    });
    req.on('error', reject);
  });
}

/** A client that asks for a stream and then never reads a byte. */
function stalledClient(port: number, target: string): Promise<{ socket: net.Socket; drain: () => Promise<number> }> {
  return new Promise((resolve) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      socket.pause();
      resolve({
        socket,
        // Reads what is left and resolves with the byte count once the server has closed the connection (-1 if it never does).
        drain: () =>
          new Promise((ok) => {
            setTimeout(() => ok(-1), 20_000).unref();
            let n = 0;
            socket.on('data', (c: Buffer) => (n += c.length));
            socket.on('close', () => ok(n));
            socket.on('error', () => undefined);
            socket.resume();
          }),
      });
    });
  });
}

describe('bounded memory: slow clients, huge appends, lines without newlines', () => {
  let dir: string;
  let main: MainProcess;

  before(async () => {
    dir = await makeLogDir();
    await writeFile(path.join(dir, 'big.log'), '');
    await writeFile(path.join(dir, 'oneline.log'), '');
    main = await startMain({ LOG_DIR: dir, CLIENT_BUFFER_BYTES: String(MB), TAIL_LINES: '0' }, dir);
  });
  after(() => main.stop());

  test('a client that never reads while 100 MB is appended is ended; a normal client gets every line; RSS stays bounded', {
    timeout: 180_000,
  }, async () => {
    const file = path.join(dir, 'big.log');
    const normal = await countingClient(`http://127.0.0.1:${main.port}/tail/big.log`);
    const slow = await stalledClient(main.port, '/tail/big.log?format=html');
    const baseline = rssBytes(main.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(main.pid))), 20);

    // The writer is its own process, so this one only reads.
    const total = 100 * MB;
    const lineBytes = `line 0000000 ${PAD}\n`.length;
    const lines = Math.ceil(total / lineBytes);
    const writer = spawn(process.execPath, ['-e', WRITER, file, String(lines), PAD], { stdio: 'inherit' });
    assert.equal(await new Promise((r) => writer.on('exit', r)), 0);

    await waitFor(
      () => normal.next() > lines,
      60_000,
      () => `normal client at line ${normal.next()} of ${lines}`,
    );
    clearInterval(sampler);
    const slowBytes = await slow.drain();
    normal.close();
    assert.equal(await normal.done, lines, 'every line, in order, once');
    assert.ok(
      slowBytes >= 0 && slowBytes < total / 4,
      `the stalled client was cut off (it had ${slowBytes} bytes waiting)`,
    );
    const ended = main
      .log()
      .split('\n')
      .filter((l) => l.includes('"ended":"slow"'));
    assert.equal(ended.length, 1, 'the stalled stream, and only it, ended as slow');
    const growth = peak - baseline;
    process.stdout.write(
      `# RSS baseline ${(baseline / MB).toFixed(1)} MB, peak ${(peak / MB).toFixed(1)} MB (+${(growth / MB).toFixed(1)} MB) while 100 MB was appended\n`,
    );
    assert.ok(growth < 64 * MB, `RSS grew by ${(growth / MB).toFixed(1)} MB`);
  });

  test('a 30 MB line without a newline is cut into MAX_LINE_BYTES pieces for html, memory bounded', async () => {
    const file = path.join(dir, 'oneline.log');
    const chunks: string[] = [];
    let pieces = 0;
    const html = await new Promise<http.IncomingMessage>((resolve) =>
      http.get(`http://127.0.0.1:${main.port}/tail/oneline.log?format=html`, { agent: false }, resolve),
    );
    html.setEncoding('utf8');
    let tail = '';
    html.on('data', (c: string) => {
      const t = tail + c;
      pieces += (t.match(/<div data-id=/g) ?? []).length;
      tail = t.slice(-30);
      if (chunks.length < 1) chunks.push(c);
    });
    const baseline = rssBytes(main.pid);
    let peak = baseline;
    const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(main.pid))), 20);
    let ended = false;
    html.on('close', () => (ended = true));
    try {
      for (let i = 1; i <= 30; i++) {
        await appendFile(file, 'y'.repeat(MB));
        // 16 pieces a MiB; the last 64 KiB stays a partial line, held until more comes.
        await waitFor(
          () => pieces >= 16 * i - 1 || ended,
          60_000,
          () => `${pieces} pieces after ${i} MiB; server: ${metricsLine(main.log())}`,
        );
        assert.ok(!ended, `the stream ended after ${pieces} pieces`);
      }
    } finally {
      clearInterval(sampler);
    }
    await appendFile(file, '\n');
    await waitFor(
      () => pieces >= (30 * MB) / 65536,
      60_000,
      () => `${pieces} pieces`,
    );
    clearInterval(sampler);
    html.destroy();
    assert.equal(pieces, (30 * MB) / 65536, 'cut at exactly MAX_LINE_BYTES');
    assert.ok(peak - baseline < 64 * MB, `RSS grew by ${((peak - baseline) / MB).toFixed(1)} MB`);
  });
});

test('the backlog of a 1 GiB file is read from its end, in well under a second', async () => {
  const srv = await startTestServer({ MAX_TAIL_LINES: '10000' });
  try {
    const file = path.join(srv.dir, 'huge.log');
    // A sparse GiB with no newline, then the lines: reading from the start would take seconds.
    const fh = await open(file, 'w');
    await fh.truncate(1024 * MB);
    await fh.close();
    await appendFile(file, Array.from({ length: 20_000 }, (_, i) => `line ${i + 1}\n`).join(''));
    for (const [lines, first] of [
      [100, 19_901],
      [10_000, 10_001],
    ] as const) {
      const started = process.hrtime.bigint();
      const res = await fetch(`${srv.url}/tail/huge.log?lines=${lines}&follow=0`);
      const body = await res.text();
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const got = body.trimEnd().split('\n');
      assert.equal(got.length, lines);
      assert.equal(got[0], `line ${first}`);
      assert.equal(got.at(-1), 'line 20000');
      process.stdout.write(`# backlog of ${lines} lines from a 1 GiB file: ${ms.toFixed(1)} ms\n`);
      assert.ok(ms < 1000, `took ${ms} ms`);
    }
  } finally {
    await srv.close();
  }
});

const metricsLine = (log: string): string => log.split('\n').slice(-5).join(' | ');

async function waitFor(cond: () => boolean, timeoutMs: number, what: () => string): Promise<void> {
  const until = Date.now() + timeoutMs;
  while (!cond()) {
    if (Date.now() > until) throw new Error(`timed out: ${what()}`);
    await new Promise((r) => setTimeout(r, 20));
  }
}

// Appends numbered lines in 1 MB writes as fast as the disk takes them.
const WRITER = `
const fs = require('node:fs');
const [file, count, pad] = process.argv.slice(1);
const fd = fs.openSync(file, 'a');
let batch = [];
for (let n = 1; n <= Number(count); n++) {
  batch.push('line ' + String(n).padStart(7, '0') + ' ' + pad + '\\n');
  if (batch.length === 10000 || n === Number(count)) { fs.writeSync(fd, batch.join('')); batch = []; }
}
fs.closeSync(fd);
`;
