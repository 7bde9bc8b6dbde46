import assert from 'node:assert/strict';
import { appendFile, open, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { openFds } from '../helpers/proc.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openStream } from '../helpers/stream.js';
import { waitUntil } from '../helpers/wait.js';

const MB = 1024 * 1024;
const IDLE_MS = 1000;

/** A raw socket that asks for `target`, takes the status line and then reads nothing. */
function stalledRequest(port: number, target: string): Promise<{ socket: net.Socket; status: Promise<string> }> {
  return new Promise((resolve, reject) => {
    let first = '';
    let gotStatus: (s: string) => void = () => undefined;
    const status = new Promise<string>((r) => (gotStatus = r));
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: x\r\n\r\n`);
      // Take only the status line, then read nothing more.
      socket.once('data', (c: Buffer) => {
        first = c.toString('latin1');
        gotStatus(first.slice(0, first.indexOf('\r\n')));
        socket.pause();
      });
      resolve({ socket, status });
    });
    socket.on('error', () => undefined);
    socket.once('error', reject);
  });
}

async function connections(srv: TestServer): Promise<number> {
  return new Promise((resolve, reject) =>
    srv.running.server.getConnections((err, n) => (err ? reject(err) : resolve(n))),
  );
}

describe('downloads are streams: counted and closed when stalled (finding 6)', () => {
  let srv: TestServer;
  let big: string;
  before(async () => {
    srv = await startTestServer({ MAX_STREAMS: '100' }, undefined, { limits: { downloadIdleMs: IDLE_MS } });
    big = path.join(srv.dir, 'big.log');
    // Sparse: 64 MiB to read, far more than the socket buffers of a client that takes nothing.
    const fh = await open(big, 'w');
    await fh.truncate(64 * MB);
    await fh.close();
  });
  after(() => srv.close());

  test('50 downloads whose clients read nothing are closed after the idle limit, with their files', {
    timeout: 60_000,
  }, async () => {
    const baseline = openFds('self');
    const clients = await Promise.all(
      Array.from({ length: 50 }, () => stalledRequest(srv.running.port, '/download/big.log')),
    );
    for (const c of clients) assert.equal(await c.status, 'HTTP/1.1 200 OK');
    assert.equal(openFds('self', big), 50, 'each download holds its file open');
    const started = Date.now();
    await waitUntil(() => openFds('self', big) === 0, `the files closed (${openFds('self', big)} still open)`, 30_000);
    const ms = Date.now() - started;
    await waitUntil(() => srv.running.streams.size === 0, 'their stream slots freed');
    assert.equal(await connections(srv), 0, "the server closed every stalled client's socket");
    // The test's own 50 client ends are still open (paused, they have not read the close yet).
    assert.ok(
      openFds('self') <= baseline + 50,
      `the server's fds are back to baseline (${openFds('self')} with the 50 client ends, baseline ${baseline})`,
    );
    for (const c of clients) c.socket.destroy();
    await waitUntil(() => openFds('self') <= baseline, `fds back to baseline ${baseline} (${openFds('self')})`);
    process.stdout.write(
      `# 50 stalled downloads: files and sockets closed ${ms} ms after the first bytes (idle limit ${IDLE_MS} ms)\n`,
    );
    assert.ok(ms >= IDLE_MS * 0.9, `not before the idle limit (${ms} ms)`);
  });

  test('a slow download that keeps reading is not cut', { timeout: 60_000 }, async () => {
    const size = 8 * MB;
    await writeFile(path.join(srv.dir, 'slow.log'), Buffer.alloc(size, 'a'));
    const socket = net.connect(srv.running.port, '127.0.0.1');
    let received = 0;
    let closed = false;
    let stopAt = 0;
    socket.on('data', (c: Buffer) => {
      received += c.length;
      if (received >= stopAt) socket.pause();
    });
    socket.on('close', () => (closed = true));
    socket.write('GET /download/slow.log HTTP/1.1\r\nHost: x\r\nConnection: close\r\n\r\n');
    const started = Date.now();
    // Takes 1 MiB, then nothing for most of the idle limit, again and again: progress within every limit, slow overall.
    while (!closed) {
      await delay(IDLE_MS * 0.6);
      stopAt = received + MB;
      socket.resume();
      await waitUntil(() => socket.isPaused() || closed, 'the next MiB');
    }
    const ms = Date.now() - started;
    process.stdout.write(
      `# a download read 1 MiB at a time took ${ms} ms (idle limit ${IDLE_MS} ms) and received ${received} bytes\n`,
    );
    assert.ok(received > size, `the whole file and its headers (${received} bytes)`);
    assert.ok(ms > IDLE_MS * 3, `it did outlast the idle limit several times (${ms} ms)`);
  });
  test('keep-alive: a stream after a download on the same socket is not held to its idle limit', {
    timeout: 30_000,
  }, async () => {
    await writeFile(path.join(srv.dir, 'small.log'), 'small\n');
    await writeFile(path.join(srv.dir, 'quiet.log'), '');
    const socket = net.connect(srv.running.port, '127.0.0.1');
    let text = '';
    let closed = false;
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (text += c));
    socket.on('close', () => (closed = true));
    socket.write('GET /download/small.log HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => text.endsWith('\r\n\r\nsmall\n'), 'the download');
    socket.write('GET /tail/quiet.log HTTP/1.1\r\nHost: x\r\n\r\n');
    await waitUntil(() => text.split('HTTP/1.1 200 OK').length === 3, 'the stream on the same socket');
    // Quiet for twice the idle limit: nothing is written either way (heartbeats come every 15 s).
    await delay(IDLE_MS * 2);
    assert.ok(!closed, "the socket was cut by the finished download's idle limit");
    await appendFile(path.join(srv.dir, 'quiet.log'), 'later\n');
    await waitUntil(() => text.endsWith('later\n\r\n'), 'the line on the stream');
    socket.destroy();
  });
});

