import assert from 'node:assert/strict';
import { mkdir, mkdtemp, open, rename, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { DirWatches, type NameListener } from '../../src/tail/dir-watch.js';

/** A listener that counts what it is told and lets a test await the next of each. */
function listener(): NameListener & { names: number; lost: number; next(kind: 'name' | 'lost'): Promise<void> } {
  const waiting: Array<{ kind: 'name' | 'lost'; resolve: () => void }> = [];
  const tell = (kind: 'name' | 'lost'): void => {
    const due = waiting.filter((w) => w.kind === kind);
    waiting.splice(0, waiting.length, ...waiting.filter((w) => w.kind !== kind));
    for (const w of due) w.resolve();
  };
  const l = {
    names: 0,
    lost: 0,
    onName: () => {
      l.names++;
      tell('name');
    },
    onLost: () => {
      l.lost++;
      tell('lost');
    },
    next: (kind: 'name' | 'lost') =>
      new Promise<void>((resolve, reject) => {
        const timer = setTimeout(() => reject(new Error(`not told ${kind} within 5 s`)), 5000);
        waiting.push({
          kind,
          resolve: () => {
            clearTimeout(timer);
            resolve();
          },
        });
      }),
  };
  return l;
}

describe('DirWatches (real inotify)', () => {
  let root: string;
  const dirs = new DirWatches();
  before(async () => {
    root = await mkdtemp(path.join(tmpdir(), 'dir-watch-'));
  });
  after(async () => {
    dirs.close();
    await rm(root, { recursive: true, force: true });
  });

  test('tells a name created in the directory', async () => {
    await mkdir(path.join(root, 'a'));
    const l = listener();
    assert.equal(dirs.watch(path.join(root, 'a', 'f.log'), l), true);
    const told = l.next('name');
    await writeFile(path.join(root, 'a', 'f.log'), 'x\n');
    await told;
    dirs.unwatch(path.join(root, 'a', 'f.log'), l);
  });

  test('a directory deleted with nothing in it open, or moved away, is told lost', async () => {
    for (const how of ['deleted', 'moved'] as const) {
      const dir = path.join(root, `gone-${how}`);
      await mkdir(dir);
      const l = listener();
      assert.equal(dirs.watch(path.join(dir, 'f.log'), l), true);
      const lost = l.next('lost');
      if (how === 'deleted') await rm(dir, { recursive: true });
      else await rename(dir, `${dir}.old`);
      await lost;
      assert.equal(l.lost, 1, how);
      assert.equal(dirs.watch(path.join(dir, 'f.log'), l), false, `${how}: nothing to watch at the path now`);
    }
  });

  test('deleted while a file in it is open (no event says so): asked again, the watch moves to the directory made in its place', async () => {
    const dir = path.join(root, 'redeployed');
    await mkdir(dir);
    const name = path.join(dir, 'f.log');
    await writeFile(name, 'x\n');
    const pin = await open(name, 'r');
    try {
      const l = listener();
      assert.equal(dirs.watch(name, l), true);
      const deleted = l.next('name');
      await rm(dir, { recursive: true });
      await deleted;
      await mkdir(dir);
      assert.equal(l.lost, 0, 'the open file keeps the old directory: its watch says nothing more');
      assert.equal(dirs.watch(name, l), true);
      assert.equal(l.lost, 1, 'the old watch is given up, and said so');
      const created = l.next('name');
      await writeFile(name, 'y\n');
      await created;
    } finally {
      await pin.close();
    }
  });
});
