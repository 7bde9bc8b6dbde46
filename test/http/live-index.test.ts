import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { appendFile, mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { EventSource } from 'eventsource';
import { inotifyWatches } from '../helpers/proc.js';
import { openStream } from '../helpers/stream.js';
import type { DirEntry as Entry } from '../../src/files/listing.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

type Got =
  | { readonly event: 'entry'; readonly entry: Entry; readonly at: number }
  | { readonly event: 'removed'; readonly path: string; readonly at: number };

/** An EventSource (the `eventsource` package, as a browser would) on the live index, keeping every event it gets. */
class LiveClient {
  readonly got: Got[] = [];
  private readonly source: EventSource;
  readonly opened: Promise<void>;

  constructor(url: string) {
    this.source = new EventSource(url);
    this.opened = new Promise((resolve, reject) => {
      this.source.onopen = () => resolve();
      this.source.onerror = (e) => reject(new Error(`live index failed: ${e.message ?? e.code ?? 'error'}`));
    });
    this.source.addEventListener('entry', (e) =>
      this.got.push({ event: 'entry', entry: JSON.parse(e.data) as Entry, at: Date.now() }),
    );
    this.source.addEventListener('removed', (e) =>
      this.got.push({ event: 'removed', path: (JSON.parse(e.data) as { path: string }).path, at: Date.now() }),
    );
  }

  /** Events naming `p`, as `entry:<size>` or `removed`. */
  about(p: string): string[] {
    return this.got.flatMap((g) =>
      g.event === 'entry' ? (g.entry.path === p ? [`entry:${g.entry.size}`] : []) : g.path === p ? ['removed'] : [],
    );
  }

  until(cond: () => boolean, what: string): Promise<void> {
    return waitUntil(cond, what, 20_000);
  }

  close(): void {
    this.source.close();
  }
}

const live = async (url: string): Promise<LiveClient> => {
  const c = new LiveClient(url);
  await c.opened;
  return c;
};

describe('the live index', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ HEARTBEAT_MS: '300' });
    await mkdir(path.join(srv.dir, 'nginx'));
  });
  after(() => srv.close());

  test('create, append, delete: entry, entry, removed, in order, each entry as the index JSON has it', async () => {
    const c = await live(`${srv.url}/?format=sse`);
    try {
      const file = path.join(srv.dir, 'new.log');
      await writeFile(file, 'one\n');
      await c.until(() => c.about('new.log').length === 1, 'the entry of a new file');
      const listed = (
        (await (await fetch(`${srv.url}/`, { headers: { Accept: 'application/json' } })).json()) as { entries: Entry[] }
      ).entries.find((e) => e.name === 'new.log');
      const first = c.got.find((g) => g.event === 'entry');
      assert.deepEqual(first?.event === 'entry' ? first.entry : null, listed, 'the same JSON as in the index');
      await appendFile(file, 'two\n');
      await c.until(() => c.about('new.log').includes('entry:8'), 'the entry of the grown file');
      await rm(file);
      await c.until(() => c.about('new.log').includes('removed'), 'removed');
      assert.deepEqual(c.about('new.log'), ['entry:4', 'entry:8', 'removed']);
      await writeFile(path.join(srv.dir, 'app.log.2.gz'), 'x');
      await c.until(() => c.about('app.log.2.gz').length === 1, 'a rotated file');
      const rotated = c.got.at(-1);
      assert.deepEqual(rotated?.event === 'entry' ? [rotated.entry.family, rotated.entry.compressed] : null, [
        'app.log',
        true,
      ]);
    } finally {
      c.close();
    }
  });

  test('a growing file is reported at most about once a second', async () => {
    const c = await live(`${srv.url}/?format=sse`);
    try {
      const file = path.join(srv.dir, 'growing.log');
      await writeFile(file, '');
      await c.until(() => c.about('growing.log').length === 1, 'the new file');
      const started = Date.now();
      let size = 0;
      while (Date.now() - started < 3500) {
        await appendFile(file, 'line\n');
        size += 5;
        await new Promise((r) => setTimeout(r, 20)); // the writer's pace, not a synchronisation
      }
      await c.until(() => c.about('growing.log').includes(`entry:${size}`), 'the final size');
      const times = c.got.filter((g) => g.event === 'entry' && g.entry.name === 'growing.log').map((g) => g.at);
      const gaps = times.slice(1).map((t, i) => t - (times[i] ?? 0));
      console.log(
        `growing file: ${times.length} entry events over ~3.5 s of appends every 20 ms; gaps ${gaps.join(', ')} ms`,
      );
      assert.ok(times.length >= 3 && times.length <= 6, `${times.length} events`);
      // the first event is the creation; the ones after it are spaced by the 1 s interval (less a little for delivery jitter)
      for (const g of gaps.slice(1)) assert.ok(g >= 800, `gap ${g} ms`);
    } finally {
      c.close();
    }
  });

  test('a FIFO, a dot-file and a link out of the root make no event', async () => {
    const c = await live(`${srv.url}/?format=sse`);
    try {
      execFileSync('mkfifo', [path.join(srv.dir, 'pipe.log')]);
      await writeFile(path.join(srv.dir, '.secret.log'), 'x\n');
      await symlink('/etc/hostname', path.join(srv.dir, 'out.log'));
      await writeFile(path.join(srv.dir, 'marker.log'), 'x\n');
      await c.until(() => c.about('marker.log').length === 1, 'the marker');
      // hints are checked in the order they came, so everything before the marker has been decided
      assert.deepEqual(
        c.got.map((g) => (g.event === 'entry' ? g.entry.name : `-${g.path}`)),
        ['marker.log'],
      );
    } finally {
      c.close();
    }
  });

  test('a subdirectory has its own stream, with paths relative to LOG_DIR; Accept: text/event-stream asks for it too', async () => {
    const res = await openStream(`${srv.url}/browse/nginx`, { Accept: 'text/event-stream' });
    try {
      assert.equal(res.status, 200);
      assert.equal(res.headers['content-type'], 'text/event-stream; charset=utf-8');
      assert.equal(res.headers['cache-control'], 'no-cache');
      assert.equal(res.headers['x-accel-buffering'], 'no');
      assert.equal(res.headers['x-content-type-options'], 'nosniff');
      await res.waitFor((t) => t.startsWith('retry: 2000\n\n'), 'the prelude');
      await writeFile(path.join(srv.dir, 'top.log'), 'x\n');
      await writeFile(path.join(srv.dir, 'nginx', 'access.log'), 'x\n');
      const text = await res.waitFor((t) => t.includes('"path":"nginx/access.log"'), 'the entry');
      assert.ok(!text.includes('top.log'), 'nothing of the parent directory');
      await res.waitFor((t) => t.includes(': keep-alive\n\n'), 'a heartbeat (HEARTBEAT_MS=300)');
    } finally {
      res.close();
    }
  });

  test('two clients share one watch; it is released when the last leaves (inotify watches back to baseline)', async () => {
    await waitUntil(() => srv.running.dirWatchers.stats().dirs === 0, "the earlier tests' watches to close");
    const baseline = inotifyWatches('self');
    const a = await live(`${srv.url}/?format=sse`);
    const b = await live(`${srv.url}/`);
    try {
      assert.deepEqual(srv.running.dirWatchers.stats(), { dirs: 1, listeners: 2 });
      assert.equal(inotifyWatches('self') - baseline, 1, 'one inotify watch for two clients');
      await writeFile(path.join(srv.dir, 'both.log'), 'x\n');
      await a.until(
        () => a.about('both.log').length === 1 && b.about('both.log').length === 1,
        'both clients to hear of it',
      );
      a.close();
      await waitUntil(() => srv.running.dirWatchers.stats().listeners === 1, 'the first client to leave');
      assert.equal(inotifyWatches('self') - baseline, 1, 'still watched for the second');
    } finally {
      a.close();
      b.close();
    }
    await waitUntil(() => srv.running.dirWatchers.stats().dirs === 0, 'the watch to close with the last client');
    await waitUntil(() => inotifyWatches('self') === baseline, `inotify watches back to ${baseline}`);
    assert.equal(srv.running.streams.size, 0);
  });

  test('100 clients over 4 directories opened and closed twice: 4 watches at most, then back to baseline', async () => {
    for (const d of ['d1', 'd2', 'd3']) await mkdir(path.join(srv.dir, d), { recursive: true });
    await waitUntil(() => srv.running.dirWatchers.stats().dirs === 0, "the earlier tests' watches to close");
    const baseline = inotifyWatches('self');
    for (let round = 0; round < 2; round++) {
      const clients = await Promise.all(
        Array.from({ length: 100 }, (_, i) =>
          openStream(`${srv.url}/${['', 'browse/d1', 'browse/d2', 'browse/d3'][i % 4]}?format=sse`),
        ),
      );
      await Promise.all(clients.map((c) => c.waitFor((t) => t.startsWith('retry:'), 'the prelude')));
      assert.deepEqual(srv.running.dirWatchers.stats(), { dirs: 4, listeners: 100 });
      assert.equal(inotifyWatches('self') - baseline, 4);
      for (const c of clients) c.close();
      await waitUntil(
        () => srv.running.dirWatchers.stats().dirs === 0 && srv.running.streams.size === 0,
        'every watch to close',
      );
    }
    await waitUntil(() => inotifyWatches('self') === baseline, 'inotify watches back to baseline');
  });

  test('a bad query is 400 and a missing directory 404, before any stream', async () => {
    assert.equal((await fetch(`${srv.url}/?format=sse&sort=x`)).status, 400);
    assert.equal((await fetch(`${srv.url}/browse/nope?format=sse`)).status, 404);
    assert.equal((await fetch(`${srv.url}/browse/.hidden?format=sse`)).status, 404);
    assert.equal(srv.running.dirWatchers.stats().dirs, 0);
  });
});

