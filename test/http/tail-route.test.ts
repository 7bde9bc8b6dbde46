// /tail is answered by plain node:http, outside koa (src/routes/tail.ts): the same methods,
// URL matching, error answers and request log lines as every URL koa answers.
import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { Writable } from 'node:stream';
import { after, before, describe, test } from 'node:test';
import pino from 'pino';
import { parseConfig, readDefaults } from '../../src/config.js';
import { type RunningServer, startServer } from '../../src/server.js';
import { openStream } from '../helpers/stream.js';
import { makeLogDir } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

interface LogLine {
  msg: string;
  method?: string;
  path?: string;
  status?: number;
  bytes?: number;
  ended?: string;
}

/** A raw request (any method), its status, headers and body. */
function request(
  port: number,
  method: string,
  target: string,
): Promise<{ status: number; headers: http.IncomingHttpHeaders; body: string }> {
  return new Promise((resolve, reject) => {
    http
      .request({ host: '127.0.0.1', port, method, path: target, agent: false }, (res) => {
        let body = '';
        res.setEncoding('utf8').on('data', (c: string) => (body += c));
        res.on('end', () => resolve({ status: res.statusCode ?? 0, headers: res.headers, body }));
      })
      .on('error', reject)
      .end();
  });
}

/** The server over a LOG_DIR holding app.log, its request log lines collected as parsed JSON. */
async function startLogged(env: Record<string, string> = {}): Promise<{ running: RunningServer; logged: LogLine[] }> {
  const logged: LogLine[] = [];
  const dir = await makeLogDir();
  await writeFile(path.join(dir, 'app.log'), 'one\ntwo\n');
  const config = parseConfig({ ...readDefaults(), LOG_DIR: dir, PORT: '0', HOST: '127.0.0.1', ...env });
  const sink = new Writable({
    write(chunk: Buffer, _enc, done) {
      for (const l of chunk.toString().split('\n')) if (l !== '') logged.push(JSON.parse(l) as LogLine);
      done();
    },
  });
  return { running: await startServer(config, pino({ level: 'info' }, sink)), logged };
}

describe('/tail outside koa', () => {
  let running: RunningServer;
  let port: number;
  let logged: LogLine[] = [];
  before(async () => {
    ({ running, logged } = await startLogged());
    port = running.port;
  });
  after(() => running.stop());

  const requestsFor = (p: string): LogLine[] => logged.filter((l) => l.msg === 'request' && l.path === p);

  test('a wrong method is 405 with Allow and one line; OPTIONS lists the methods', async () => {
    const post = await request(port, 'POST', '/tail/app.log');
    assert.equal(post.status, 405);
    assert.equal(post.headers.allow, 'HEAD, GET');
    assert.equal(post.body, 'Method Not Allowed: /tail takes GET and HEAD\n');
    const options = await request(port, 'OPTIONS', '/tail/app.log');
    assert.deepEqual([options.status, options.headers.allow, options.body], [200, 'HEAD, GET', '']);
  });

  test('the path matches without regard to case, as the URLs koa answers do', async () => {
    const res = await request(port, 'GET', '/TAIL/app.log?follow=0');
    assert.deepEqual([res.status, res.body], [200, 'one\ntwo\n']);
  });

  test('an error answer to HEAD has the status and headers of GET, and no body', async () => {
    const get = await request(port, 'GET', '/tail/app.log?lines=x');
    const head = await request(port, 'HEAD', '/tail/app.log?lines=x');
    assert.deepEqual([get.status, get.body], [400, 'Bad Request: lines must be an integer from 0 to 10000\n']);
    assert.deepEqual([head.status, head.body], [400, '']);
    assert.equal(head.headers['content-length'], get.headers['content-length']);
    assert.equal(head.headers['content-type'], 'text/plain; charset=utf-8');
    assert.equal(head.headers['x-content-type-options'], 'nosniff');
  });

  test('a stream is logged once it ends: status, bytes sent and why it ended', async () => {
    const s = await openStream(`http://127.0.0.1:${port}/tail/app.log?lines=1&format=sse`);
    await s.waitFor((t) => t.includes('data: two'));
    const sent = s.body.length;
    s.close();
    await waitUntil(() => requestsFor('/tail/app.log').some((l) => l.ended === 'gone'), 'the log line of the stream');
    const line = requestsFor('/tail/app.log').find((l) => l.ended === 'gone');
    assert.equal(line?.method, 'GET');
    assert.equal(line?.status, 200);
    // The chunked framing is not counted: the bytes are the stream's own.
    assert.ok(line?.bytes !== undefined && line.bytes > 0 && line.bytes <= sent, `bytes ${line?.bytes} of ${sent}`);
    const missing = await request(port, 'GET', '/tail/nope.log');
    assert.equal(missing.status, 404);
    await waitUntil(() => requestsFor('/tail/nope.log').length === 1, 'the log line of the 404');
    assert.deepEqual(
      requestsFor('/tail/nope.log').map((l) => [l.status, l.bytes]),
      [[404, Buffer.byteLength(missing.body)]],
    );
  });
});

describe('/tail behind auth', () => {
  const token = 'tail-route-secret-token';
  let running: RunningServer;
  let logged: LogLine[] = [];
  before(async () => {
    ({ running, logged } = await startLogged({ AUTH_TOKEN: token }));
  });
  after(() => running.stop());

  test('a request without credentials is a 401 with one line, logged with its status and bytes and never the secret', async () => {
    const refused = await request(running.port, 'GET', '/tail/app.log?lines=1');
    assert.equal(refused.status, 401);
    assert.match(String(refused.headers['www-authenticate']), /^Bearer/);
    assert.equal(refused.body.trimEnd().split('\n').length, 1, `one line: ${JSON.stringify(refused.body)}`);
    assert.ok(!refused.body.includes('two'), 'no byte of the file');
    await waitUntil(() => logged.some((l) => l.msg === 'request' && l.path === '/tail/app.log'), 'the log line');
    assert.deepEqual(
      logged.filter((l) => l.msg === 'request' && l.path === '/tail/app.log').map((l) => [l.method, l.status, l.bytes]),
      [['GET', 401, Buffer.byteLength(refused.body)]],
    );
    const allowed = await openStream(`http://127.0.0.1:${running.port}/tail/app.log?lines=1`, {
      Authorization: `Bearer ${token}`,
    });
    assert.equal(allowed.status, 200);
    await allowed.waitFor((t) => t === 'two\n', 'the last line');
    allowed.close();
    assert.ok(!JSON.stringify(logged).includes(token), 'the token is never logged');
  });
});