describe('MAX_STREAMS counts downloads', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ MAX_STREAMS: '2' }, undefined, { limits: { downloadIdleMs: 60_000 } });
    const fh = await open(path.join(srv.dir, 'big.log'), 'w');
    await fh.truncate(64 * MB);
    await fh.close();
    await writeFile(path.join(srv.dir, 'app.log'), 'hello\n');
  });
  after(() => srv.close());

  test('with two downloads open, the third stream or download is 503 with Retry-After; a slot freed is usable', async () => {
    const first = await stalledRequest(srv.running.port, '/download/big.log');
    const second = await stalledRequest(srv.running.port, '/download/big.log');
    assert.equal(await first.status, 'HTTP/1.1 200 OK');
    assert.equal(await second.status, 'HTTP/1.1 200 OK');
    for (const url of ['/download/app.log', '/tail/app.log']) {
      const res = await fetch(`${srv.url}${url}`);
      assert.equal(res.status, 503, url);
      assert.equal(res.headers.get('retry-after'), '5');
      assert.equal((await res.text()).trim().split('\n').length, 1);
    }
    first.socket.destroy();
    await waitUntil(() => srv.running.streams.size === 1, 'the slot freed');
    const tail = await openStream(`${srv.url}/tail/app.log`);
    assert.equal(tail.status, 200);
    await tail.waitFor((t) => t.includes('hello'));
    const refused = await fetch(`${srv.url}/download/app.log`);
    assert.equal(refused.status, 503, 'a tail stream counts against downloads too');
    await refused.text();
    tail.close();
    await waitUntil(() => srv.running.streams.size === 1, 'the tail slot freed');
    const res = await fetch(`${srv.url}/download/app.log`);
    assert.equal(res.status, 200);
    assert.equal(await res.text(), 'hello\n');
    second.socket.destroy();
    await waitUntil(() => srv.running.streams.size === 0, 'every slot freed');
  });
});
