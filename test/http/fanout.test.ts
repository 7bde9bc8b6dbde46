import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { inotifyWatches, openFds } from '../helpers/proc.js';
import { numbers, openStream, type OpenStream } from '../helpers/stream.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { LineWriter } from '../helpers/writer.js';
import { waitUntil } from '../helpers/wait.js';

const range = (from: number, to: number): number[] => Array.from({ length: to - from + 1 }, (_, i) => from + i);

describe('fan-out: one handle and one watch per followed file, however many streams', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ MAX_STREAMS: '1200' });
  });
  after(() => srv.close());

  test('50 clients on one file: one open handle, and every client gets every line in order', async () => {
    const file = path.join(srv.dir, 'shared.log');
    await writeFile(file, 'line 1\n');
    const before = openFds('self', file);
    const clients = await Promise.all(
      Array.from({ length: 50 }, (_, i) =>
        openStream(`${srv.url}/tail/shared.log?format=${['text', 'html', 'sse'][i % 3]}`),
      ),
    );
    await Promise.all(clients.map((c) => c.waitFor((t) => numbers(t).includes(1), 'line 1')));
    assert.equal(openFds('self', file) - before, 1, 'one handle for 50 streams');
    assert.deepEqual(srv.running.engine.stats(), { files: 1, streams: 50 });
    const writer = new LineWriter(file);
    writer.written = 1;
    await writer.writeLines(199, 0);
    await Promise.all(clients.map((c) => c.waitFor((t) => numbers(t).includes(200), 'line 200')));
    for (const c of clients) assert.deepEqual(numbers(c.text()), range(1, 200));
    for (const c of clients) c.close();
    await waitUntil(() => srv.running.engine.stats().files === 0, 'the follower to close');
    // The close itself is asynchronous: wait for the descriptor to go.
    await waitUntil(() => openFds('self', file) === before, 'the handle to close with the last stream');
  });

  test('clients joining while lines are written get their backlog, then the live feed, with no gap and no duplicate', async () => {
    const file = path.join(srv.dir, 'seam.log');
    await writeFile(file, '');
    const writer = new LineWriter(file);
    const clients: OpenStream[] = [];
    await writer.writeLines(400, 0, async (n) => {
      if (n % 40 === 0)
        clients.push(
          await openStream(`${srv.url}/tail/seam.log?lines=5&format=${['text', 'html', 'sse'][(n / 40) % 3]}`),
        );
    });
    await Promise.all(clients.map((c) => c.waitFor((t) => numbers(t).includes(400), 'line 400')));
    for (const c of clients) {
      const got = numbers(c.text());
      const first = got[0] ?? 0;
      assert.deepEqual(got, range(first, 400), `a client starting at line ${first}`);
      assert.ok(got.length >= 5);
    }
    for (const c of clients) c.close();
  });

  test('1,000 streams opened and closed three times: handles and watches back to baseline', async () => {
    const files = Array.from({ length: 20 }, (_, i) => `churn-${i}.log`);
    for (const f of files) await writeFile(path.join(srv.dir, f), 'line 1\n');
    const fdsBefore = openFds('self');
    const watchesBefore = inotifyWatches('self');
    for (let round = 0; round < 3; round++) {
      const clients = await Promise.all(
        Array.from({ length: 1000 }, (_, i) => openStream(`${srv.url}/tail/${files[i % files.length]}`)),
      );
      await Promise.all(clients.map((c) => c.waitFor((t) => t.includes('line 1'), 'line 1')));
      assert.deepEqual(srv.running.engine.stats(), { files: 20, streams: 1000 });
      assert.ok(inotifyWatches('self') > watchesBefore, 'files are watched while followed');
      await appendFile(path.join(srv.dir, files[0] ?? ''), 'line 2\n');
      await clients[0]?.waitFor((t) => t.includes('line 2'), 'line 2');
      for (const c of clients) c.close();
      await waitUntil(
        () => srv.running.engine.stats().files === 0 && srv.running.streams.size === 0,
        'all streams to close',
      );
    }
    await waitUntil(() => openFds('self') <= fdsBefore, `fds back to ${fdsBefore} (now ${openFds('self')})`);
    assert.equal(inotifyWatches('self'), watchesBefore, 'watches back to baseline');
  });

  test('past MAX_STREAMS a new stream gets 503 with a reason', async () => {
    const small = await startTestServer({ MAX_STREAMS: '3' });
    try {
      await writeFile(path.join(small.dir, 'a.log'), 'x\n');
      const open = await Promise.all([1, 2, 3].map(() => openStream(`${small.url}/tail/a.log`)));
      await Promise.all(open.map((c) => c.waitFor((t) => t === 'x\n')));
      const res = await fetch(`${small.url}/tail/a.log`);
      assert.equal(res.status, 503);
      assert.match(await res.text(), /too many open streams/);
      open[0]?.close();
      await waitUntil(() => small.running.streams.size === 2, 'a slot to free up');
      const again = await openStream(`${small.url}/tail/a.log`);
      assert.equal(again.status, 200);
      again.close();
      for (const c of open) c.close();
    } finally {
      await small.close();
    }
  });
});
