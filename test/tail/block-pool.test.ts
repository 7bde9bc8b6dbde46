import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { appendFile, rm, stat, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { FileGuard } from '../../src/files/guard.js';
import { BLOCK_BYTES } from '../../src/tail/backlog.js';
import { blockPart, type BlockLease, BlockPool } from '../../src/tail/block-pool.js';
import { TailEngine } from '../../src/tail/engine.js';
import type { FeedEvent, FeedSink } from '../../src/tail/feed.js';
import { Follower } from '../../src/tail/follower.js';
import { makeLogDir } from '../helpers/server.js';

type DataEvent = Extract<FeedEvent, { type: 'data' }>;

describe('BlockPool', () => {
  test('a block is lent again only once every holder has released it', () => {
    const pool = new BlockPool();
    const first = pool.take();
    first.retain();
    first.release();
    const second = pool.take();
    assert.notEqual(second.bytes, first.bytes, 'still held by its second holder');
    assert.equal(pool.lent, 2);
    first.release();
    assert.equal(pool.lent, 1, 'given back by its last holder');
    assert.equal(pool.take().bytes, first.bytes, 'free again after the last release');
    assert.equal(first.bytes.length, BLOCK_BYTES);
  });

  test('keeps at most `keep` free blocks', () => {
    const pool = new BlockPool(2);
    const leases = [pool.take(), pool.take(), pool.take()];
    for (const l of leases) l.release();
    const again = [pool.take(), pool.take(), pool.take()].map((l) => l.bytes);
    const before = new Set(leases.map((l) => l.bytes));
    assert.equal(again.filter((b) => before.has(b)).length, 2);
  });

  test('half a block or more goes out in the block with its lease; less is copied', () => {
    const pool = new BlockPool();
    const lease = pool.take();
    lease.bytes.fill(0x61);
    const big = blockPart(lease, 10, 10 + BLOCK_BYTES / 2);
    assert.equal(big.lease, lease);
    assert.equal(big.bytes.buffer, lease.bytes.buffer);
    assert.equal(big.bytes.byteOffset, lease.bytes.byteOffset + 10, 'a view of the block itself');
    const small = blockPart(lease, 10, 10 + BLOCK_BYTES / 2 - 1);
    assert.equal(small.lease, undefined);
    assert.notEqual(small.bytes.buffer, lease.bytes.buffer);
    lease.bytes.fill(0x62);
    assert.equal(small.bytes.toString(), 'a'.repeat(BLOCK_BYTES / 2 - 1), 'the copy keeps its bytes');
  });
});

describe('the follower reads into pooled blocks', () => {
  let dir: string;
  let guard: FileGuard;
  before(async () => {
    dir = await makeLogDir();
    guard = new FileGuard(dir, false);
  });
  after(() => rm(dir, { recursive: true, force: true }));

  /** An empty file and a follower of it with a pool of its own. */
  async function emptyFollowed(name: string): Promise<{ file: string; pool: BlockPool; follower: Follower }> {
    const file = path.join(dir, name);
    await writeFile(file, '');
    const pool = new BlockPool();
    const follower = new Follower(file, (abs) => guard.open(abs), undefined, {
      maxLineBytes: 65536,
      watchContent: true,
      pool,
    });
    return { file, pool, follower };
  }

  /** Appends 2 MiB read through the name's path (readToEnd), then 2 MiB through the content path (readAppended). */
  async function burst(file: string, follower: Follower): Promise<Buffer> {
    const a = randomBytes(2 * 1024 * 1024);
    const b = randomBytes(2 * 1024 * 1024);
    await appendFile(file, a);
    await follower.check('name');
    await appendFile(file, b);
    await follower.check('content');
    return Buffer.concat([a, b]);
  }

  test('with no holder, one block serves every read, and each read was handed whole before the next', async () => {
    const { file, follower } = await emptyFollowed('free.log');
    const copies: Buffer[] = [];
    const blocks = new Set<Buffer>();
    follower.listeners.add({
      deliver: (ev) => {
        if (ev.type !== 'data') return;
        copies.push(Buffer.from(ev.bytes));
        if (ev.lease !== undefined) blocks.add(ev.lease.bytes);
      },
      busy: () => false,
      ready: () => Promise.resolve(),
    });
    await follower.start();
    const written = await burst(file, follower);
    follower.close();
    assert.ok(Buffer.concat(copies).equals(written), 'every byte, in order');
    assert.ok(copies.length >= 64, `${copies.length} reads`);
    assert.equal(blocks.size, 1, 'the one block was read into again each time');
  });

  test('a holder that retains each lease keeps its bytes: no block it holds is read into', async () => {
    const { file, pool, follower } = await emptyFollowed('held.log');
    const held: DataEvent[] = [];
    const leases: BlockLease[] = [];
    follower.listeners.add({
      deliver: (ev) => {
        if (ev.type !== 'data') return;
        ev.lease?.retain();
        if (ev.lease !== undefined) leases.push(ev.lease);
        held.push(ev);
      },
      busy: () => false,
      ready: () => Promise.resolve(),
    });
    await follower.start();
    const written = await burst(file, follower);
    follower.close();
    assert.ok(Buffer.concat(held.map((e) => e.bytes)).equals(written), 'every byte held is still the byte read');
    assert.ok(leases.length >= 60, `${leases.length} reads lent in their block`);
    assert.equal(new Set(leases.map((l) => l.bytes)).size, leases.length, 'a block per held read');
    for (const l of leases) l.release();
    const reused = pool.take();
    assert.ok(
      leases.some((l) => l.bytes === reused.bytes),
      'released blocks are lent again',
    );
  });

  test('a stream whose backlog is still being sent keeps the live reads queued for it intact', async () => {
    const file = path.join(dir, 'queued.log');
    const start = randomBytes(256 * 1024);
    await writeFile(file, start);
    const engine = new TailEngine({
      open: (abs) => guard.open(abs),
      polling: false,
      pollIntervalMs: 1000,
      maxLineBytes: 65536,
      clientBufferBytes: 1024 * 1024 * 1024,
    });
    try {
      const live = new CopyingSink();
      const leaveLive = await engine.follow(file, { lines: 0, wait: false }, live);
      // Takes its first backlog block, then says it is full until the gate opens: the live feed queues meanwhile.
      const gated = new CopyingSink();
      let open: () => void = () => undefined;
      const gate = new Promise<void>((resolve) => {
        open = resolve;
      });
      let full = true;
      gated.pendingBytes = () => (full ? Number.MAX_SAFE_INTEGER : 0);
      gated.ready = () => gate;
      const following = engine.follow(
        file,
        { lines: 0, from: { file: String((await stat(file)).ino), offset: 0 }, wait: false },
        gated,
      );
      await gated.until(() => gated.bytes().length > 0);
      const more = randomBytes(2 * 1024 * 1024);
      for (let at = 0; at < more.length; at += 256 * 1024) await appendFile(file, more.subarray(at, at + 256 * 1024));
      // Every read has been handed out once the live stream has it all: the gated one has them queued.
      await live.until(() => live.bytes().length === more.length);
      full = false;
      open();
      const leaveGated = await following;
      assert.ok(live.bytes().equals(more), 'the live stream: every appended byte');
      assert.ok(
        gated.bytes().equals(Buffer.concat([start, more])),
        'the gated stream: its backlog, then every queued read, intact',
      );
      leaveLive();
      leaveGated();
    } finally {
      await engine.close();
    }
  });
});

/** Copies what it is given (the bytes of a read block are its only during event()), and lets a test await a condition. */
class CopyingSink implements FeedSink {
  private readonly got: Buffer[] = [];
  private readonly waiters = new Set<() => void>();
  event(ev: FeedEvent): void {
    if (ev.type === 'data') this.got.push(Buffer.from(ev.bytes));
    for (const w of this.waiters) w();
  }
  bytes(): Buffer {
    return Buffer.concat(this.got);
  }
  until(cond: () => boolean): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out with ${this.bytes().length} bytes`)), 20_000);
      const check = (): void => {
        if (!cond()) return;
        clearTimeout(timer);
        this.waiters.delete(check);
        resolve();
      };
      this.waiters.add(check);
      check();
    });
  }
  closed(): boolean {
    return false;
  }
  pendingBytes(): number {
    return 0;
  }
  ready(): Promise<void> {
    return Promise.resolve();
  }
  abort(): void {}
}
