import assert from 'node:assert/strict';
import { copyFile, mkdir, readFile, readdir, rename, rm, truncate, unlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { after, before, describe, test } from 'node:test';
import { requireDebianPackage } from '../helpers/debian.js';
import { numbers, openStream, type OpenStream } from '../helpers/stream.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { logrotate } from '../helpers/logrotate.js';
import { LineWriter } from '../helpers/writer.js';

/** The numbered lines of the rotated files (oldest first) and then of the live file. */
async function linesOnDisk(file: string): Promise<number[]> {
  const base = path.basename(file);
  const rotated = (await readdir(path.dirname(file)))
    .filter((n) => new RegExp(`^${base.replace('.', '\\.')}\\.\\d+$`).test(n))
    .sort((a, b) => Number(b.split('.').pop()) - Number(a.split('.').pop()));
  const out: number[] = [];
  for (const n of [...rotated, base]) out.push(...numbers(await readFile(path.join(path.dirname(file), n), 'utf8')));
  return out;
}

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

/** Three clients, one per format, each following from the current end. */
async function openClients(srv: TestServer, name: string): Promise<OpenStream[]> {
  const clients = await Promise.all(
    ['text', 'html', 'sse'].map((f) => openStream(`${srv.url}/tail/${name}?lines=0&format=${f}`)),
  );
  await Promise.all(clients.map((c) => c.waitFor(() => true)));
  return clients;
}

async function allReceive(clients: OpenStream[], last: number): Promise<void> {
  await Promise.all(clients.map((c) => c.waitFor((t) => numbers(t).includes(last), `line ${last}`)));
}

describe('following like tail -F through rotation, with the real logrotate', () => {
  let srv: TestServer;
  before(async () => {
    requireDebianPackage('logrotate', '/usr/sbin/logrotate');
    srv = await startTestServer({ POLL_INTERVAL_MS: '500' });
  });
  after(() => srv.close());

  for (const mode of ['create', 'copytruncate'] as const) {
    test(`${mode}: every client gets every line exactly once, in order, while a writer goes on through two rotations`, async () => {
      const file = path.join(srv.dir, `${mode}.log`);
      await writeFile(file, '');
      const clients = await openClients(srv, `${mode}.log`);
      const writer = new LineWriter(file);
      const rotations: Array<Promise<void>> = [];
      await writer.writeLines(600, 1, (n) => {
        // Rotate while the writer keeps going: not awaited here.
        if (n === 200 || n === 400) rotations.push(logrotate(file, mode));
      });
      await Promise.all(rotations);
      await writer.writeLines(1, 0);
      await allReceive(clients, 601);
      const expected = mode === 'create' ? range(1, 601) : await linesOnDisk(file);
      // copytruncate loses the lines written between logrotate's copy and its truncate; they are in no file.
      // How many depends on the machine's load (22 of 601 seen under CI load): the bound only checks the test still means something.
      if (mode === 'copytruncate') assert.ok(expected.length >= 500, `logrotate kept ${expected.length} of 601 lines`);
      for (const c of clients) {
        const got = numbers(c.text());
        if (mode === 'create') assert.deepEqual(got, expected, `${c.headers['content-type']}`);
        else {
          // A follower quick enough reads some of those lines before the truncate: they may arrive too, once and in order.
          assert.ok(
            got.every((n, i) => i === 0 || n > (got[i - 1] ?? 0)),
            `${c.headers['content-type']}: in order, each once`,
          );
          assert.deepEqual(
            got.filter((n) => expected.includes(n)),
            expected,
            `${c.headers['content-type']}: every line on disk`,
          );
        }
      }
      const html = clients[1]?.text() ?? '';
      const sse = clients[2]?.text() ?? '';
      if (mode === 'create') {
        assert.equal(html.match(/file rotated; following the new file from its start/g)?.length, 2);
        assert.equal(sse.match(/^event: rotated$/gm)?.length, 2);
      } else {
        assert.equal(html.match(/file truncated; following it from its new start/g)?.length, 2);
        assert.equal(sse.match(/^event: truncated$/gm)?.length, 2);
      }
      assert.ok(!clients[0]?.text().includes('rotated'), 'text stays byte-exact: no notices');
      for (const c of clients) c.close();
    });
  }

  test('delete and re-create: the rest of the old file, then the new one from its start', async () => {
    const file = path.join(srv.dir, 'recreate.log');
    await writeFile(file, '');
    const clients = await openClients(srv, 'recreate.log');
    const writer = new LineWriter(file);
    await writer.writeLines(300, 1, async (n) => {
      if (n === 150) {
        await unlink(file);
        await writeFile(file, '');
      }
    });
    await allReceive(clients, 300);
    for (const c of clients) assert.deepEqual(numbers(c.text()), range(1, 300));
    assert.equal(clients[2]?.text().match(/^event: rotated$/gm)?.length, 1);
    for (const c of clients) c.close();
  });

  test('a file deleted, then created again later: the stream waits and goes on', async () => {
    const file = path.join(srv.dir, 'gone.log');
    await writeFile(file, 'line 1\nline 2\n');
    const clients = await Promise.all(['text', 'sse'].map((f) => openStream(`${srv.url}/tail/gone.log?format=${f}`)));
    await allReceive(clients, 2);
    await rm(file);
    // Nothing is there for a while; the stream stays open.
    await writeFile(path.join(srv.dir, 'unrelated.log'), 'x\n');
    await writeFile(file, 'line 3\n');
    await allReceive(clients, 3);
    for (const c of clients) assert.deepEqual(numbers(c.text()), [1, 2, 3]);
    for (const c of clients) c.close();
  });

  // With inotify the 30 s safety look is the only other way to notice these: each must be seen within a few
  // POLL_INTERVAL_MS (500 ms here), so a wait of 10 s fails if it is not.
  test('its directory deleted and made again: the stream goes on with the new file within a poll interval', async () => {
    const dir = path.join(srv.dir, 'redeployed');
    await mkdir(dir);
    await writeFile(path.join(dir, 'app.log'), 'line 1\nline 2\n');
    const clients = await Promise.all(
      ['text', 'sse'].map((f) => openStream(`${srv.url}/tail/redeployed/app.log?format=${f}`)),
    );
    await allReceive(clients, 2);
    await rm(dir, { recursive: true });
    // Away for a while, as in a redeploy: the server sees the name gone before the new directory comes, so only a
    // look can find it (the old directory's watch says nothing more while the deleted file is still open).
    await delay(1500);
    await mkdir(dir);
    await writeFile(path.join(dir, 'app.log'), 'line 3\nline 4\n');
    await Promise.all(clients.map((c) => c.waitFor((t) => numbers(t).includes(4), 'line 4', 10_000)));
    for (const c of clients) assert.deepEqual(numbers(c.text()), [1, 2, 3, 4]);
    // The new directory is watched, not the old one: a delete and re-create in it is told at once.
    await unlink(path.join(dir, 'app.log'));
    await writeFile(path.join(dir, 'app.log'), 'line 5\n');
    await Promise.all(clients.map((c) => c.waitFor((t) => numbers(t).includes(5), 'line 5', 10_000)));
    for (const c of clients) assert.deepEqual(numbers(c.text()), [1, 2, 3, 4, 5]);
    for (const c of clients) c.close();
  });

  test('its directory moved away and another made in its place: the rest of the old file, then the new one', async () => {
    const dir = path.join(srv.dir, 'moved');
    await mkdir(dir);
    await writeFile(path.join(dir, 'app.log'), 'line 1\n');
    const clients = await Promise.all(
      ['text', 'sse'].map((f) => openStream(`${srv.url}/tail/moved/app.log?format=${f}`)),
    );
    await allReceive(clients, 1);
    await rename(dir, `${dir}.old`);
    await writeFile(path.join(`${dir}.old`, 'app.log'), 'line 2\n', { flag: 'a' });
    await Promise.all(clients.map((c) => c.waitFor((t) => numbers(t).includes(2), 'line 2', 10_000)));
    await delay(1500);
    await mkdir(dir);
    await writeFile(path.join(dir, 'app.log'), 'line 3\n');
    await Promise.all(clients.map((c) => c.waitFor((t) => numbers(t).includes(3), 'line 3', 10_000)));
    for (const c of clients) assert.deepEqual(numbers(c.text()), [1, 2, 3]);
    for (const c of clients) c.close();
  });

  test('truncation in place (`: > file`): from the new start, with a notice in html and sse', async () => {
    const file = path.join(srv.dir, 'trunc.log');
    await writeFile(file, '');
    const clients = await openClients(srv, 'trunc.log');
    const writer = new LineWriter(file);
    await writer.writeLines(50, 0);
    await allReceive(clients, 50);
    await truncate(file, 0);
    await writer.writeLines(10, 0);
    await allReceive(clients, 60);
    for (const c of clients) assert.deepEqual(numbers(c.text()), range(1, 60));
    assert.ok(
      /line 50<\/div>\n<div class="n" role="status">file truncated; following it from its new start<\/div>\n<div data-id="\d+-8">line 51</.test(
        clients[1]?.text() ?? '',
      ),
    );
    assert.match(
      clients[2]?.text() ?? '',
      /data: line 50\n\nevent: truncated\ndata: file truncated; following it from its new start\n\nid: \d+-8\ndata: line 51\n/,
    );
    for (const c of clients) c.close();
  });

  test('POLLING=true gives the same guarantees', async () => {
    const polled = await startTestServer({ POLLING: 'true', POLL_INTERVAL_MS: '100' });
    try {
      const file = path.join(polled.dir, 'poll.log');
      await writeFile(file, '');
      const clients = await openClients(polled, 'poll.log');
      const writer = new LineWriter(file);
      await writer.writeLines(200, 1, async (n) => {
        if (n === 100) await logrotate(file, 'create');
      });
      await allReceive(clients, 200);
      for (const c of clients) assert.deepEqual(numbers(c.text()), range(1, 200));
      for (const c of clients) c.close();
    } finally {
      await polled.close();
    }
  });

  for (const polling of [false, true]) {
    test(`copytruncate and the writer going on past the old size before the follower looks (POLLING=${polling}): from the new start, nothing garbled`, async () => {
      const own = polling ? await startTestServer({ POLLING: 'true', POLL_INTERVAL_MS: '300' }) : srv;
      try {
        const name = `regrow-${polling}.log`;
        const file = path.join(own.dir, name);
        const old = range(1, 50)
          .map((n) => `line ${n}\n`)
          .join('');
        await writeFile(file, old);
        const clients = await Promise.all(
          ['text', 'html', 'sse'].map((f) => openStream(`${own.url}/tail/${name}?lines=50&format=${f}`)),
        );
        await allReceive(clients, 50);
        // What logrotate's copytruncate does, with the next lines written at once: truncate and write are one
        // writeFile, so the follower finds the file already longer than where its feed stands.
        await copyFile(file, `${file}.1`);
        const fresh = range(51, 130)
          .map((n) => `line ${n}\n`)
          .join('');
        assert.ok(fresh.length > old.length);
        await writeFile(file, fresh);
        await allReceive(clients, 130);
        for (const c of clients) assert.deepEqual(numbers(c.text()), range(1, 130));
        assert.equal(clients[2]?.text().match(/^event: truncated$/gm)?.length, 1);
        assert.match(
          clients[2]?.text() ?? '',
          /data: line 50\n\nevent: truncated\ndata: file truncated; following it from its new start\n\nid: \d+-8\ndata: line 51\n/,
        );
        for (const c of clients) c.close();
      } finally {
        if (polling) await own.close();
      }
    });
  }
});
