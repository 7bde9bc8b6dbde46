import assert from 'node:assert/strict';
import { rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { logrotate } from '../helpers/logrotate.js';
import { exitCode, listeningPort, spawnMain } from '../helpers/process.js';
import { makeLogDir, startTestServer, type TestServer } from '../helpers/server.js';
import { numbers, openStream } from '../helpers/stream.js';
import { LineWriter } from '../helpers/writer.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** The id of the last line of a file as a client last saw it. */
async function lastId(base: string, name: string): Promise<string> {
  const sse = await (await fetch(`${base}/tail/${name}?format=sse&follow=0&lines=1`)).text();
  const id = /^id: (\S+)$/m.exec(sse)?.[1];
  assert.ok(id !== undefined, `an id in ${JSON.stringify(sse)}`);
  return id;
}

/** Reconnects in each format after `id` and returns what each got once `last` arrived. */
async function resumeAll(
  base: string,
  name: string,
  id: string,
  last: number,
): Promise<{ text: string; html: string; sse: string }> {
  const [text, html, sse] = await Promise.all([
    openStream(`${base}/tail/${name}?format=text&lines=0&from=${id}`),
    openStream(`${base}/tail/${name}?format=html&lines=0&from=${id}`),
    openStream(`${base}/tail/${name}?format=sse&lines=0`, { 'Last-Event-ID': id }),
  ]);
  const got = await Promise.all(
    [text, html, sse].map((s) => s.waitFor((t) => numbers(t).includes(last), `line ${last}`)),
  );
  for (const s of [text, html, sse]) s.close();
  return { text: got[0] ?? '', html: got[1] ?? '', sse: got[2] ?? '' };
}

const lines = (from: number, to: number): string =>
  range(from, to)
    .map((n) => `line ${n}\n`)
    .join('');

describe('resume after a disconnect, across rotations (from= and Last-Event-ID)', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ POLL_INTERVAL_MS: '300' });
  });
  after(() => srv.close());

  /** Writes lines 1–10, takes the id of line 10, then runs `away` (writes and rotations) while disconnected. */
  async function scenario(name: string, away: (file: string, writer: LineWriter) => Promise<void>): Promise<string> {
    const file = path.join(srv.dir, name);
    await writeFile(file, '');
    const writer = new LineWriter(file);
    await writer.writeLines(10, 0);
    const id = await lastId(srv.url, name);
    await away(file, writer);
    return id;
  }

  test('create: the rest of the renamed file, then the current one: exactly the missing lines', async () => {
    const id = await scenario('create.log', async (file, w) => {
      await w.writeLines(10, 0);
      await logrotate(file, 'create');
      await w.writeLines(10, 0);
    });
    const got = await resumeAll(srv.url, 'create.log', id, 30);
    assert.equal(got.text, lines(11, 30), 'text: byte-exact');
    assert.deepEqual(numbers(got.html), range(11, 30));
    assert.deepEqual(numbers(got.sse), range(11, 30));
    assert.match(got.sse, /data: line 20\n\nevent: rotated\n.*\n\nid: \d+-8\ndata: line 21\n/);
    assert.match(
      got.html,
      /line 20<\/div>\n<div class="n" role="status">file rotated; following the new file from its start<\/div>\n<div data-id="\d+-8">line 21</,
    );
  });

  test('two rotations while away: every intermediate file, oldest first', async () => {
    const id = await scenario('twice.log', async (file, w) => {
      await w.writeLines(10, 0);
      await logrotate(file, 'create');
      await w.writeLines(10, 0);
      await logrotate(file, 'create');
      await w.writeLines(10, 0);
    });
    const got = await resumeAll(srv.url, 'twice.log', id, 40);
    assert.equal(got.text, lines(11, 40));
    assert.deepEqual(numbers(got.html), range(11, 40));
    assert.deepEqual(numbers(got.sse), range(11, 40));
    assert.equal(got.sse.match(/^event: rotated$/gm)?.length, 2);
  });

  test('copytruncate: the rest from the copy, then the truncated file from its start', async () => {
    const id = await scenario('copy.log', async (file, w) => {
      await w.writeLines(10, 0);
      await logrotate(file, 'copytruncate');
      await w.writeLines(5, 0);
    });
    const got = await resumeAll(srv.url, 'copy.log', id, 25);
    assert.equal(got.text, lines(11, 25));
    assert.deepEqual(numbers(got.html), range(11, 25));
    assert.deepEqual(numbers(got.sse), range(11, 25));
    assert.match(got.sse, /data: line 20\n\nevent: truncated\n/);
  });

  test('an id whose file is gone: the current file from its start, saying lines may be missing', async () => {
    const id = await scenario('gone.log', async (file, w) => {
      await w.writeLines(10, 0);
      await logrotate(file, 'create');
      await rm(`${file}.1`);
      await w.writeLines(10, 0);
    });
    const got = await resumeAll(srv.url, 'gone.log', id, 30);
    assert.equal(got.text, lines(21, 30), 'text stays byte-exact: no notice');
    assert.deepEqual(numbers(got.html), range(21, 30));
    assert.deepEqual(numbers(got.sse), range(21, 30));
    assert.match(got.sse, /^retry: \d+\n\nevent: missing\ndata: lines may be missing/);
    assert.match(got.html, /<div class="n" role="status">lines may be missing/);
  });

  test('forged ids: malformed is 400; an unknown file or an offset past the end resumes from the start, saying so', async () => {
    await writeFile(path.join(srv.dir, 'forged.log'), lines(1, 3));
    for (const bad of ['x', '1-', '-5', '1-2-3', `1-${'9'.repeat(17)}`, '12.5-3']) {
      const res = await fetch(`${srv.url}/tail/forged.log?follow=0&from=${encodeURIComponent(bad)}`);
      assert.equal(res.status, 400, bad);
      assert.match(await res.text(), /^Bad Request: from must be a line id/);
    }
    const id = await lastId(srv.url, 'forged.log');
    const ino = id.split('-')[0] ?? '';
    for (const forged of [`${ino}-999999`, '1-5']) {
      const sse = await (await fetch(`${srv.url}/tail/forged.log?format=sse&follow=0&from=${forged}`)).text();
      assert.match(sse, /^retry: \d+\n\nevent: missing\n/, forged);
      assert.deepEqual(numbers(sse), [1, 2, 3], forged);
    }
  });
});

