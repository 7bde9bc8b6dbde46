import assert from 'node:assert/strict';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openStream } from '../helpers/stream.js';
import { swapParentWithLinkOut, type SwappedParent } from '../helpers/swap-loop.js';

const SECRET = 'RACE-SECRET-5d1e';
const HARMLESS = 'harmless line';
const REQUESTS = 300;
// Requests in flight at once: enough to keep the server busy while the swap loop runs.
const CONCURRENCY = 8;

describe('a parent directory swapped for a symlink out of LOG_DIR, in a loop (renameat2 RENAME_EXCHANGE)', () => {
  let srv: TestServer;
  let swapped: SwappedParent;

  before(async () => {
    srv = await startTestServer();
    swapped = await swapParentWithLinkOut(srv.dir, `${HARMLESS}\n`, `${SECRET}\n`);
  });
  after(async () => {
    await swapped.stop();
    await srv.close();
  });

  for (const target of ['/download/sub/a.log', '/tail/sub/a.log?follow=0', '/tail/sub/a.log?format=sse&follow=0']) {
    test(`${REQUESTS} requests for ${target}: never the outside file; the harmless content or a 404`, async (t) => {
      const counts = { ok: 0, notFound: 0, leaked: 0 };
      const unexpected: string[] = [];
      let next = 0;
      const worker = async (): Promise<void> => {
        while (next < REQUESTS) {
          next++;
          const res = await fetch(`${srv.url}${target}`);
          const body = await res.text();
          if (body.includes(SECRET)) counts.leaked++;
          else if (res.status === 200 && body.includes(HARMLESS)) counts.ok++;
          else if (res.status === 404) counts.notFound++;
          else unexpected.push(`${res.status} ${JSON.stringify(body.slice(0, 200))}`);
        }
      };
      await Promise.all(Array.from({ length: CONCURRENCY }, worker));
      t.diagnostic(`${target}: ${counts.ok} served, ${counts.notFound} 404, ${counts.leaked} leaked, of ${REQUESTS}`);
      assert.equal(counts.leaked, 0, `${counts.leaked} of ${REQUESTS} answers held the outside file`);
      assert.deepEqual(unexpected, []);
      assert.equal(counts.ok + counts.notFound, REQUESTS);
    });
  }

  test('a followed file, re-opened whenever a poll sees another inode behind the name, never switches to the outside file', async (t) => {
    // A second server over the same directory, polling every 10 ms: while `sub` is swapped, each poll sees the outside inode and re-opens.
    const polling = await startTestServer({ POLL_INTERVAL_MS: '10' }, srv.dir);
    let stream = await openStream(`${polling.url}/tail/sub/a.log?lines=0`);
    try {
      for (let tries = 1; stream.status !== 200 && tries < 100; tries++) {
        stream.close();
        stream = await openStream(`${polling.url}/tail/sub/a.log?lines=0`);
      }
      assert.equal(stream.status, 200, 'could not start a follow stream in 100 tries');
      // The exposure window, ~300 polls; it ends early only on a leak.
      const leak = await stream
        .waitFor((text) => text.includes(SECRET), 'a leak', 3000)
        .then(
          () => true,
          () => false,
        );
      t.diagnostic(
        `follow stream: ${leak ? 'received' : 'did not receive'} the outside file; ${stream.body.length} bytes in all`,
      );
      assert.equal(leak, false, 'the follower switched to the outside file');
      // Nothing else either: nothing was appended, and a re-open that finds the same file is no rotation (no re-read from 0).
      assert.equal(stream.text(), '');
    } finally {
      stream.close();
      await polling.close();
    }
  });
});
