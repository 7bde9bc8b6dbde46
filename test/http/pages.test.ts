import assert from 'node:assert/strict';
import { mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ODD = 'a b#?%<i>.log';

interface Listing {
  path: string;
  entries: Array<{
    name: string;
    path: string;
    type: string;
    size: number;
    mtime: string;
    family: string;
    compressed: boolean;
  }>;
}

describe('the directory index, the viewer and health', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ TAIL_LINES: '25' });
    await mkdir(path.join(srv.dir, 'nginx'));
    await writeFile(path.join(srv.dir, 'nginx', 'access.log'), 'GET /\n');
    for (const n of ['app.log.10', 'app.log.2', 'app.log', 'Zeta.log']) await writeFile(path.join(srv.dir, n), 'x\n');
    await writeFile(path.join(srv.dir, ODD), '12345\n');
    await utimes(path.join(srv.dir, ODD), new Date('2024-01-02T03:04:05Z'), new Date('2024-01-02T03:04:05Z'));
  });
  after(() => srv.close());

  test('JSON lists directories first, then files in natural order, with size and mtime', async () => {
    const res = await fetch(`${srv.url}/`, { headers: { Accept: 'application/json' } });
    assert.equal(res.headers.get('content-type'), 'application/json; charset=utf-8');
    const body = (await res.json()) as Listing;
    assert.equal(body.path, '');
    assert.deepEqual(
      body.entries.map((e) => e.name),
      ['nginx', ODD, 'app.log', 'app.log.2', 'app.log.10', 'Zeta.log'],
    );
    const odd = body.entries.find((e) => e.name === ODD);
    assert.deepEqual(odd, {
      name: ODD,
      path: ODD,
      type: 'file',
      size: 6,
      mtime: '2024-01-02T03:04:05.000Z',
      family: ODD,
      compressed: false,
    });
    assert.equal(body.entries[0]?.type, 'dir');
  });

  test('/browse/<dir> lists a subdirectory with paths relative to LOG_DIR', async () => {
    const body = (await (
      await fetch(`${srv.url}/browse/nginx`, { headers: { Accept: 'application/json' } })
    ).json()) as Listing;
    assert.equal(body.path, 'nginx');
    assert.deepEqual(
      body.entries.map((e) => e.path),
      ['nginx/access.log'],
    );
    const missing = await fetch(`${srv.url}/browse/nope`);
    assert.equal(missing.status, 404);
    const aFile = await fetch(`${srv.url}/browse/app.log`);
    assert.equal(aFile.status, 404, 'a file is not a directory');
  });

  test('HTML escapes names and percent-encodes links, and every link works', async () => {
    const res = await fetch(`${srv.url}/`);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    // Scripts from our own origin (the index's bundle) and nothing inline.
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'self';/);
    const page = await res.text();
    assert.ok(page.includes('>a b#?%&lt;i&gt;.log</a>'), 'the name is escaped');
    assert.ok(!page.includes('<i>'), 'no markup from a file name');
    const enc = 'a%20b%23%3F%25%3Ci%3E.log';
    for (const route of ['view', 'tail', 'download']) assert.ok(page.includes(`href="/${route}/${enc}"`), route);
    assert.ok(page.includes('href="/browse/nginx"'));
    const tail = await fetch(`${srv.url}/tail/${enc}?follow=0`);
    assert.equal(await tail.text(), '12345\n');
    const download = await fetch(`${srv.url}/download/${enc}`);
    assert.equal(await download.text(), '12345\n');
    const view = await fetch(`${srv.url}/view/${enc}`);
    assert.equal(view.status, 200);
    assert.ok((await view.text()).includes(`src="/tail/${enc}?format=html&amp;lines=25"`));
  });

  test('the viewer page holds the html stream in a same-origin iframe', async () => {
    const res = await fetch(`${srv.url}/view/nginx/access.log?lines=7`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-security-policy') ?? '', /frame-src 'self'/);
    const page = await res.text();
    assert.equal(page.match(/<iframe /g)?.length, 1);
    assert.ok(
      page.includes('<iframe id="log" title="access.log" src="/tail/nginx/access.log?format=html&amp;lines=7">'),
    );
    assert.equal((await fetch(`${srv.url}/view/nginx/nothing.log`)).status, 404);
    assert.equal((await fetch(`${srv.url}/view/nginx/access.log?lines=x`)).status, 400);
  });

  test('/comet-tail?<file> is the viewer of that file, as in 2009', async () => {
    const page = await (await fetch(`${srv.url}/comet-tail?nginx/access.log`)).text();
    assert.ok(page.includes('src="/tail/nginx/access.log?format=html&amp;lines=25"'));
    const odd = await (await fetch(`${srv.url}/comet-tail?a%20b%23%3F%25%3Ci%3E.log`)).text();
    assert.ok(odd.includes('src="/tail/a%20b%23%3F%25%3Ci%3E.log?format=html'));
    const none = await fetch(`${srv.url}/comet-tail`);
    assert.equal(none.status, 400);
    assert.equal(await none.text(), 'Bad Request: name a file: /comet-tail?<path>\n');
  });

  test('/healthz is ok and /readyz follows whether LOG_DIR can be read', async () => {
    const health = await fetch(`${srv.url}/healthz`);
    assert.deepEqual(await health.json(), { status: 'ok' });
    const ready = await fetch(`${srv.url}/readyz`);
    assert.equal(ready.status, 200);
    assert.deepEqual(await ready.json(), { status: 'ready' });

    const gone = await startTestServer();
    await rm(gone.dir, { recursive: true });
    const notReady = await fetch(`${gone.url}/readyz`);
    assert.equal(notReady.status, 503);
    const body = (await notReady.json()) as { status: string; reason: string };
    assert.equal(body.status, 'unavailable');
    assert.match(body.reason, /ENOENT/);
    assert.ok(!body.reason.includes(gone.dir), 'no path in the answer');
    assert.deepEqual(await (await fetch(`${gone.url}/healthz`)).json(), { status: 'ok' }, 'still alive');
    await gone.close();
  });

  test('an unknown URL is 404 with one line; a wrong method is 405', async () => {
    const res = await fetch(`${srv.url}/nope`);
    assert.equal(res.status, 404);
    assert.equal(await res.text(), 'Not Found: no such URL\n');
    const post = await fetch(`${srv.url}/tail/app.log`, { method: 'POST' });
    assert.equal(post.status, 405);
  });
});

describe('BASE_PATH', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ BASE_PATH: '/logs/' });
    await writeFile(path.join(srv.dir, 'app.log'), 'hello\n');
  });
  after(() => srv.close());

  test('every URL and link is under the prefix', async () => {
    assert.ok(srv.url.endsWith('/logs'));
    const page = await (await fetch(`${srv.url}/`)).text();
    assert.ok(page.includes('href="/logs/view/app.log"'));
    assert.equal(await (await fetch(`${srv.url}/tail/app.log?follow=0`)).text(), 'hello\n');
    const viewer = await (await fetch(`${srv.url}/view/app.log`)).text();
    assert.ok(viewer.includes('src="/logs/tail/app.log?format=html'));
    const outside = await fetch(srv.url.replace('/logs', '/tail/app.log'));
    assert.equal(outside.status, 404);
  });
});
