import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import { get } from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

/** A GET with these headers and nothing else (fetch adds Cache-Control: no-cache to a conditional request, as the fetch standard says; a browser revalidating does not). */
function rawGet(
  url: string,
  headers: Record<string, string>,
): Promise<{ status: number; etag: string | undefined; body: string }> {
  return new Promise((resolve, reject) => {
    get(url, { headers }, (res) => {
      let body = '';
      res.setEncoding('utf8');
      res.on('data', (c: string) => (body += c));
      res.on('end', () => resolve({ status: res.statusCode ?? 0, etag: res.headers.etag, body }));
    }).on('error', reject);
  });
}

/** The bundle's URLs as the viewer page names them. */
async function assetUrls(srv: TestServer): Promise<{ script: string; style: string }> {
  const page = await (await fetch(`${srv.url}/view/app.log`)).text();
  const script = /<script src="([^"]+)" defer><\/script>/.exec(page)?.[1];
  const style = /<link rel="stylesheet" href="([^"]+)">/.exec(page)?.[1];
  assert.ok(
    script !== undefined && style !== undefined,
    'the page names its script and stylesheet (npm run build made them)',
  );
  return { script, style };
}

describe('the browser bundle under /assets', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ BASE_PATH: '/logs' });
    await writeFile(path.join(srv.dir, 'app.log'), 'one\n');
  });
  after(() => srv.close());

  test('is served with a content hash in its name, a strong ETag, a year of immutable caching, its type and nosniff', async () => {
    const { script, style } = await assetUrls(srv);
    assert.match(script, /^\/logs\/assets\/viewer\.[A-Z0-9]{8}\.js$/);
    assert.match(style, /^\/logs\/assets\/viewer-style\.[A-Z0-9]{8}\.css$/);
    const origin = new URL(srv.url).origin;
    for (const [url, type] of [
      [script, 'text/javascript; charset=utf-8'],
      [style, 'text/css; charset=utf-8'],
    ] as const) {
      const res = await fetch(`${origin}${url}`);
      assert.equal(res.status, 200, url);
      assert.equal(res.headers.get('content-type'), type);
      assert.equal(res.headers.get('cache-control'), 'public, max-age=31536000, immutable');
      assert.equal(res.headers.get('x-content-type-options'), 'nosniff');
      const etag = res.headers.get('etag') ?? '';
      assert.match(etag, /^"[A-Z0-9]+"$/, 'a strong validator');
      assert.ok((await res.text()).length > 100);
      const again = await rawGet(`${origin}${url}`, { 'If-None-Match': etag });
      assert.equal(again.status, 304);
      assert.equal(again.body, '');
      assert.equal(again.etag, etag);
      const other = await rawGet(`${origin}${url}`, { 'If-None-Match': '"nope"' });
      assert.equal(other.status, 200);
      assert.ok(other.body.length > 100);
    }
  });

  test('an unknown asset, or a path that tries to leave the folder, is 404', async () => {
    for (const name of [
      'viewer.js',
      'viewer.AAAAAAAA.js',
      'manifest.json',
      '..%2Fmain.js',
      '%2E%2E%2F%2E%2E%2Fpackage.json',
    ]) {
      const res = await fetch(`${srv.url}/assets/${name}`);
      assert.equal(res.status, 404, name);
      assert.equal(await res.text(), 'Not Found: no such asset\n');
    }
  });

  test("the viewer's CSP allows scripts from 'self' only: no inline script, no eval", async () => {
    const res = await fetch(`${srv.url}/view/app.log`);
    const csp = res.headers.get('content-security-policy') ?? '';
    const scriptSrc = csp
      .split(';')
      .map((d) => d.trim())
      .find((d) => d.startsWith('script-src'));
    assert.equal(scriptSrc, "script-src 'self'");
    assert.doesNotMatch(csp, /unsafe-eval/);
    assert.match(csp, /default-src 'none'/);
    assert.match(csp, /frame-src 'self'/);
    assert.match(csp, /frame-ancestors 'self'/);
    const page = await res.text();
    assert.doesNotMatch(page, /<script(?![^>]*\bsrc=)/, 'no inline script in the page');
    assert.match(page, /data-max-lines="10000"/);
    assert.match(page, /data-tail-lines="100"/);
    assert.match(page, /data-base="\/logs"/);
    assert.match(
      page,
      /<noscript><iframe id="log" title="app.log" src="\/logs\/tail\/app.log\?format=html&amp;lines=100"><\/iframe><\/noscript>/,
    );
  });
});
