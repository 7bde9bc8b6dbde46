import assert from 'node:assert/strict';
import { appendFile, open, rename, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileGuard } from '../../src/files/guard.js';
import { backlogStart } from '../../src/tail/backlog.js';
import { EngineClosedError, type EngineOptions, TailEngine } from '../../src/tail/engine.js';
import type { FeedEvent, FeedSink } from '../../src/tail/feed.js';
import { Follower } from '../../src/tail/follower.js';
import { LineSplitter } from '../../src/tail/lines.js';
import { makeLogDir } from '../helpers/server.js';

/** A sink that keeps what it is given: the engine's consumer, without HTTP. */
class Collector implements FeedSink {
  readonly events: FeedEvent[] = [];
  private waiters: Array<() => void> = [];
  aborted: string | null = null;
  event(ev: FeedEvent): void {
    // Copied: the bytes of a read block are the sink's only during this call (see FeedEvent's lease).
    this.events.push(ev.type === 'data' ? { ...ev, bytes: Buffer.from(ev.bytes) } : ev);
    for (const w of this.waiters.splice(0)) w();
  }
  closed(): boolean {
    return this.aborted !== null;
  }
  pendingBytes(): number {
    return 0;
  }
  ready(): Promise<void> {
    return Promise.resolve();
  }
  abort(reason: string): void {
    this.aborted = reason;
  }
  text(): string {
    return Buffer.concat(this.events.flatMap((e) => (e.type === 'data' ? [e.bytes] : []))).toString();
  }
  until(cond: () => boolean): Promise<void> {
    if (cond()) return Promise.resolve();
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out; have ${JSON.stringify(this.text())}`)), 10_000);
      const check = (): void => {
        if (cond()) {
          clearTimeout(timer);
          resolve();
        } else this.waiters.push(check);
      };
      this.waiters.push(check);
    });
  }
}

/** A sink whose `event` throws on its n-th call: a broken consumer. */
class ThrowingCollector extends Collector {
  private calls = 0;
  constructor(private readonly failAt: number) {
    super();
  }
  override event(ev: FeedEvent): void {
    if (++this.calls === this.failAt) throw new Error('sink broke');
    super.event(ev);
  }
}

describe('LineSplitter', () => {
  test('splits across chunks, carries end offsets, holds a partial line', () => {
    const s = new LineSplitter(1000);
    const a = s.push(Buffer.from('one\ntw'), 100);
    assert.deepEqual(
      a.map((l) => [l.bytes.toString(), l.end]),
      [['one\n', 104]],
    );
    const b = s.push(Buffer.from('o\nthree\n'), 106);
    assert.deepEqual(
      b.map((l) => [l.bytes.toString(), l.end]),
      [
        ['two\n', 108],
        ['three\n', 114],
      ],
    );
    assert.equal(s.flush(), null);
  });

  test('cuts a long line at the limit, backing off to a UTF-8 character boundary', () => {
    const s = new LineSplitter(256);
    const text = 'é'.repeat(200); // 400 bytes of two-byte characters
    const lines = s.push(Buffer.from(text), 0);
    assert.equal(lines.length, 1);
    assert.equal(lines[0]?.bytes.length, 256);
    assert.equal(lines[0]?.bytes.toString(), 'é'.repeat(128), 'no character split');
    const rest = s.flush();
    assert.equal(rest?.bytes.toString(), 'é'.repeat(72));
    assert.equal(rest?.end, 400);
    const odd = new LineSplitter(256).push(Buffer.from(`a${'é'.repeat(200)}`), 0);
    assert.equal(odd[0]?.bytes.length, 255, 'backs off one byte to stay on a boundary');
  });
});

describe('backlogStart', () => {
  let dir: string;
  before(async () => {
    dir = await makeLogDir();
  });
  after(() => rm(dir, { recursive: true, force: true }));

  test('finds the start of the last N lines, across block boundaries', async () => {
    const lines = Array.from({ length: 30_000 }, (_, i) => `line ${i + 1}\n`).join('');
    const file = path.join(dir, 'b.log');
    await writeFile(file, lines);
    const fh = await open(file, 'r');
    const size = Buffer.byteLength(lines);
    for (const n of [0, 1, 2, 9_999, 30_000, 40_000]) {
      const start = await backlogStart(fh, size, n, Number.MAX_SAFE_INTEGER);
      const got = lines.slice(start).split('\n').filter(Boolean);
      assert.equal(got.length, Math.min(n, 30_000), `n=${n}`);
      if (n > 0) assert.equal(got.at(-1), 'line 30000');
    }
    assert.equal(await backlogStart(fh, size, 10, 50), size - 50, 'stops after maxBytes');
    await fh.close();
  });
});

/** An engine over `dir` through the real guard, with the test settings every engine test uses. */
function engineOver(dir: string, extra: Partial<EngineOptions> = {}): TailEngine {
  const guard = new FileGuard(dir, false);
  return new TailEngine({
    open: (abs) => guard.open(abs),
    polling: false,
    pollIntervalMs: 1000,
    maxLineBytes: 65536,
    clientBufferBytes: 1 << 20,
    ...extra,
  });
}

describe('TailEngine (no HTTP)', () => {
  let dir: string;
  let engine: TailEngine;
  before(async () => {
    dir = await makeLogDir();
    engine = engineOver(dir);
  });
  after(async () => {
    await engine.close();
    await rm(dir, { recursive: true, force: true });
  });

  test('a follow racing close(), or after it, is refused and leaves no follower, watch or timer behind', async () => {
    const file = path.join(dir, 'closing.log');
    await writeFile(file, 'a\n');
    const own = engineOver(dir);
    // Started in the same turn as close(): it is still waiting for its follower to open when the engine closes.
    const racing = own.follow(file, { lines: 1, wait: false }, new Collector());
    await own.close();
    await assert.rejects(racing, EngineClosedError);
    await assert.rejects(own.follow(file, { lines: 1, wait: false }, new Collector()), EngineClosedError);
    assert.deepEqual(own.stats(), { files: 0, streams: 0 });
  });

  test('a stream leaving while another joins does not close the follower under the newcomer', async () => {
    const file = path.join(dir, 'race.log');
    await writeFile(file, 'a\n');
    for (let i = 0; i < 20; i++) {
      const first = new Collector();
      const second = new Collector();
      const joining = engine.follow(file, { lines: 1, wait: false }, first);
      const joining2 = engine.follow(file, { lines: 1, wait: false }, second);
      (await joining)();
      const leave2 = await joining2;
      await appendFile(file, `n${i}\n`);
      await second.until(() => second.text().includes(`n${i}\n`));
      leave2();
    }
    await new Promise((r) => setImmediate(r)); // the close runs once the start promise settles
    assert.deepEqual(engine.stats(), { files: 0, streams: 0 });
  });

  test('a follower starting while its file is being written never delivers a byte twice', async () => {
    for (let round = 0; round < 10; round++) {
      const file = path.join(dir, `busy-${round}.log`);
      await writeFile(file, '');
      let n = 0;
      let writing = true;
      const writer = (async () => {
        while (writing) await appendFile(file, `line ${++n}\n`);
      })();
      while (n < 20) await new Promise((r) => setImmediate(r));
      const c = new Collector();
      const leave = await engine.follow(file, { lines: 3, wait: false }, c);
      const until = n + 200;
      await c.until(() => c.text().includes(`line ${until}\n`));
      writing = false;
      await writer;
      leave();
      const got = [...c.text().matchAll(/line (\d+)\n/g)].map((m) => Number(m[1]));
      const first = got[0] ?? 0;
      assert.deepEqual(
        got.slice(0, until - first + 1),
        Array.from({ length: until - first + 1 }, (_, i) => first + i),
        `round ${round}`,
      );
    }
  });

  test('backlog then live, with ids continuous across the seam', async () => {
    const file = path.join(dir, 'seam.log');
    await writeFile(file, 'one\ntwo\n');
    const c = new Collector();
    const leave = await engine.follow(file, { lines: 1, wait: false }, c);
    await appendFile(file, 'three\n');
    await c.until(() => c.text() === 'two\nthree\n');
    const data = c.events.filter((e) => e.type === 'data');
    assert.deepEqual(
      data.map((e) => (e.type === 'data' ? [e.start, e.bytes.toString()] : null)),
      [
        [4, 'two\n'],
        [8, 'three\n'],
      ],
    );
    leave();
  });

  test('resumes after a position in the same file, and from the start of another', async () => {
    const file = path.join(dir, 'resume.log');
    await writeFile(file, 'one\ntwo\nthree\n');
    const first = new Collector();
    await engine.read(file, { lines: 1 }, first);
    const ev = first.events[0];
    assert.ok(ev?.type === 'data');
    const same = new Collector();
    await engine.read(file, { lines: 1, from: { file: ev.file, offset: 4 } }, same);
    assert.equal(same.text(), 'two\nthree\n');
    const other = new Collector();
    await engine.read(file, { lines: 1, from: { file: '1', offset: 4 } }, other);
    assert.equal(other.text(), 'one\ntwo\nthree\n');
  });

  test('a sink that throws is ended with error and the others still get every line', async () => {
    const file = path.join(dir, 'throwing.log');
    await writeFile(file, '');
    const errors: unknown[] = [];
    const own = engineOver(dir, { onError: (err) => errors.push(err) });
    try {
      const first = new Collector();
      const thrower = new ThrowingCollector(2);
      const last = new Collector();
      const leaves = [
        await own.follow(file, { lines: 0, wait: false }, first),
        await own.follow(file, { lines: 0, wait: false }, thrower),
        await own.follow(file, { lines: 0, wait: false }, last),
      ];
      const expected = Array.from({ length: 50 }, (_, i) => `line ${i + 1}\n`).join('');
      for (let i = 1; i <= 50; i++) await appendFile(file, `line ${i}\n`);
      await Promise.all([first, last].map((c) => c.until(() => c.text() === expected)));
      assert.equal(thrower.aborted, 'error');
      assert.equal(own.stats().streams, 2, 'the broken sink left the follower');
      assert.ok(
        errors.some((e) => e instanceof Error && e.message === 'sink broke'),
        'the error was reported',
      );
      for (const leave of leaves) leave();
    } finally {
      await own.close();
    }
  });

  test('two rotations between two looks: the middle file is read whole, in order, between the others', async () => {
    const file = path.join(dir, 'twice.log');
    await writeFile(file, 'a1\n');
    const guard = new FileGuard(dir, false);
    const events: FeedEvent[] = [];
    const follower = new Follower(file, (abs) => guard.open(abs));
    follower.listeners.add({ deliver: (ev) => events.push(ev), busy: () => false, ready: () => Promise.resolve() });
    await follower.start();
    await appendFile(file, 'a2\n');
    // What logrotate (create) does twice, with no look in between.
    await rename(file, `${file}.1`);
    await writeFile(file, 'b1\nb2\n');
    await rename(`${file}.1`, `${file}.2`);
    await rename(file, `${file}.1`);
    await writeFile(file, 'c1\n');
    await follower.check();
    follower.close();
    const text = events.map((e) => (e.type === 'data' ? e.bytes.toString() : `[${e.type}]`)).join('');
    assert.equal(text, 'a2\n[switched]b1\nb2\n[switched]c1\n');
  });
});
