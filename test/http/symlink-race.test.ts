import assert from 'node:assert/strict';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeLogDir, startTestServer, type TestServer } from '../helpers/server.js';
import { startSwapLoop, type SwapLoop } from '../helpers/swap-loop.js';

const SECRET = 'RACE-SECRET-5d1e';
const HARMLESS = 'harmless line';
const REQUESTS = 300;
// Requests in flight at once: enough to keep the server busy while the swap loop runs.
const CONCURRENCY = 8;

describe('a parent directory swapped for a symlink out of LOG_DIR, in a loop (renameat2 RENAME_EXCHANGE)', () => {
  let srv: TestServer;
  let outside: string;
  let swapper: SwapLoop;

  before(async () => {
    outside = await makeLogDir('comet-tail-race-outside-');
    await writeFile(path.join(outside, 'a.log'), `${SECRET}\n`);
    srv = await startTestServer();
    await mkdir(path.join(srv.dir, 'sub'));
    await writeFile(path.join(srv.dir, 'sub', 'a.log'), `${HARMLESS}\n`);
    await symlink(outside, path.join(srv.dir, 'sub2'));
    swapper = await startSwapLoop(path.join(srv.dir, 'sub'), path.join(srv.dir, 'sub2'));
  });
  after(async () => {
    await swapper.stop();
    await srv.close();
    await rm(outside, { recursive: true, force: true });
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
});
