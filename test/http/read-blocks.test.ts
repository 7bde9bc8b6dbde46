import assert from 'node:assert/strict';
import { appendFile, stat, writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { lineMarkup, visibleText } from '../helpers/html-lines.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openStream } from '../helpers/stream.js';
import { waitUntil } from '../helpers/wait.js';

/** A client that reads the headers, then nothing until resumed: its socket holds the server's writes meanwhile. */
function openPaused(url: string): Promise<{ resume(bytes: number): Promise<Buffer>; close(): void }> {
  return new Promise((resolve, reject) => {
    const req = http.get(url, { agent: false }, (res) => {
      res.pause();
      resolve({
        resume: (bytes) =>
          new Promise<Buffer>((done, fail) => {
            const chunks: Buffer[] = [];
            let size = 0;
            res.on('data', (c: Buffer) => {
              chunks.push(c);
              size += c.length;
              if (size >= bytes) done(Buffer.concat(chunks));
            });
            res.once('close', () => fail(new Error(`closed after ${size} of ${bytes} bytes`)));
            res.resume();
          }),
        close: () => req.destroy(),
      });
    });
    req.once('error', reject);
  });
}

/** Numbered lines of varied lengths, some with two-byte characters, so reads end mid-line and mid-character. */
function lines(from: number, count: number): string[] {
  return Array.from({ length: count }, (_, i) => {
    const n = from + i;
    return `line ${n} ${'é'.repeat(n % 7)}${'x'.repeat((n * 37) % 301)}`;
  });
}

const sseTexts = (body: string): string[] =>
  [...body.matchAll(/^id: [^\n]*\ndata: ([^\n]*)\n\n/gm)].map((m) => m[1] ?? '');

describe('read blocks are used again: no stream ever gets bytes of another read', () => {
  let srv: TestServer;
  // Room for the paused client to hold the whole burst, so it is never cut off as slow.
  before(async () => {
    srv = await startTestServer({ CLIENT_BUFFER_BYTES: String(256 * 1024 * 1024) });
  });
  after(() => srv.close());

  test('a paused reader, a resume from the start mid-burst, and html and sse streams all get exactly the file', async () => {
    const file = path.join(srv.dir, 'burst.log');
    await writeFile(file, '');
    const ino = (await stat(file)).ino;
    const url = `${srv.url}/tail/burst.log`;
    const fast = await openStream(url);
    const paused = await openPaused(url);
    const html = await openStream(`${url}?format=html`);
    const sse = await openStream(`${url}?format=sse`);
    const expected = lines(1, 60_000);
    const all = Buffer.from(`${expected.join('\n')}\n`);
    // Appends of 256 KiB, each read as four whole blocks while the paused client holds the earlier ones.
    const half = all.length >> 1;
    for (let at = 0; at < half; at += 256 * 1024)
      await appendFile(file, all.subarray(at, Math.min(half, at + 256 * 1024)));
    await fast.waitFor(() => fast.body.length >= half, 'the first half');
    // Its backlog (everything so far, read in blocks of its own) is sent while the live feed queues for it.
    const resumed = await openStream(`${url}?from=${ino}-0`);
    for (let at = half; at < all.length; at += 256 * 1024)
      await appendFile(file, all.subarray(at, Math.min(all.length, at + 256 * 1024)));
    const last = expected.at(-1) ?? '';
    await fast.waitFor(() => fast.body.length >= all.length, 'the whole burst', 60_000);
    await resumed.waitFor(() => resumed.body.length >= all.length, 'the resumed stream', 60_000);
    await html.waitFor((t) => t.includes(`>${last}</div>`), 'the last html line', 60_000);
    await sse.waitFor((t) => t.includes(`data: ${last}\n`), 'the last sse event', 60_000);
    assert.ok(fast.body.equals(all), 'the fast text stream is the file, byte for byte');
    assert.ok(resumed.body.equals(all), 'the resumed stream is the file, byte for byte');
    assert.deepEqual(lineMarkup(html.text()).map(visibleText), expected);
    assert.deepEqual(sseTexts(sse.text()), expected);
    for (const s of [fast, html, sse, resumed]) s.close();
    const got = await paused.resume(all.length);
    paused.close();
    assert.equal(got.length, all.length);
    assert.ok(got.equals(all), 'the paused text stream is the file, byte for byte');
    // Every write done and every queue sent: each block lent was given back, so reads keep using the pool.
    await waitUntil(() => srv.running.engine.blocksLent() === 0, 'every read block given back');
  });
});
