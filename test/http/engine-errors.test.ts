import assert from 'node:assert/strict';
import { appendFile, rm, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { openFdNumbers } from '../helpers/proc.js';
import { exitCode, listeningPort, spawnMain } from '../helpers/process.js';
import { makeLogDir } from '../helpers/server.js';
import { openStream, type OpenStream } from '../helpers/stream.js';
import { waitUntil } from '../helpers/wait.js';

const NOFILE = 96;

describe('out of file descriptors: a failure of the server, never "no such file"', () => {
  let dir: string;
  let child: ReturnType<typeof spawnMain>;
  let base: string;
  let log = '';
  const holders: OpenStream[] = [];

  before(async () => {
    dir = await makeLogDir();
    await writeFile(path.join(dir, 'x.log'), 'line 1\nline 2\nline 3\n');
    await writeFile(path.join(dir, 'hold.log'), 'held\n');
    child = spawnMain({ LOG_DIR: dir, POLL_INTERVAL_MS: '200' }, dir, { nofile: NOFILE });
    child.stdout.on('data', (c: Buffer) => {
      log += c.toString();
    });
    base = `http://127.0.0.1:${await listeningPort(child)}`;
    // Streams of one file cost one socket each: hold them until a single descriptor is left.
    while (freeFds() > 1) {
      const s = await openStream(`${base}/tail/hold.log?lines=0`);
      assert.equal(s.status, 200);
      holders.push(s);
    }
  });

  after(async () => {
    for (const s of holders) s.close();
    child.kill('SIGTERM');
    await exitCode(child);
    await rm(dir, { recursive: true, force: true });
  });

  /** Descriptor numbers below the limit not in use: what the server may still open. */
  const freeFds = (): number => NOFILE - openFdNumbers(child.pid ?? 0).filter((fd) => fd < NOFILE).length;
  const oneLeft = (): Promise<void> => waitUntil(() => freeFds() === 1, 'exactly one descriptor free');

  test('a file that exists answers 5xx (not 404), and the log names EMFILE', async () => {
    await oneLeft();
    const res = await openStream(`${base}/tail/x.log`);
    assert.ok(res.status >= 500 && res.status < 600, `status ${res.status}: ${res.text()}`);
    await res.ended;
    assert.doesNotMatch(res.text(), /x\.log|EMFILE|at /, 'no path or cause in the answer');
    await waitUntil(() => log.includes('EMFILE'), 'EMFILE in the server log');
  });

  test('a wait=1 stream asked for meanwhile gets a 5xx, never the whole file later as "created"', async () => {
    await oneLeft();
    const res = await openStream(`${base}/tail/x.log?wait=1&format=sse`);
    if (res.status === 200) {
      // Today: it waits, and once descriptors are free it is handed the whole existing file.
      for (const s of holders.splice(0)) s.close();
      await appendFile(path.join(dir, 'x.log'), 'line 4\n');
      const got = await res.waitFor((t) => t.includes('line 4'), 'line 4').catch(() => res.text());
      res.close();
      assert.fail(`a waiting stream was answered 200 and then sent: ${JSON.stringify(got)}`);
    }
    assert.ok(res.status >= 500 && res.status < 600, `status ${res.status}`);
  });
});
