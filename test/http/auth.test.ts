import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exitCode, listeningPort, spawnMain } from '../helpers/process.js';
import { makeLogDir, startTestServer, type TestServer } from '../helpers/server.js';

const PASSWORD = 'pa:ss wörd-91c2';
const TOKEN = 'tok-5e1f0b7d9a';
const basic = (user: string, password: string): string =>
  `Basic ${Buffer.from(`${user}:${password}`).toString('base64')}`;

describe('auth: Basic and Bearer on every URL but the probes', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ AUTH_USER: 'admin', AUTH_PASSWORD: PASSWORD, AUTH_TOKEN: TOKEN });
    await writeFile(path.join(srv.dir, 'app.log'), 'hello\n');
  });
  after(() => srv.close());

  test('without credentials every URL is 401 with a Basic challenge, and no content', async () => {
    for (const url of [
      '/',
      '/browse/',
      '/view/app.log',
      '/tail/app.log?follow=0',
      '/download/app.log',
      '/comet-tail?app.log',
      '/nope',
    ]) {
      const res = await fetch(`${srv.url}${url}`);
      assert.equal(res.status, 401, url);
      assert.equal(res.headers.get('www-authenticate'), 'Basic realm="comet-tail", charset="UTF-8"');
      assert.equal(await res.text(), 'Unauthorized: credentials required\n');
    }
  });

  test('wrong credentials are 401; right ones, Basic or Bearer, get the content', async () => {
    const tail = `${srv.url}/tail/app.log?follow=0`;
    for (const wrong of [
      basic('admin', 'nope'),
      basic('root', PASSWORD),
      basic('admin', ''),
      'Bearer nope',
      `Bearer ${TOKEN}x`,
      `Basic ${TOKEN}`,
      'Basic !!!',
      'Digest x',
    ]) {
      assert.equal((await fetch(tail, { headers: { Authorization: wrong } })).status, 401, wrong);
    }
    for (const right of [basic('admin', PASSWORD), `Bearer ${TOKEN}`, `bearer ${TOKEN}`]) {
      const res = await fetch(tail, { headers: { Authorization: right } });
      assert.equal(res.status, 200, right);
      assert.equal(await res.text(), 'hello\n');
    }
  });

  test('/healthz and /readyz need no credentials', async () => {
    assert.deepEqual(await (await fetch(`${srv.url}/healthz`)).json(), { status: 'ok' });
    assert.deepEqual(await (await fetch(`${srv.url}/readyz`)).json(), { status: 'ready' });
  });

  test('a token alone is the only way in', async () => {
    const only = await startTestServer({ AUTH_TOKEN: TOKEN });
    try {
      const res = await fetch(`${only.url}/`);
      assert.equal(res.status, 401);
      assert.equal(res.headers.get('www-authenticate'), 'Bearer realm="comet-tail"');
      await res.text();
      assert.equal((await fetch(`${only.url}/`, { headers: { Authorization: basic('admin', TOKEN) } })).status, 401);
      assert.equal((await fetch(`${only.url}/`, { headers: { Authorization: `Bearer ${TOKEN}` } })).status, 200);
    } finally {
      await only.close();
    }
  });
});

test('a password with spaces at its ends works with them and fails without', async () => {
  const srv = await startTestServer({ AUTH_USER: 'admin', AUTH_PASSWORD: ' pw ' });
  try {
    await writeFile(path.join(srv.dir, 'app.log'), 'hello\n');
    const tail = `${srv.url}/tail/app.log?follow=0`;
    const right = await fetch(tail, { headers: { Authorization: basic('admin', ' pw ') } });
    assert.equal(right.status, 200);
    assert.equal(await right.text(), 'hello\n');
    for (const wrong of ['pw', ' pw', 'pw ']) {
      const res = await fetch(tail, { headers: { Authorization: basic('admin', wrong) } });
      assert.equal(res.status, 401, JSON.stringify(wrong));
      await res.text();
    }
  } finally {
    await srv.close();
  }
});

test('the request log holds no credentials, one JSON line per request', async () => {
  const dir = await makeLogDir();
  await writeFile(path.join(dir, 'app.log'), 'hello\n');
  const child = spawnMain(
    { LOG_DIR: dir, AUTH_USER: 'admin', AUTH_PASSWORD: PASSWORD, AUTH_TOKEN: TOKEN, LOG_LEVEL: 'trace' },
    dir,
  );
  let out = '';
  child.stdout.on('data', (c: Buffer) => (out += c.toString()));
  const port = await listeningPort(child);
  const url = `http://127.0.0.1:${port}`;
  await (await fetch(`${url}/tail/app.log?follow=0`, { headers: { Authorization: basic('admin', PASSWORD) } })).text();
  await (await fetch(`${url}/`, { headers: { Authorization: `Bearer ${TOKEN}` } })).text();
  await (await fetch(`${url}/`, { headers: { Authorization: basic('admin', 'wrong-guess-77') } })).text();
  child.kill('SIGTERM');
  assert.equal(await exitCode(child), 0);
  const requests = out
    .trim()
    .split('\n')
    .map(
      (l) =>
        JSON.parse(l) as { msg: string; method?: string; path?: string; status?: number; bytes?: number; ms?: number },
    )
    .filter((l) => l.msg === 'request');
  assert.deepEqual(
    requests.map((r) => [r.method, r.path, r.status]),
    [
      ['GET', '/tail/app.log', 200],
      ['GET', '/', 200],
      ['GET', '/', 401],
    ],
  );
  assert.equal(requests[0]?.bytes, 6);
  assert.equal(typeof requests[0]?.ms, 'number');
  for (const secret of [
    PASSWORD,
    TOKEN,
    'wrong-guess-77',
    Buffer.from(`admin:${PASSWORD}`).toString('base64'),
    'authorization',
    'Authorization',
  ]) {
    assert.ok(!out.includes(secret), `the log holds ${secret}`);
  }
});
