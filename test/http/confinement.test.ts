import assert from 'node:assert/strict';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import net from 'node:net';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { makeLogDir, startTestServer, type TestServer } from '../helpers/server.js';
import { execFileSync } from 'node:child_process';

const SECRET = 'TOP-SECRET-7f3a9c';

/** A raw HTTP/1.1 request, so the path reaches the server exactly as written (fetch would normalise it). */
function rawGet(port: number, target: string): Promise<{ status: number; body: string }> {
  return new Promise((resolve, reject) => {
    const socket = net.connect(port, '127.0.0.1', () => {
      socket.write(`GET ${target} HTTP/1.1\r\nHost: 127.0.0.1\r\nConnection: close\r\n\r\n`);
    });
    let data = '';
    socket.setEncoding('latin1');
    socket.on('data', (c: string) => (data += c));
    socket.on('end', () => {
      const status = Number(/^HTTP\/1\.1 (\d{3})/.exec(data)?.[1] ?? 0);
      resolve({ status, body: data.slice(data.indexOf('\r\n\r\n') + 4) });
    });
    socket.on('error', reject);
    socket.setTimeout(10_000, () => reject(new Error(`no answer for ${target}`)));
  });
}

for (const showHidden of [false, true])
  describe(`confinement with SHOW_HIDDEN=${showHidden}: nothing outside LOG_DIR, no non-regular file`, () => {
    let srv: TestServer;
    let outside: string;
    let port: number;

    before(async () => {
      outside = await makeLogDir('comet-tail-outside-');
      await writeFile(path.join(outside, 'secret.txt'), `${SECRET}\n`);
      // LOG_DIR is a sibling of the secret's directory, and a prefix of another one ('/logs' vs '/logs2').
      const root = await makeLogDir('comet-tail-root-');
      const logs = path.join(root, 'logs');
      await mkdir(logs);
      await mkdir(path.join(root, 'logs2'));
      await writeFile(path.join(root, 'logs2', 'secret.txt'), `${SECRET}\n`);
      await writeFile(path.join(root, 'secret.txt'), `${SECRET}\n`);
      await mkdir(path.join(logs, 'sub'));
      await writeFile(path.join(logs, 'ok.log'), 'fine\n');
      await writeFile(path.join(logs, '.hidden.log'), `${SECRET}\n`);
      await mkdir(path.join(logs, '.git'));
      await writeFile(path.join(logs, '.git', 'config'), `${SECRET}\n`);
      await symlink(path.join(outside, 'secret.txt'), path.join(logs, 'link-out.log'));
      await symlink(outside, path.join(logs, 'dir-out'));
      await symlink('../secret.txt', path.join(logs, 'rel-out.log'));
      await symlink('/etc/passwd', path.join(logs, 'passwd.log'));
      await symlink(path.join(logs, '.hidden.log'), path.join(logs, 'link-to-hidden.log'));
      await symlink(path.join(logs, 'nowhere'), path.join(logs, 'dangling.log'));
      execFileSync('mkfifo', [path.join(logs, 'fifo.log')]);
      execFileSync('mknod', [path.join(logs, 'null.log'), 'c', '1', '3']);
      srv = await startTestServer({ SHOW_HIDDEN: String(showHidden) }, logs);
      port = srv.running.port;
    });
    after(async () => {
      await srv.close();
      await rm(path.dirname(srv.dir), { recursive: true, force: true });
      await rm(outside, { recursive: true, force: true });
    });

    const dotFiles = [
      '.hidden.log',
      '%2ehidden.log',
      '.git/config',
      '.git%2fconfig',
      'sub/../.hidden.log',
      'link-to-hidden.log',
    ];
    const hostile = [
      '../secret.txt',
      '..%2fsecret.txt',
      '..%2Fsecret.txt',
      '%2e%2e/secret.txt',
      '%2e%2e%2fsecret.txt',
      '%2E%2E%2Fsecret.txt',
      '%252e%252e%252fsecret.txt',
      '%252e%252e/secret.txt',
      '..%252fsecret.txt',
      'sub/../../secret.txt',
      'sub/..%2f..%2fsecret.txt',
      './../secret.txt',
      '..%5csecret.txt',
      '..\\secret.txt',
      'sub%5c..%5c..%5csecret.txt',
      '%2fetc%2fpasswd',
      '/etc/passwd',
      '%2F%2Fetc/passwd',
      'C:%5cWindows%5cwin.ini',
      'ok.log%00.txt',
      'ok.log%00',
      '%00',
      '..%00/secret.txt',
      '%c0%ae%c0%ae/secret.txt',
      '%c0%ae%c0%ae%c0%afsecret.txt',
      '%e0%80%ae%e0%80%ae/secret.txt',
      '..%c0%afsecret.txt',
      '%uff0e%uff0e/secret.txt',
      '%E0%A4%A',
      '..;/secret.txt',
      '../logs2/secret.txt',
      '..%2flogs2%2fsecret.txt',
      'link-out.log',
      'dir-out/secret.txt',
      'rel-out.log',
      'passwd.log',
      'dangling.log',
      'fifo.log',
      'null.log',
      'sub',
      'sub/',
      'does-not-exist.log',
      '....//....//secret.txt',
      '.../secret.txt',
      ...(showHidden ? [] : dotFiles),
    ];

    test(`${hostile.length} hostile paths, on every route, get 400 or 404 and never a byte of the secret`, async () => {
      assert.ok(hostile.length >= 40);
      const answers = new Map<string, number>();
      for (const route of ['tail', 'download', 'view', 'browse']) {
        for (const p of hostile) {
          // follow=0 so that a wrongly admitted file would end and show its bytes here.
          const target = `/${route}/${p}${route === 'tail' ? '?follow=0' : ''}`;
          const { status, body } = await rawGet(port, target);
          assert.ok(!body.includes(SECRET), `${target} leaked the secret`);
          assert.ok(!body.includes('root:x:0:0'), `${target} leaked /etc/passwd`);
          assert.ok(!body.includes(path.dirname(srv.dir)), `${target} named a path outside LOG_DIR`);
          assert.ok(!/\n\s+at /.test(body), `${target} answered with a stack trace`);
          // 'sub' is a real directory: browsing it is allowed, everything else must be refused.
          if (route === 'browse' && (p === 'sub' || p === 'sub/')) continue;
          assert.ok(status === 400 || status === 404, `${target} answered ${status}`);
          answers.set(`${route} ${p}`, status);
        }
      }
      for (const p of hostile) {
        const { status, body } = await rawGet(port, `/comet-tail?${p}`);
        assert.ok(!body.includes(SECRET) && (status === 400 || status === 404), `/comet-tail?${p} answered ${status}`);
      }
    });

    test('a refused path gets the same answer whether or not its target exists', async () => {
      const pairs: Array<[string, string]> = [
        ['../secret.txt', '../no-such-secret.txt'],
        ...(showHidden ? [] : ([['.hidden.log', '.no-such-hidden.log']] as Array<[string, string]>)),
        ['link-out.log', 'dangling.log'],
        ['dir-out/secret.txt', 'dir-out/nothing.txt'],
        ['../logs2/secret.txt', '../logs3/secret.txt'],
      ];
      for (const route of ['tail', 'download', 'view']) {
        for (const [exists, missing] of pairs) {
          const a = await rawGet(port, `/${route}/${exists}`);
          const b = await rawGet(port, `/${route}/${missing}`);
          assert.equal(a.status, b.status, `${route}: ${exists} vs ${missing}`);
          assert.equal(a.body, b.body, `${route}: ${exists} vs ${missing}`);
        }
      }
    });

    test('the index lists neither dot-files nor links that lead out, FIFOs or devices', async () => {
      const res = await fetch(`http://127.0.0.1:${port}/`, { headers: { Accept: 'application/json' } });
      const { entries } = (await res.json()) as { entries: Array<{ name: string }> };
      assert.deepEqual(
        entries.map((e) => e.name),
        showHidden ? ['.git', 'sub', '.hidden.log', 'link-to-hidden.log', 'ok.log'] : ['sub', 'ok.log'],
      );
    });

    test('a good path still works', async () => {
      const { status, body } = await rawGet(port, '/tail/ok.log?follow=0');
      assert.equal(status, 200);
      assert.match(body, /fine/);
    });

    test(`dot-files are ${showHidden ? 'served' : 'refused'} with SHOW_HIDDEN=${showHidden}`, async () => {
      for (const p of dotFiles) {
        const { status, body } = await rawGet(port, `/tail/${p}?follow=0`);
        if (showHidden) assert.equal(status, p.includes('..') ? 400 : 200, p);
        else assert.ok(status === 404 || status === 400, `${p}: ${status}`);
        assert.equal(body.includes(SECRET), showHidden && !p.includes('..'), p);
      }
    });
  });
