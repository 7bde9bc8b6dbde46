import assert from 'node:assert/strict';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { exitCode, listeningPort, spawnMain } from '../helpers/process.js';
import { makeLogDir, startTestServer, type TestServer } from '../helpers/server.js';
import { openStream } from '../helpers/stream.js';

test('SIGTERM ends every stream with its closing chunk and exits 0 within 5 s', async () => {
  const dir = await makeLogDir();
  await writeFile(path.join(dir, 'app.log'), 'line 1\n');
  const child = spawnMain({ LOG_DIR: dir }, dir);
  child.stdout.on('data', () => undefined);
  const port = await listeningPort(child);
  const streams = await Promise.all(
    ['text', 'html', 'sse'].map((f) => openStream(`http://127.0.0.1:${port}/tail/app.log?format=${f}`)),
  );
  await Promise.all(streams.map((s) => s.waitFor((t) => t.includes('line 1'), 'line 1')));
  const started = Date.now();
  child.kill('SIGTERM');
  // 'end' (not just 'close') means the terminating zero-length chunk arrived: the response is complete.
  await Promise.all(streams.map((s) => s.ended));
  assert.equal(await exitCode(child), 0);
  const took = Date.now() - started;
  assert.ok(took < 5000, `stopped in ${took} ms`);
  const [text, html, sse] = streams.map((s) => s.text());
  assert.equal(text, 'line 1\n', 'text stays byte-exact');
  assert.match(html ?? '', /<div class="n" role="status">stream ended: the server is shutting down<\/div>\n$/);
  assert.match(sse ?? '', /event: end\ndata: stream ended: the server is shutting down\n\n$/);
  for (const s of streams) assert.equal(s.completed(), true, 'the chunked response was terminated properly');
});

describe('heartbeats', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ HEARTBEAT_MS: '150' });
    await writeFile(path.join(srv.dir, 'quiet.log'), 'only line\n');
  });
  after(() => srv.close());

  test('idle html and sse streams send a comment every HEARTBEAT_MS; text sends nothing', async () => {
    const html = await openStream(`${srv.url}/tail/quiet.log?format=html`);
    const sse = await openStream(`${srv.url}/tail/quiet.log?format=sse`);
    const text = await openStream(`${srv.url}/tail/quiet.log?format=text`);
    await html.waitFor((t) => (t.match(/<!-- -->\n/g) ?? []).length >= 2, 'two html heartbeats');
    await sse.waitFor((t) => (t.match(/^: keep-alive$/gm) ?? []).length >= 2, 'two sse heartbeats');
    assert.equal(text.text(), 'only line\n', 'text is the file and nothing else');
    assert.ok(sse.text().startsWith('retry: 2000\n\nid: '), 'heartbeats are comments, not events');
    for (const s of [html, sse, text]) s.close();
  });
});
