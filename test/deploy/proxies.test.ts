// The shipped reverse-proxy files (deploy/proxy/), each run by the real server
// from Debian's package in front of the real comet-tail under BASE_PATH=/logs.
import assert from 'node:assert/strict';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { setTimeout as delay } from 'node:timers/promises';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openStream, type OpenStream } from '../helpers/stream.js';
import {
  apache,
  caddy,
  freePort,
  haproxy,
  nginx,
  startProxy,
  type ProxyKind,
  type RunningProxy,
} from './proxy-servers.js';

const USER = 'proxy-user';
const PASSWORD = 'proxy-secret';
const AUTH = { Authorization: `Basic ${Buffer.from(`${USER}:${PASSWORD}`).toString('base64')}` };
// Browsers ask for compression: a stream must come back unencoded all the same.
const BROWSER = { ...AUTH, 'Accept-Encoding': 'gzip, deflate, br' };
// The proxies' read timeout in the test, and comet-tail's heartbeat well below it
// (an idle stream beats at most 1.5 x HEARTBEAT_MS apart).
const READ_TIMEOUT_S = 2;
const HEARTBEAT_MS = 500;
const LIVE_WITHIN_MS = 1000;

let app: TestServer;
let lineNo = 0;

before(async () => {
  app = await startTestServer({
    BASE_PATH: '/logs',
    HEARTBEAT_MS: String(HEARTBEAT_MS),
    AUTH_USER: USER,
    AUTH_PASSWORD: PASSWORD,
  });
  await mkdir(path.join(app.dir, 'sub'));
  await writeFile(path.join(app.dir, 'sub', 'nested.log'), 'nested line\n');
  await writeFile(path.join(app.dir, 'app.log'), 'seed line\n');
});
after(() => app.close());

const upstreamPort = (): number => Number(new URL(app.url).port);

/** Appends a uniquely numbered line and returns its text. */
async function appendLine(tag: string): Promise<string> {
  const line = `${tag} line ${++lineNo}`;
  await appendFile(path.join(app.dir, 'app.log'), `${line}\n`);
  return line;
}

async function get(
  url: string,
  headers: Record<string, string> = AUTH,
): Promise<{ status: number; body: string; headers: Headers }> {
  const res = await fetch(url, { headers, redirect: 'manual', signal: AbortSignal.timeout(10_000) });
  return { status: res.status, body: await res.text(), headers: res.headers };
}

const hrefs = (html: string): string[] =>
  [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] ?? '').replaceAll('&amp;', '&'));

const CONTENT_TYPES = { text: 'text/plain', html: 'text/html', sse: 'text/event-stream' } as const;
type Format = keyof typeof CONTENT_TYPES;
const FORMATS: Format[] = ['text', 'html', 'sse'];

async function openFormat(proxy: RunningProxy, format: Format): Promise<OpenStream> {
  const s = await openStream(`${proxy.url}/logs/tail/app.log?format=${format}&lines=1`, BROWSER);
  assert.equal(s.status, 200, `${format}: status`);
  assert.ok(
    String(s.headers['content-type']).startsWith(CONTENT_TYPES[format]),
    `${format}: content-type ${s.headers['content-type']}`,
  );
  assert.equal(s.headers['content-encoding'], undefined, `${format}: the proxy compressed the stream`);
  return s;
}

for (const kind of [nginx, caddy, haproxy, apache]) proxySuite(kind);

