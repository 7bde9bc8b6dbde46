import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { numbers, openStream } from '../helpers/stream.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

const lines = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join('');

describe('/tail/<file>', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ TAIL_LINES: '10', MAX_TAIL_LINES: '500' });
    await writeFile(path.join(srv.dir, 'ten.log'), lines(1, 10));
    await writeFile(
      path.join(srv.dir, 'hostile.log'),
      '<script>alert(1)</script>\n"quoted" & \'single\'\n</div><img src=x onerror=alert(2)>\n',
    );
  });
  after(() => srv.close());

  test('text is the file byte for byte, invalid UTF-8, CRLF and a partial last line included', async () => {
    const bytes = Buffer.concat([
      Buffer.from('crlf line\r\n'),
      Buffer.from([0xff, 0xfe, 0x41, 0x0a]),
      Buffer.from('é ü 日本\n'),
      Buffer.from('no newline'),
    ]);
    await writeFile(path.join(srv.dir, 'bytes.log'), bytes);
    const res = await fetch(`${srv.url}/tail/bytes.log?follow=0`);
    assert.equal(res.status, 200);
    assert.equal(res.headers.get('content-type'), 'text/plain; charset=utf-8');
    assert.deepEqual(Buffer.from(await res.arrayBuffer()), bytes);
  });

  test('the backlog has the asked number of lines: 0, 1, N, more than the file', async () => {
    const get = async (q: string): Promise<string> => (await fetch(`${srv.url}/tail/ten.log?follow=0${q}`)).text();
    assert.equal(await get('&lines=0'), '');
    assert.equal(await get('&lines=1'), 'line 10\n');
    assert.equal(await get('&lines=3'), 'line 8\nline 9\nline 10\n');
    assert.equal(await get('&lines=400'), lines(1, 10));
    assert.equal(await get(''), lines(1, 10), 'TAIL_LINES is the default');
    await writeFile(path.join(srv.dir, 'partial.log'), 'a\nb\nc');
    assert.equal(
      await (await fetch(`${srv.url}/tail/partial.log?follow=0&lines=2`)).text(),
      'b\nc',
      'an unterminated last line counts, like tail -n',
    );
  });

  test('html escapes every line and sends at least 1 KiB before the first line', async () => {
    const res = await fetch(`${srv.url}/tail/hostile.log?follow=0&format=html`);
    assert.equal(res.headers.get('content-type'), 'text/html; charset=utf-8');
    assert.match(res.headers.get('content-security-policy') ?? '', /script-src 'sha256-[^']+'/);
    const body = await res.text();
    const firstLine = body.indexOf('<div data-id=');
    assert.ok(firstLine >= 1024, `prelude is ${firstLine} bytes`);
    assert.equal(body.match(/<script>/g)?.length, 1, "only the stream document's own script");
    assert.ok(!body.includes('<img'), 'no markup from the file');
    assert.ok(body.includes('&lt;script&gt;alert(1)&lt;/script&gt;'));
    assert.ok(body.includes('&lt;img src=x onerror=alert(2)&gt;'));
    const ids = [...body.matchAll(/data-id="(\d+)-(\d+)"/g)].map((m) => Number(m[2]));
    assert.deepEqual(ids, [26, 46, 81], 'each line carries the byte offset after it');
  });

  test('html shows ANSI colours as classes and never passes escape codes as markup', async () => {
    await writeFile(path.join(srv.dir, 'ansi.log'), '\x1b[31mred\x1b[0m plain \x1b[1;32mbold green <b>\x1b[0m\n');
    const body = await (await fetch(`${srv.url}/tail/ansi.log?follow=0&format=html`)).text();
    assert.match(
      body,
      /<span class="ansi-red-fg">red<\/span> plain <span class="ansi-green-fg ansi-bold">bold green &lt;b&gt;<\/span>/,
    );
    assert.ok(!body.includes('\x1b'));
  });

  test('format follows Accept when not given', async () => {
    const type = async (accept: string): Promise<string | null> => {
      const res = await fetch(`${srv.url}/tail/ten.log?follow=0`, { headers: { Accept: accept } });
      await res.arrayBuffer();
      return res.headers.get('content-type');
    };
    assert.equal(await type('text/html,application/xhtml+xml,*/*;q=0.8'), 'text/html; charset=utf-8');
    assert.equal(await type('text/event-stream'), 'text/event-stream; charset=utf-8');
    assert.equal(await type('*/*'), 'text/plain; charset=utf-8');
  });

  test('a stream flushes its headers at once, then sends the backlog and every appended line in order', async () => {
    const file = path.join(srv.dir, 'live.log');
    await writeFile(file, lines(1, 5));
    const s = await openStream(`${srv.url}/tail/live.log?lines=2`);
    assert.equal(s.status, 200);
    assert.equal(s.headers['transfer-encoding'], 'chunked');
    assert.equal(s.headers['cache-control'], 'no-cache');
    assert.equal(s.headers['x-accel-buffering'], 'no');
    assert.equal(s.headers['x-content-type-options'], 'nosniff');
    await s.waitFor((t) => t === 'line 4\nline 5\n', 'the backlog');
    for (let i = 6; i <= 200; i++) await appendFile(file, `line ${i}\n`);
    const text = await s.waitFor((t) => t.endsWith('line 200\n'), 'line 200');
    assert.equal(text, lines(4, 200));
    s.close();
  });

  test('html lines arrive live, each once, a partial line held until its newline', async () => {
    const file = path.join(srv.dir, 'live-html.log');
    await writeFile(file, 'line 1\n');
    const s = await openStream(`${srv.url}/tail/live-html.log?format=html`);
    await s.waitFor((t) => t.includes('>line 1</div>'), 'line 1');
    await appendFile(file, 'line 2\nline 3 is half');
    await s.waitFor((t) => t.includes('>line 2</div>'), 'line 2');
    await appendFile(file, ' and whole\nline 4\n');
    const text = await s.waitFor((t) => t.includes('>line 4</div>'), 'line 4');
    assert.ok(text.includes('>line 3 is half and whole</div>'), 'the held half joined its rest');
    assert.deepEqual(numbers(text), [1, 2, 3, 4]);
    s.close();
  });

  test('bad parameters get 400 with a one-line reason', async () => {
    for (const [q, reason] of [
      ['lines=-1', /lines must be an integer from 0 to 500/],
      ['lines=501', /lines must be an integer from 0 to 500/],
      ['lines=abc', /lines must be/],
      ['lines=1&lines=2', /lines is given more than once/],
      ['format=xml', /format must be text, html or sse/],
      ['follow=maybe', /follow must be 0 or 1/],
      ['from=nonsense', /from must be a line id/],
    ] as const) {
      const res = await fetch(`${srv.url}/tail/ten.log?${q}`);
      const body = await res.text();
      assert.equal(res.status, 400, q);
      assert.match(body, reason);
      assert.equal(body.trim().split('\n').length, 1, `one line for ${q}`);
    }
  });

  test('a missing file is 404, and wait=1 waits for it to appear', async () => {
    const res = await fetch(`${srv.url}/tail/later.log`);
    assert.equal(res.status, 404);
    await res.text();
    const s = await openStream(`${srv.url}/tail/later.log?wait=1`);
    assert.equal(s.status, 200);
    await writeFile(path.join(srv.dir, 'later.log'), 'line 1\nline 2\n');
    await s.waitFor((t) => t === 'line 1\nline 2\n', 'the new file from its start');
    s.close();
  });

  test('once a client has the headers, every line written afterwards reaches it (lines=0)', async () => {
    for (let i = 0; i < 30; i++) {
      const name = `fresh-${i}.log`;
      await writeFile(path.join(srv.dir, name), 'OLD-LINE\n');
      const s = await openStream(`${srv.url}/tail/${name}?lines=0&format=${['text', 'html', 'sse'][i % 3]}`);
      await appendFile(path.join(srv.dir, name), `line ${i}\n`);
      const text = await s.waitFor((t) => t.includes(`line ${i}`), `line ${i}`);
      assert.ok(!text.includes('OLD-LINE'), 'lines=0: no backlog');
      s.close();
    }
  });

  test('from=<id> and Last-Event-ID resume just after a line: nothing missed, nothing repeated', async () => {
    const file = path.join(srv.dir, 'resume.log');
    await writeFile(file, lines(1, 5));
    const first = await (await fetch(`${srv.url}/tail/resume.log?follow=0&format=sse&lines=5`)).text();
    const ids = [...first.matchAll(/^id: (\S+)$/gm)].map((m) => m[1] ?? '');
    assert.equal(ids.length, 5);
    await appendFile(file, lines(6, 8));
    const sse = await openStream(`${srv.url}/tail/resume.log?format=sse`, { 'Last-Event-ID': ids[1] ?? '' });
    const got = await sse.waitFor((t) => t.includes('data: line 8\n'), 'line 8');
    assert.deepEqual(numbers(got), [3, 4, 5, 6, 7, 8], 'after line 2, whatever lines= says');
    sse.close();
    const html = await (await fetch(`${srv.url}/tail/resume.log?follow=0&format=html&from=${ids[3] ?? ''}`)).text();
    assert.deepEqual(numbers(html), [5, 6, 7, 8]);
    const text = await (await fetch(`${srv.url}/tail/resume.log?follow=0&from=${ids[4] ?? ''}`)).text();
    assert.equal(text, lines(6, 8));
  });

  test('a client that goes away releases its follower', async () => {
    const s = await openStream(`${srv.url}/tail/ten.log?lines=1`);
    await s.waitFor((t) => t === 'line 10\n', 'the backlog');
    assert.equal(srv.running.engine.stats().files, 1);
    s.close();
    await waitUntil(() => srv.running.engine.stats().files === 0, 'the follower to close');
  });
});
