import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';

describe('/download/<file>', () => {
  let srv: TestServer;
  const content = Buffer.from(Array.from({ length: 1000 }, (_, i) => `${i % 10}`).join(''));
  before(async () => {
    srv = await startTestServer();
    await writeFile(path.join(srv.dir, 'data.log'), content);
    await writeFile(path.join(srv.dir, 'empty.log'), '');
  });
  after(() => srv.close());

  test('the whole file, as an attachment, with its length', async () => {
    const res = await fetch(`${srv.url}/download/data.log`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '1000');
    assert.equal(res.headers.get('accept-ranges'), 'bytes');
    assert.equal(res.headers.get('content-disposition'), 'attachment; filename="data.log"');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), content);
    const empty = await fetch(`${srv.url}/download/empty.log`);
    assert.equal(empty.status, 200);
    assert.equal(await empty.text(), '');
  });

  test('Range: a span, an open end, a suffix', async () => {
    for (const [range, start, end] of [
      ['bytes=0-9', 0, 9],
      ['bytes=995-', 995, 999],
      ['bytes=-3', 997, 999],
      ['bytes=100-1999', 100, 999],
    ] as const) {
      const res = await fetch(`${srv.url}/download/data.log`, { headers: { Range: range } });
      assert.equal(res.status, 206, range);
      assert.equal(res.headers.get('content-range'), `bytes ${start}-${end}/1000`);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), content.subarray(start, end + 1), range);
    }
  });

  test('an unsatisfiable range is 416 with the size; a malformed one gets the whole file', async () => {
    const res = await fetch(`${srv.url}/download/data.log`, { headers: { Range: 'bytes=5000-6000' } });
    assert.equal(res.status, 416);
    assert.equal(res.headers.get('content-range'), 'bytes */1000');
    assert.equal((await res.text()).trim().split('\n').length, 1);
    const bad = await fetch(`${srv.url}/download/data.log`, { headers: { Range: 'lines=1-2' } });
    assert.equal(bad.status, 200);
    assert.equal((await bad.arrayBuffer()).byteLength, 1000);
  });

  test('If-Range with a stale validator gets the whole file; a matching one the range', async () => {
    const first = await fetch(`${srv.url}/download/data.log`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag') ?? '';
    assert.match(etag, /^"[0-9a-f]+-[0-9a-f]+-[0-9a-f]+"$/, 'a strong ETag');
    const matching = await fetch(`${srv.url}/download/data.log`, { headers: { Range: 'bytes=0-1', 'If-Range': etag } });
    assert.equal(matching.status, 206);
    assert.equal(await matching.text(), '01');
    const stale = await fetch(`${srv.url}/download/data.log`, { headers: { Range: 'bytes=0-1', 'If-Range': '"old"' } });
    assert.equal(stale.status, 200);
    assert.equal((await stale.arrayBuffer()).byteLength, 1000);
    // node:http, because fetch adds 'Cache-Control: no-cache' to conditional requests.
    const cached = await new Promise<number>((resolve, reject) => {
      http
        .get(`${srv.url}/download/data.log`, { headers: { 'If-None-Match': etag } }, (res) => {
          res.resume();
          resolve(res.statusCode ?? 0);
        })
        .on('error', reject);
    });
    assert.equal(cached, 304);
  });

  test('If-Range compares strong validators only: a weak tag or a date never matches (RFC 9110 §13.1.5)', async () => {
    const first = await fetch(`${srv.url}/download/data.log`);
    await first.arrayBuffer();
    const etag = first.headers.get('etag') ?? '';
    const lastModified = first.headers.get('last-modified') ?? '';
    assert.notEqual(lastModified, '');
    for (const ifRange of [`W/${etag}`, lastModified]) {
      const res = await fetch(`${srv.url}/download/data.log`, { headers: { Range: 'bytes=0-1', 'If-Range': ifRange } });
      assert.equal(res.status, 200, ifRange);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), content, ifRange);
    }
  });

  test('a syntactically invalid range is ignored: the whole file, 200 (RFC 9110 §14.2)', async () => {
    for (const range of [
      'bytes=5-2',
      'bytes=0-1,5-2',
      'bytes=1-x',
      'bytes=--3',
      'bytes=',
      'bytes=,',
      'pages=0-1',
      'bytes 0-1',
    ]) {
      const res = await fetch(`${srv.url}/download/data.log`, { headers: { Range: range } });
      assert.equal(res.status, 200, range);
      assert.equal(res.headers.get('content-range'), null, range);
      assert.deepEqual(Buffer.from(await res.arrayBuffer()), content, range);
    }
    const listed = await fetch(`${srv.url}/download/data.log`, { headers: { Range: 'bytes=, 2-3' } });
    assert.equal(listed.status, 206, 'an empty list element is allowed');
    assert.equal(await listed.text(), '23');
  });

  test('a valid but unsatisfiable range is 416 with the size, and none of the headers of the file it was not sent', async () => {
    for (const range of ['bytes=999999-', 'bytes=1000-1000', 'bytes=-0']) {
      const res = await fetch(`${srv.url}/download/data.log`, { headers: { Range: range } });
      assert.equal(res.status, 416, range);
      assert.equal(res.headers.get('content-range'), 'bytes */1000', range);
      for (const name of ['etag', 'last-modified', 'content-disposition', 'accept-ranges'])
        assert.equal(res.headers.get(name), null, `${range}: ${name}`);
      assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
      assert.equal(await res.text(), 'Range Not Satisfiable: the range lies outside the file\n');
    }
  });

  test('HEAD answers the headers without opening a body', async () => {
    const res = await fetch(`${srv.url}/download/data.log`, { method: 'HEAD' });
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-length'), '1000');
  });
});