function proxySuite(kind: ProxyKind): void {
  describe(`${kind.name} with deploy/proxy/${kind.file}`, () => {
    let proxy: RunningProxy;
    const open: OpenStream[] = [];
    before(async () => {
      const ports = {
        listen: await freePort(),
        upstream: upstreamPort(),
        admin: await freePort(),
        readTimeoutS: READ_TIMEOUT_S,
      };
      proxy = await startProxy(kind, ports, '/logs/healthz');
    });
    after(async () => {
      for (const s of open) s.close();
      await proxy?.stop();
    });

    test('auth passes through: 401 with a Basic challenge without credentials, 200 with them', async () => {
      const anon = await get(`${proxy.url}/logs/`, {});
      assert.equal(anon.status, 401);
      assert.match(anon.headers.get('www-authenticate') ?? '', /^Basic /);
      assert.equal(
        (await get(`${proxy.url}/logs/`, { Authorization: 'Basic d3Jvbmc6d3Jvbmc=' })).status,
        401,
        'wrong credentials',
      );
      assert.equal((await get(`${proxy.url}/logs/`)).status, 200);
      assert.equal((await get(`${proxy.url}/logs/healthz`, {})).status, 200, 'the probe stays open');
    });

    test('the index and every link on it resolve through the proxy', async () => {
      const index = await get(`${proxy.url}/logs/`);
      assert.equal(index.status, 200);
      const links = hrefs(index.body).filter((h) => !h.startsWith('http'));
      for (const want of ['/logs/browse/sub', '/logs/view/app.log', '/logs/tail/app.log', '/logs/download/app.log']) {
        assert.ok(links.includes(want), `index links to ${want}: ${links.join(' ')}`);
      }
      for (const link of new Set(links)) {
        assert.ok(link.startsWith('/logs/'), `a link outside BASE_PATH: ${link}`);
        // a tail link is a stream: ask for its backlog only
        const url = link.startsWith('/logs/tail/')
          ? `${proxy.url}${link}${link.includes('?') ? '&' : '?'}follow=0`
          : `${proxy.url}${link}`;
        assert.equal((await get(url)).status, 200, `GET ${link} through ${kind.name}`);
      }
      const sub = await get(`${proxy.url}/logs/browse/sub`);
      assert.ok(
        hrefs(sub.body).includes('/logs/view/sub/nested.log'),
        'the subdirectory lists its file under BASE_PATH',
      );
    });

    test('the viewer page and its iframe', async () => {
      const page = await get(`${proxy.url}/logs/view/app.log`);
      assert.equal(page.status, 200);
      const src = /<iframe[^>]*\ssrc="([^"]+)"/.exec(page.body)?.[1]?.replaceAll('&amp;', '&');
      assert.ok(src?.startsWith('/logs/tail/app.log'), `iframe src under BASE_PATH: ${src}`);
      const frame = await openStream(`${proxy.url}${src}`, BROWSER);
      open.push(frame);
      assert.equal(frame.status, 200);
      await frame.waitFor((t) => t.includes('seed line'), 'the backlog in the iframe stream');
      const line = await appendLine('viewer');
      await frame.waitFor((t) => t.includes(line), line, LIVE_WITHIN_MS);
      frame.close();
    });

    test(`text, html and sse streams get an appended line within ${LIVE_WITHIN_MS} ms, uncompressed`, async () => {
      const streams = await Promise.all(FORMATS.map((f) => openFormat(proxy, f)));
      open.push(...streams);
      await Promise.all(streams.map((s) => s.waitFor((t) => t.includes('line'), 'the backlog line')));
      for (let round = 0; round < 3; round++) {
        const line = await appendLine('live');
        const sent = Date.now();
        const took = await Promise.all(
          streams.map(async (s) => {
            await s.waitFor((t) => t.includes(line), line, 5000);
            return Date.now() - sent;
          }),
        );
        for (const [i, f] of FORMATS.entries()) {
          assert.ok((took[i] ?? Infinity) < LIVE_WITHIN_MS, `${kind.name} ${f}: ${line} took ${took[i]} ms`);
        }
      }
      for (const s of streams) s.close();
    });

    test(`html and sse outlive a silence longer than the ${READ_TIMEOUT_S} s read timeout by heartbeats; text (no heartbeat) is cut`, async () => {
      const [text, html, sse] = await Promise.all(FORMATS.map((f) => openFormat(proxy, f)));
      assert.ok(text && html && sse);
      open.push(text, html, sse);
      await Promise.all([text, html, sse].map((s) => s.waitFor((t) => t.includes('line'), 'the backlog line')));
      // the silence itself is the subject here: nothing is appended for longer than the timeout
      await delay(READ_TIMEOUT_S * 1000 + 1500);
      const line = await appendLine('after-silence');
      await Promise.all(
        [html, sse].map((s) => s.waitFor((t) => t.includes(line), `${line} after the silence`, LIVE_WITHIN_MS)),
      );
      // the control: the timeout is real, so a stream without heartbeats was closed by the proxy
      await Promise.race([
        text.ended,
        delay(5000).then(() =>
          assert.fail('the text stream outlived the read timeout: the timeout in the test is not in effect'),
        ),
      ]);
      assert.ok(
        !text.text().includes(line),
        'the text stream outlived the read timeout: the timeout in the test is not in effect',
      );
      for (const s of [html, sse]) s.close();
    });
  });
}