test('a real EventSource resumes by itself across a server restart and a rotation: every line once', async () => {
  const dir = await makeLogDir();
  const file = path.join(dir, 'app.log');
  await writeFile(file, '');
  let child = spawnMain({ LOG_DIR: dir }, dir);
  const port = await listeningPort(child);
  child.stdout.resume();
  const received: number[] = [];
  const waiters: Array<() => void> = [];
  const es = new EventSource(`http://127.0.0.1:${port}/tail/app.log?format=sse&lines=0`);
  let lastEventId = '';
  es.onmessage = (ev): void => {
    lastEventId = ev.lastEventId;
    received.push(...numbers(ev.data));
    for (const w of waiters.splice(0)) w();
  };
  const until = (n: number): Promise<void> =>
    new Promise((resolve, reject) => {
      const timer = setTimeout(
        () => reject(new Error(`timed out waiting for line ${n}; have ${received.join(',')}`)),
        20_000,
      );
      const check = (): void => {
        if (received.includes(n)) {
          clearTimeout(timer);
          resolve();
        } else waiters.push(check);
      };
      check();
    });
  try {
    await new Promise<void>((resolve) => {
      es.onopen = (): void => resolve();
    });
    const writer = new LineWriter(file);
    await writer.writeLines(10, 0);
    await until(10);
    child.kill('SIGTERM');
    await exitCode(child);
    await writer.writeLines(10, 0);
    await logrotate(file, 'create');
    await writer.writeLines(10, 0);
    child = spawnMain({ LOG_DIR: dir, PORT: String(port) }, dir);
    await listeningPort(child);
    child.stdout.resume();
    await until(30);
    assert.deepEqual(received, range(1, 30));
    // html and text resume from an id given before the restart too.
    const html = await (
      await fetch(`http://127.0.0.1:${port}/tail/app.log?format=html&follow=0&from=${lastEventId}`)
    ).text();
    assert.deepEqual(numbers(html), []);
  } finally {
    es.close();
    child.kill('SIGTERM');
    await exitCode(child);
    await rm(dir, { recursive: true, force: true });
  }
});
