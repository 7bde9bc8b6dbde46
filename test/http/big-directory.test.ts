import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, test } from 'node:test';
import { mapLimit } from '../../src/shared/map-limit.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const FILES = 20_000;
let srv: TestServer;

before(async () => {
  srv = await startTestServer();
  // File i holds i % 97 bytes, so every size in the answer can be checked.
  await mapLimit(
    Array.from({ length: FILES }, (_, i) => i),
    64,
    (i) => writeFile(path.join(srv.dir, `app-${i}.log`), 'x'.repeat(i % 97)),
  );
});
after(() => srv.close());

test('the JSON index of a directory of 20,000 files lists every one, in natural order, with its size', {
  timeout: 60_000,
}, async () => {
  const started = Date.now();
  const res = await fetch(`${srv.url}/`, { headers: { Accept: 'application/json' } });
  assert.equal(res.status, 200);
  const body = (await res.json()) as { entries: Array<{ name: string; size: number; type: string }> };
  const ms = Date.now() - started;
  assert.equal(body.entries.length, FILES);
  body.entries.forEach((e, i) => {
    assert.equal(e.name, `app-${i}.log`);
    assert.equal(e.type, 'file');
    assert.equal(e.size, i % 97, e.name);
  });
  process.stdout.write(`# index of ${FILES} files: ${ms} ms\n`);
});
