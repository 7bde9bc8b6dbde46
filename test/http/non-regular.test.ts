import assert from 'node:assert/strict';
import { execFileSync, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { mkdir, open, rename, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeLogDir, startTestServer, type TestServer } from '../helpers/server.js';
import { openStream } from '../helpers/stream.js';

const SECRET = 'NON-REGULAR-SECRET-91c2';

/** Every kind of name that exists but may not be served, made fresh under `dir`. */
const KINDS: Record<string, (dir: string, name: string, outside: string) => Promise<void>> = {
  absent: async () => {},
  fifo: async (dir, name) => {
    execFileSync('mkfifo', [path.join(dir, name)]);
  },
  socket: async (dir, name) => {
    const server = net.createServer();
    await new Promise<void>((resolve) => server.listen(path.join(dir, name), resolve));
    // Listening until the end of the suite, so the socket file stays a live socket.
    sockets.push(server);
  },
  device: async (dir, name) => {
    execFileSync('mknod', [path.join(dir, name), 'c', '1', '3']);
  },
  'link to /dev/null': async (dir, name) => {
    await symlink('/dev/null', path.join(dir, name));
  },
  'link out': async (dir, name, outside) => {
    await symlink(path.join(outside, 'secret.log'), path.join(dir, name));
  },
  'link to a dot-file': async (dir, name) => {
    await symlink(path.join(dir, '.hidden.log'), path.join(dir, name));
  },
  'link to a directory': async (dir, name) => {
    await symlink(path.join(dir, 'sub'), path.join(dir, name));
  },
};
const sockets: net.Server[] = [];

/** Puts a regular file with `content` in place of whatever `name` is, in one step (rename), as a logger re-creating its file would. */
async function replaceWithFile(dir: string, name: string, content: string): Promise<void> {
  const tmp = path.join(dir, `.tmp-${name}`);
  await writeFile(tmp, content);
  await rename(tmp, path.join(dir, name));
}

describe('a name that exists but may not be served (FIFO, socket, device, link out) is treated as absent and never opened', () => {
  let srv: TestServer;
  let outside: string;

  before(async () => {
    outside = await makeLogDir('comet-tail-nonreg-outside-');
    await writeFile(path.join(outside, 'secret.log'), `${SECRET}\n`);
    // A small poll interval, so a follower waiting on a name looks at it many times within the test.
    srv = await startTestServer({ POLL_INTERVAL_MS: '50' });
    await writeFile(path.join(srv.dir, '.hidden.log'), `${SECRET}\n`);
    await mkdir(path.join(srv.dir, 'sub'));
  });
  after(async () => {
    for (const s of sockets) s.close();
    await srv.close();
    await rm(outside, { recursive: true, force: true });
  });

  test('the same 404 as an absent name on every route that reads a file', async () => {
    const answers = new Map<string, string>();
    for (const [kind, make] of Object.entries(KINDS)) {
      const name = `plain-${kind.replace(/\W/g, '-')}.log`;
      await make(srv.dir, name, outside);
      const seen: string[] = [];
      for (const route of [
        '/tail/NAME?follow=0',
        '/tail/NAME',
        '/tail/NAME?format=sse&follow=0',
        '/download/NAME',
        '/view/NAME',
      ]) {
        const res = await fetch(`${srv.url}${route.replace('NAME', name)}`);
        seen.push(`${route} ${res.status} ${await res.text()}`);
      }
      answers.set(kind, seen.join('\n').replaceAll(name, 'NAME'));
    }
    const absent = answers.get('absent');
    assert.match(absent ?? '', /^\/tail\/NAME\?follow=0 404 /);
    for (const [kind, seen] of answers) assert.equal(seen, absent, `${kind} answered unlike an absent name`);
  });

  test('wait=1 waits on each such name as on an absent one (headers, no body), then streams the regular file that replaces it', async () => {
    const outcomes = new Map<string, string>();
    for (const [kind, make] of Object.entries(KINDS)) {
      const name = `wait-${kind.replace(/\W/g, '-')}.log`;
      await make(srv.dir, name, outside);
      const stream = await openStream(`${srv.url}/tail/${name}?wait=1`);
      try {
        if (stream.status !== 200 || stream.text() !== '' || stream.completed()) {
          await stream.ended;
          outcomes.set(kind, `not waiting: ${stream.status} ${stream.text().trim()}`);
          continue;
        }
        assert.equal(stream.headers['content-type'], 'text/plain; charset=utf-8', kind);
        await replaceWithFile(srv.dir, name, `first ${kind}\nsecond ${kind}\n`);
        // Exactly the new file's lines: nothing was sent while the stream waited.
        outcomes.set(
          kind,
          await stream.waitFor((t) => t.includes(`second ${kind}\n`), `${kind}: the lines of the new file`),
        );
      } finally {
        stream.close();
      }
    }
    assert.deepEqual(
      Object.fromEntries(outcomes),
      Object.fromEntries(Object.keys(KINDS).map((kind) => [kind, `first ${kind}\nsecond ${kind}\n`])),
    );
  });

  test('a FIFO put where a wait=1 stream waits is never opened, at no poll (a writer to it finds no reader)', async (t) => {
    const name = 'waited.fifo.log';
    const fifo = path.join(srv.dir, name);
    const stream = await openStream(`${srv.url}/tail/${name}?wait=1`);
    // A writer blocks in open() until someone opens the FIFO for reading: it would be released by the server's open.
    let writer: ReturnType<typeof spawn> | null = null;
    try {
      assert.equal(stream.status, 200);
      execFileSync('mkfifo', [fifo]);
      writer = spawn('sh', ['-c', 'echo released > "$0"', fifo], { stdio: 'ignore' });
      const writerExited = new Promise<void>((resolve) => writer?.once('exit', () => resolve()));
      const started = Date.now();
      let releasedAfterMs: number | null = null;
      void writerExited.then(() => (releasedAfterMs = Date.now() - started));
      // Probe for ~1.5 s (30 polls of the follower): a non-blocking open for writing succeeds only while a reader has the FIFO open.
      let probes = 0;
      let opened = 0;
      while (Date.now() - started < 1500) {
        probes++;
        try {
          const h = await open(fifo, constants.O_WRONLY | constants.O_NONBLOCK);
          opened++;
          await h.close();
        } catch (err) {
          assert.equal((err as NodeJS.ErrnoException).code, 'ENXIO');
        }
      }
      t.diagnostic(
        `${probes} probes, ${opened} found a reader; blocked writer released after ${String(releasedAfterMs)} ms`,
      );
      assert.equal(releasedAfterMs, null, 'the blocked writer was released: the server opened the FIFO');
      assert.equal(opened, 0, `a writer could open the FIFO ${opened} times out of ${probes}: the server had it open`);
      assert.ok(probes > 100, `only ${probes} probes`);
      assert.equal(stream.text(), '');
      // Let the writer go (we are its reader) before the name becomes a regular file.
      if (releasedAfterMs === null) {
        const reader = await open(fifo, constants.O_RDONLY | constants.O_NONBLOCK);
        await writerExited;
        await reader.close();
      }
      await replaceWithFile(srv.dir, name, 'now a file\n');
      assert.equal(
        await stream.waitFor((t) => t.includes('now a file\n'), 'the lines of the new file'),
        'now a file\n',
      );
    } finally {
      if (writer !== null && writer.exitCode === null) writer.kill();
      stream.close();
    }
  });
});