describe('the live index and MAX_STREAMS', () => {
  test('it counts as a stream: past MAX_STREAMS a live index or a tail gets 503, and the slot comes back', async () => {
    const small = await startTestServer({ MAX_STREAMS: '2' });
    try {
      await writeFile(path.join(small.dir, 'a.log'), 'x\n');
      const open = await Promise.all([openStream(`${small.url}/?format=sse`), openStream(`${small.url}/tail/a.log`)]);
      await Promise.all(open.map((o) => o.waitFor((t) => t.length > 0, 'a first chunk')));
      assert.equal(small.running.streams.size, 2);
      const refused = await fetch(`${small.url}/?format=sse`);
      assert.equal(refused.status, 503);
      assert.equal(refused.headers.get('retry-after'), '5');
      assert.match(await refused.text(), /too many open streams/);
      assert.equal((await fetch(`${small.url}/tail/a.log`)).status, 503);
      assert.equal((await fetch(`${small.url}/`)).status, 200, 'the index page itself is not a stream');
      open[0]?.close();
      await waitUntil(() => small.running.streams.size === 1, 'the slot to free');
      const again = await openStream(`${small.url}/?format=sse`);
      assert.equal(again.status, 200);
      again.close();
      open[1]?.close();
    } finally {
      await small.close();
    }
  });

  test('on shutdown the stream ends with an end event', async () => {
    const s = await startTestServer();
    const res = await openStream(`${s.url}/?format=sse`);
    await res.waitFor((t) => t.startsWith('retry:'), 'the prelude');
    await s.close();
    await res.ended;
    assert.match(res.text(), /event: end\ndata: stream ended: the server is shutting down\n\n$/);
    assert.ok(res.completed());
  });
});

describe('the live index with POLLING', () => {
  test('stat polling finds new, grown and deleted files without any inotify watch', async () => {
    const s = await startTestServer({ POLLING: 'true', POLL_INTERVAL_MS: '100' });
    const baseline = inotifyWatches('self');
    const c = await live(`${s.url}/?format=sse`);
    try {
      assert.equal(inotifyWatches('self'), baseline);
      await writeFile(path.join(s.dir, 'polled.log'), 'a\n');
      await c.until(() => c.about('polled.log').length === 1, 'the new file');
      await appendFile(path.join(s.dir, 'polled.log'), 'b\n');
      await c.until(() => c.about('polled.log').length === 2, 'the grown file');
      await rm(path.join(s.dir, 'polled.log'));
      await c.until(() => c.about('polled.log').length === 3, 'removed');
      assert.deepEqual(c.about('polled.log'), ['entry:2', 'entry:4', 'removed']);
    } finally {
      c.close();
      await s.close();
    }
  });
});
