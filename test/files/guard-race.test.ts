import assert from 'node:assert/strict';
import { rm } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { PathError } from '../../src/files/errors.js';
import { FileGuard } from '../../src/files/guard.js';
import { makeLogDir } from '../helpers/server.js';
import { swapParentWithLinkOut, type SwappedParent } from '../helpers/swap-loop.js';

const SECRET = 'GUARD-RACE-SECRET';
const OPENS = 2000;

describe('FileGuard.open while a parent directory is swapped for a symlink out, in a loop', () => {
  let root: string;
  let swapped: SwappedParent;

  before(async () => {
    root = await makeLogDir('comet-tail-guard-race-');
    swapped = await swapParentWithLinkOut(root, 'inside\n', `${SECRET}\n`);
  });
  after(async () => {
    const swaps = await swapped.stop();
    assert.ok(swaps > 1000, `only ${swaps} swaps`);
    await rm(root, { recursive: true, force: true });
  });

  // The /proc way only: the fallback for systems without /proc (fstat against a fresh resolution) narrows the race but cannot close it.
  test(`${OPENS} opens, checked through /proc/self/fd: only ever the inside file`, async (t) => {
    const guard = new FileGuard(root, false, { procFd: true });
    let opened = 0;
    let refused = 0;
    for (let i = 0; i < OPENS; i++) {
      const file = await guard.open(path.join(root, 'sub', 'a.log')).catch((err: unknown) => {
        assert.ok(err instanceof PathError && err.status === 404, String(err));
        return null;
      });
      if (file === null) {
        refused++;
        continue;
      }
      try {
        assert.equal((await file.handle.readFile()).toString(), 'inside\n');
        opened++;
      } finally {
        await file.handle.close();
      }
    }
    t.diagnostic(`${opened} opened (all the inside file), ${refused} refused`);
    assert.ok(opened > 0 && refused > 0, `the race was not exercised: ${opened} opened, ${refused} refused`);
  });
});
