import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { readFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { gunzipSync, gzipSync } from 'node:zlib';
import { after, before, describe, test } from 'node:test';
import { requireDebianPackage } from '../helpers/debian.js';
import { rssBytes } from '../helpers/proc.js';
import { exitCode, listeningPort, spawnMain } from '../helpers/process.js';
import { makeLogDir, startTestServer, type TestServer } from '../helpers/server.js';
import { openStream } from '../helpers/stream.js';

const run = promisify(execFile);

function sseLines(text: string): Array<{ id: string; data: string }> {
  return [...text.matchAll(/^id: (\S+)\ndata: (.*)\n/gm)].map((m) => ({ id: m[1] as string, data: m[2] as string }));
}

async function rotate(bin: string, file: string, compress: boolean): Promise<void> {
  const dir = path.dirname(file);
  const conf = path.join(dir, '.logrotate.conf');
  await writeFile(conf, `${file} {\n  rotate 9\n  create\n  missingok\n  ${compress ? 'compress' : 'nocompress'}\n}\n`);
  await run(bin, ['-f', '-s', path.join(dir, '.logrotate.state'), conf]);
}

describe('.gz files, made by the real logrotate', () => {
  let srv: TestServer;
  let bin: string;
  let plain: Buffer;
  before(async () => {
    bin = requireDebianPackage('logrotate', '/usr/sbin/logrotate');
    srv = await startTestServer();
    const lines = Array.from({ length: 3000 }, (_, i) => `line ${i + 1}${i % 10 === 6 ? ' ERROR' : ''}\n`).join('');
    await writeFile(path.join(srv.dir, 'app.log'), lines);
    await rotate(bin, path.join(srv.dir, 'app.log'), true);
    plain = gunzipSync(await readFile(path.join(srv.dir, 'app.log.1.gz')));
    assert.equal(plain.toString(), lines);
  });
  after(() => srv.close());

  test('shown decompressed: the last lines, ids counting decompressed offsets, then the stream ends (eof), not followed', async () => {
    const s = await openStream(`${srv.url}/tail/app.log.1.gz?format=sse&lines=5`);
    await s.ended;
    assert.ok(s.completed());
    const got = sseLines(s.text());
    assert.deepEqual(
      got.map((l) => l.data),
      ['line 2996', 'line 2997 ERROR', 'line 2998', 'line 2999', 'line 3000'],
    );
    const ino = (await stat(path.join(srv.dir, 'app.log.1.gz'))).ino;
    for (const l of got) {
      const [file, offset] = l.id.split('-').map(Number);
      assert.equal(file, ino);
      assert.equal(plain.subarray(0, offset).toString().split('\n').at(-2), l.data);
    }
    assert.match(s.text(), /event: eof\n/);
  });

  test('grep, before and at work on it', async () => {
    const grep = await (await fetch(`${srv.url}/tail/app.log.1.gz?grep=error&lines=3`)).text();
    assert.equal(grep, 'line 2977 ERROR\nline 2987 ERROR\nline 2997 ERROR\n');
    const last = sseLines(await (await fetch(`${srv.url}/tail/app.log.1.gz?format=sse&lines=1`)).text());
    const older = sseLines(
      await (await fetch(`${srv.url}/tail/app.log.1.gz?format=sse&lines=2&before=${last[0]?.id}`)).text(),
    );
    assert.deepEqual(
      older.map((l) => l.data),
      ['line 2998', 'line 2999'],
    );
    const olderMatches = await (
      await fetch(`${srv.url}/tail/app.log.1.gz?lines=2&grep=ERROR&case=1&before=${older[0]?.id}`)
    ).text();
    assert.equal(olderMatches, 'line 2987 ERROR\nline 2997 ERROR\n');
    const html = await (await fetch(`${srv.url}/tail/app.log.1.gz?format=html&lines=1&at=${older[0]?.id}`)).text();
    const shown = [...html.matchAll(/<div data-id="[^"]+"( aria-current="true")?>([^<]*)<\/div>/g)];
    assert.deepEqual(
      shown.map((m) => [m[2], m[1] !== undefined]),
      [
        ['line 2997 ERROR', false],
        ['line 2998', true],
        ['line 2999', false],
      ],
    );
  });

  test('/download sends the .gz as it is', async () => {
    const res = await fetch(`${srv.url}/download/app.log.1.gz`);
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), await readFile(path.join(srv.dir, 'app.log.1.gz')));
  });

  test('an id survives rotation: a permalink into app.log still resolves once it is app.log.1', async () => {
    await writeFile(path.join(srv.dir, 'app.log'), 'alpha\nbeta\ngamma\n');
    const ids = sseLines(await (await fetch(`${srv.url}/tail/app.log?format=sse&follow=0`)).text());
    await rotate(bin, path.join(srv.dir, 'app.log'), false);
    await writeFile(path.join(srv.dir, 'app.log'), 'new\n');
    const html = await (await fetch(`${srv.url}/tail/app.log?format=html&lines=1&at=${ids[1]?.id}`)).text();
    assert.match(
      html,
      /<div data-id="[^"]+">alpha<\/div>\n<div data-id="[^"]+" aria-current="true">beta<\/div>\n<div data-id="[^"]+">gamma<\/div>/,
    );
    const gone = await fetch(`${srv.url}/tail/app.log?at=999999999-5`);
    assert.equal(gone.status, 404);
    assert.match(await gone.text(), /^Not Found: no such line/);
  });
});

describe('gzip bombs cost bounded time and no memory', () => {
  test('1 GiB of newlines and 1 GiB of one endless line, each ~1 MB gzipped: partial within the budget, RSS bounded', async () => {
    const dir = await makeLogDir();
    // Concatenated gzip members are one valid .gz: 1024 members of 1 MiB each.
    const member = (byte: number): Buffer => gzipSync(Buffer.alloc(1024 * 1024, byte), { level: 9 });
    for (const [name, byte] of [
      ['newlines.gz', 0x0a],
      ['endless.gz', 0x78],
    ] as const) {
      const m = member(byte);
      await writeFile(path.join(dir, name), Buffer.concat(Array.from({ length: 1024 }, () => m)));
    }
    // A budget well under the time to inflate 1 GiB (zlib inflates this at about 1 GiB/s here), so every scan is cut.
    const child = spawnMain({ LOG_DIR: dir, LOG_LEVEL: 'info', SEARCH_TIMEOUT_MS: '300' }, dir);
    try {
      const port = await listeningPort(child);
      // Keep the log pipe drained, or the server blocks on a full pipe.
      child.stdout.on('data', () => undefined);
      const baseline = rssBytes(child.pid ?? 0);
      let peak = baseline;
      const sampler = setInterval(() => (peak = Math.max(peak, rssBytes(child.pid ?? 0))), 20);
      try {
        for (const name of ['newlines.gz', 'endless.gz']) {
          for (const q of ['format=sse&lines=10000', 'format=sse&grep=nowhere']) {
            const started = Date.now();
            const s = await openStream(`http://127.0.0.1:${port}/tail/${name}?${q}`);
            await s.ended;
            const took = Date.now() - started;
            assert.ok(took < 15_000, `${name} ${q}: ${took} ms`);
            assert.match(s.text(), /^event: partial\n/m, `${name} ${q}`);
          }
        }
      } finally {
        clearInterval(sampler);
      }
      assert.ok(peak - baseline < 250 * 1024 * 1024, `RSS grew by ${((peak - baseline) / 1024 / 1024).toFixed(0)} MiB`);
    } finally {
      child.kill('SIGTERM');
      await exitCode(child);
      await rm(dir, { recursive: true, force: true });
    }
  });
});
