import assert from 'node:assert/strict';
import { execFileSync, spawn, type ChildProcess } from 'node:child_process';
import { mkdir, readlink, realpath, rm, stat, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import fc from 'fast-check';
import { PathError } from '../../src/files/errors.js';
import { FileGuard } from '../../src/files/guard.js';
import { rawGet } from '../helpers/raw-http.js';
import { makeLogDir, startTestServer, type TestServer } from '../helpers/server.js';

const SECRET = 'PROPERTY-SECRET-e40b';
const HIDDEN = 'HIDDEN-CONTENT-77aa';
/** What each regular file inside the root holds: a 200 may carry nothing else. */
const [OK_TEXT, INNER_TEXT, DOTS_TEXT] = ['fine\n', 'inner\n', 'two dots\n'] as const;
const VISIBLE: readonly string[] = [OK_TEXT, INNER_TEXT, DOTS_TEXT];

/** Symlinks made once, of every kind: inside, out, to a dot-file, loops, to a FIFO, a socket, a device. */
const LINKS: Record<string, string> = {
  'link-in': 'ok.log',
  'link-in-dir': 'sub',
  'link-root': '.',
  'link-out': 'OUTSIDE/secret.log',
  'link-out-dir': 'OUTSIDE',
  'link-sibling': '../logs2/secret.log',
  'link-parent': '..',
  'link-hidden': '.hidden.log',
  'link-hidden-dir': '.dotdir',
  'loop-a': 'loop-b',
  'loop-b': 'loop-a',
  'self-loop': 'self-loop',
  'fifo-link': 'fifo',
  'sock-link': 'sock',
  'dev-link': '/dev/null',
  dangling: 'nowhere',
};

const PIECES = [
  '..',
  '.',
  '/',
  '//',
  '\\',
  '%2e%2e',
  '%252e',
  '%2f',
  '%00',
  '\0',
  '．．',
  '‥',
  '\u2215',
  '\uff0f',
  '...',
  '..foo.log',
  'ok.log',
  'sub',
  'inner.log',
  '.hidden.log',
  '.dotdir',
  'x.log',
  'secret.log',
  'logs2',
  'fifo',
  'sock',
  'fly',
  ...Object.keys(LINKS),
];

// Mostly the pieces above, now and then anything at all; joined with or without separators.
const segment = fc.oneof(
  { weight: 6, arbitrary: fc.constantFrom(...PIECES) },
  { weight: 1, arbitrary: fc.string({ maxLength: 4, unit: 'binary' }) },
);
const hostilePath = fc
  .array(fc.tuple(segment, fc.constantFrom('/', '/', '', '//')), { maxLength: 6 })
  .map((parts) => parts.map(([s, sep]) => s + sep).join(''));
// Names that exist, joined plainly: enough paths that resolve, so the checks on what is handed out run often.
const NAMES = [
  'ok.log',
  'sub',
  'inner.log',
  '..foo.log',
  '.',
  'fly',
  '.dotdir',
  'x.log',
  '.hidden.log',
  'link-in',
  'link-in-dir',
  'link-root',
  'link-hidden-dir',
  'link-out-dir',
  'secret.log',
];
const namedPath = fc
  .array(fc.constantFrom(...NAMES), { minLength: 1, maxLength: 4 })
  .chain((names) => fc.constantFrom('/', '//').map((sep) => names.join(sep)));
const relPath = fc.oneof(hostilePath, namedPath);
/** A symlink made for one run only: where it lives and what it points at (a generated path, relative or absolute). */
const flyLink = fc.option(
  fc.record({
    where: fc.constantFrom('', 'sub', '.dotdir'),
    target: fc.oneof(
      relPath,
      relPath.map((p) => `/${p}`),
      fc.constantFrom('OUTSIDE', 'OUTSIDE/secret.log', '/etc/passwd', '/dev/zero'),
    ),
  }),
);

/** Request targets as a client could send them: every byte outside printable ASCII, and '?' and '#', percent-encoded. */
const toTarget = (rel: string): string =>
  [...Buffer.from(rel, 'utf8')]
    .map((b) =>
      b > 0x20 && b < 0x7f && b !== 0x3f && b !== 0x23 ? String.fromCharCode(b) : `%${b.toString(16).padStart(2, '0')}`,
    )
    .join('');

describe('property: no generated path resolves outside LOG_DIR or reaches a non-regular file', () => {
  let base: string;
  let root: string;
  let outside: string;
  let writer: ChildProcess;
  let writerExited = false;
  let socket: net.Server;

  before(async () => {
    base = await makeLogDir('comet-tail-prop-');
    outside = await makeLogDir('comet-tail-prop-outside-');
    root = path.join(base, 'logs');
    await mkdir(root);
    await mkdir(path.join(base, 'logs2'));
    await writeFile(path.join(base, 'logs2', 'secret.log'), `${SECRET}\n`);
    await writeFile(path.join(base, 'secret.log'), `${SECRET}\n`);
    await writeFile(path.join(outside, 'secret.log'), `${SECRET}\n`);
    await writeFile(path.join(root, 'ok.log'), OK_TEXT);
    await mkdir(path.join(root, 'sub'));
    await writeFile(path.join(root, 'sub', 'inner.log'), INNER_TEXT);
    await writeFile(path.join(root, '..foo.log'), DOTS_TEXT);
    await writeFile(path.join(root, '.hidden.log'), `${HIDDEN}\n`);
    await mkdir(path.join(root, '.dotdir'));
    await writeFile(path.join(root, '.dotdir', 'x.log'), `${HIDDEN}\n`);
    execFileSync('mkfifo', [path.join(root, 'fifo')]);
    socket = net.createServer();
    await new Promise<void>((resolve) => socket.listen(path.join(root, 'sock'), resolve));
    for (const [name, target] of Object.entries(LINKS))
      await symlink(target.replace('OUTSIDE', outside), path.join(root, name));
    // Blocked in open() until someone opens the FIFO for reading: still blocked at the end means nobody did.
    writer = spawn('sh', ['-c', 'echo released > "$0"', path.join(root, 'fifo')], { stdio: 'ignore' });
    writer.once('exit', () => (writerExited = true));
  });
  after(async () => {
    if (!writerExited) writer.kill();
    socket.close();
    await rm(base, { recursive: true, force: true });
    await rm(outside, { recursive: true, force: true });
  });

  /** Containment checked independently of the guard: by path.relative on the real path, no dot-segment unless shown. */
  const admitted = (real: string, showHidden: boolean): boolean => {
    const rel = path.relative(root, real);
    if (rel === '..' || rel.startsWith(`..${path.sep}`) || path.isAbsolute(rel)) return false;
    return showHidden || !rel.split(path.sep).some((s) => s.startsWith('.'));
  };

  async function makeFly(fly: { where: string; target: string } | null): Promise<string | null> {
    if (fly === null || fly.target === '' || fly.target.includes('\0')) return null;
    const at = path.join(root, fly.where, 'fly');
    await symlink(fly.target.replace('OUTSIDE', outside), at);
    return at;
  }

  /** Runs one guard call; a refusal must be a PathError (400 or 404), anything it hands out is checked by `check`. */
  /** How many calls each method answered and refused, so a run that only ever refuses shows. */
  const tally = new Map<string, number>();
  async function refusedOr<T>(
    method: string,
    call: () => Promise<T>,
    check: (value: T) => Promise<void>,
  ): Promise<void> {
    let value: T;
    try {
      value = await call();
    } catch (err) {
      assert.ok(err instanceof PathError, `${method}: not a PathError: ${String(err)}`);
      tally.set(`${method} ${err.status}`, (tally.get(`${method} ${err.status}`) ?? 0) + 1);
      return;
    }
    tally.set(`${method} ok`, (tally.get(`${method} ok`) ?? 0) + 1);
    await check(value);
  }

  async function assertConfined(guard: FileGuard, showHidden: boolean, rel: string): Promise<void> {
    const kind = async (
      abs: string,
      expected: (st: Awaited<ReturnType<typeof stat>>) => boolean,
      what: string,
    ): Promise<void> => {
      const real = await realpath(abs);
      assert.ok(admitted(real, showHidden), `${JSON.stringify(rel)} resolved to ${real}`);
      assert.ok(expected(await stat(real)), `${JSON.stringify(rel)} is not ${what}`);
    };
    await refusedOr(
      'file',
      () => guard.file(rel),
      (r) => kind(r.abs, (st) => st.isFile(), 'a regular file'),
    );
    await refusedOr(
      'dir',
      () => guard.dir(rel),
      (r) => kind(r.abs, (st) => st.isDirectory(), 'a directory'),
    );
    await refusedOr(
      'entry',
      () => guard.entry(rel),
      (r) => kind(r.abs, (st) => st.isFile() || st.isDirectory(), 'a file or directory'),
    );
    await refusedOr(
      'fileOrAbsent',
      () => guard.fileOrAbsent(rel),
      async (r) => {
        // Absent: only a name inside the root, to be waited for (and opened through the guard).
        if (r.stat === null) assert.ok(admitted(r.abs, true), `${JSON.stringify(rel)} waits on ${r.abs}`);
        else await kind(r.abs, (st) => st.isFile(), 'a regular file');
      },
    );
    await refusedOr(
      'open',
      async () => guard.open(guard.locate(rel).abs),
      async ({ handle }) => {
        try {
          assert.ok((await handle.stat()).isFile(), `${JSON.stringify(rel)} opened a non-regular file`);
          const where = await readlink(`/proc/self/fd/${handle.fd}`);
          assert.ok(admitted(where, showHidden), `${JSON.stringify(rel)} opened ${where}`);
          const content = (await handle.readFile()).toString();
          assert.ok(!content.includes(SECRET), `${JSON.stringify(rel)} opened the secret`);
          if (!showHidden) assert.ok(!content.includes(HIDDEN), `${JSON.stringify(rel)} opened a dot-file`);
        } finally {
          await handle.close();
        }
      },
    );
  }

  test('thousands of paths against file, dir, entry, fileOrAbsent and open, with and without SHOW_HIDDEN and /proc', async (t) => {
    const guards = [
      { guard: new FileGuard(root, false, { procFd: true }), showHidden: false },
      { guard: new FileGuard(root, true, { procFd: false }), showHidden: true },
    ];
    await fc.assert(
      fc.asyncProperty(relPath, flyLink, async (rel, fly) => {
        const at = await makeFly(fly);
        try {
          for (const { guard, showHidden } of guards) await assertConfined(guard, showHidden, rel);
        } finally {
          if (at !== null) await rm(at);
        }
      }),
      { numRuns: 3000 },
    );
    t.diagnostic(
      [...tally]
        .sort()
        .map(([k, n]) => `${k}: ${n}`)
        .join(', '),
    );
    for (const method of ['file', 'dir', 'entry', 'fileOrAbsent', 'open'])
      assert.ok((tally.get(`${method} ok`) ?? 0) > 50, `${method} hardly ever answered`);
    assert.equal(writerExited, false, 'the FIFO was opened');
  });

  describe('over HTTP', () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({}, root);
    });
    after(() => srv.close());

    test('a few hundred generated paths on /download and /tail: 200 with an inside file, or 400/404 with one line', async (t) => {
      const statuses = new Map<number, number>();
      await fc.assert(
        fc.asyncProperty(relPath, flyLink, async (rel, fly) => {
          const at = await makeFly(fly);
          try {
            for (const target of [`/download/${toTarget(rel)}`, `/tail/${toTarget(rel)}?follow=0`]) {
              const { status, body } = await rawGet(srv.running.port, target);
              statuses.set(status, (statuses.get(status) ?? 0) + 1);
              assert.ok(
                !body.includes(SECRET) && !body.includes(HIDDEN) && !body.includes('root:x:0:0'),
                `${target} leaked: ${body}`,
              );
              if (status === 200)
                assert.ok(VISIBLE.includes(body), `${target} answered 200 with ${JSON.stringify(body)}`);
              else {
                assert.ok(status === 400 || status === 404, `${target} answered ${status}`);
                assert.match(body, /^[^\n]+\n?$/, `${target}: not a one-line body`);
              }
            }
          } finally {
            if (at !== null) await rm(at);
          }
        }),
        { numRuns: 300 },
      );
      t.diagnostic(`answers: ${[...statuses].map(([status, n]) => `${n} × ${status}`).join(', ')}`);
      assert.equal(writerExited, false, 'the FIFO was opened');
      assert.ok(
        (statuses.get(200) ?? 0) > 0 && (statuses.get(404) ?? 0) > 0 && (statuses.get(400) ?? 0) > 0,
        JSON.stringify([...statuses]),
      );
    });
  });
});
