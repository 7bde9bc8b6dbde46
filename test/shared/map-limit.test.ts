import assert from 'node:assert/strict';
import { test } from 'node:test';
import { setImmediate as nextTurn } from 'node:timers/promises';
import { mapLimit } from '../../src/shared/map-limit.js';

test("mapLimit: every result in the items' order, never more than the limit in flight", async () => {
  let inFlight = 0;
  let most = 0;
  const items = Array.from({ length: 1000 }, (_, i) => i);
  const results = await mapLimit(items, 32, async (i) => {
    inFlight++;
    most = Math.max(most, inFlight);
    // Later items finish sooner, so order comes from the indexes, not from completion.
    for (let t = 0; t < (1000 - i) % 7; t++) await nextTurn();
    inFlight--;
    return i * 2;
  });
  assert.deepEqual(
    results,
    items.map((i) => i * 2),
  );
  assert.equal(most, 32);
});

test('mapLimit: the first failure rejects the whole; an empty list is an empty result', async () => {
  await assert.rejects(
    mapLimit([1, 2, 3], 2, async (i) => {
      if (i === 2) throw new Error('EIO');
      return i;
    }),
    /EIO/,
  );
  assert.deepEqual(await mapLimit([], 32, async () => 1), []);
});
