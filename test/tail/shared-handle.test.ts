import assert from 'node:assert/strict';
import { mkdtemp, open, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { test } from 'node:test';
import { SharedHandle } from '../../src/tail/shared-handle.js';

test('a read holds the handle: let go of while reading, it is closed only once the read is done', async () => {
  const dir = await mkdtemp(path.join(tmpdir(), 'shared-handle-'));
  try {
    const file = path.join(dir, 'f.log');
    await writeFile(file, 'abcdefghij\n'.repeat(10_000));
    const handle = await open(file, 'r');
    // FileHandle#close sets fd to -1 as it is called: whether it was called is told at once.
    const shared = new SharedHandle(handle);
    const buf = Buffer.alloc(11);
    const reading = shared.read(buf, 0, 11, 11 * 500);
    // The last holder lets go with the read in flight: the descriptor must stay open for it.
    shared.release();
    assert.notEqual(handle.fd, -1, 'not closed under the read');
    assert.equal(await reading, 11);
    assert.equal(buf.toString(), 'abcdefghij\n');
    assert.equal(handle.fd, -1, 'closed once the read is done');
    // A read after the close is refused, never served from whatever the descriptor number leads to now.
    await assert.rejects(shared.read(buf, 0, 11, 0), /already let go of/);
  } finally {
    await rm(dir, { recursive: true, force: true });
  }
});
