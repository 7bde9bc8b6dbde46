import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import { appendFile, open, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { after, before, describe, test } from 'node:test';
import { openFds } from '../helpers/proc.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openStream } from '../helpers/stream.js';
import { waitUntil } from '../helpers/wait.js';

const run = promisify(execFile);
const MAX_LINE = 4096;

/** What GNU grep prints for the same search, in the C locale (bytes, ASCII-only case folding). */
async function gnuGrep(args: string[], file: string): Promise<Buffer> {
  try {
    const { stdout } = await run('grep', [...args, '--', file], {
      env: { LC_ALL: 'C' },
      encoding: 'buffer',
      maxBuffer: 64 * 1024 * 1024,
    });
    return stdout;
  } catch (err) {
    // Exit status 1: no line matched.
    if ((err as { code?: number }).code === 1) return Buffer.alloc(0);
    throw err;
  }
}

/**
 * A line longer than MAX_LINE_BYTES is, for comet-tail, pieces of at most that
 * size, each a line of its own (and text ends each piece with a newline). The
 * same file with those cuts made into newlines is what GNU grep must agree with.
 */
function cutIntoPieces(file: Buffer): Buffer {
  const out: Buffer[] = [];
  for (let s = 0; s < file.length; ) {
    const nl = file.indexOf(0x0a, s);
    const e = nl < 0 ? file.length : nl;
    let p = s;
    // The fixtures' long lines are ASCII: every cut falls exactly at MAX_LINE bytes.
    for (; e - p > MAX_LINE; p += MAX_LINE) out.push(file.subarray(p, p + MAX_LINE), Buffer.from('\n'));
    out.push(file.subarray(p, nl < 0 ? e : e + 1));
    s = e + 1;
  }
  return Buffer.concat(out);
}

async function body(url: string): Promise<{ status: number; bytes: Buffer }> {
  const res = await fetch(url);
  return { status: res.status, bytes: Buffer.from(await res.arrayBuffer()) };
}

/** The (id, data) pairs of an sse body. */
function sseLines(text: string): Array<{ id: string; data: string }> {
  const out: Array<{ id: string; data: string }> = [];
  for (const m of text.matchAll(/^id: (\S+)\ndata: (.*)\n/gm)) out.push({ id: m[1] as string, data: m[2] as string });
  return out;
}

const TRICKY = Buffer.concat([
  Buffer.from('plain line\n'),
  Buffer.from('an Error in mixed case\n'),
  Buffer.from([0x62, 0x61, 0x64, 0x20, 0xff, 0xfe, 0x20, 0x65, 0x72, 0x72, 0x6f, 0x72, 0x20, 0xc3, 0x28, 0x0a]), // invalid UTF-8 around "error"
  Buffer.from('windows error line\r\n'),
  Buffer.from('windows quiet line\r\n'),
  Buffer.from(`long ERROR ${'y'.repeat(3 * MAX_LINE)}\n`),
  Buffer.from(`long quiet ${'z'.repeat(2 * MAX_LINE)}\n`),
  Buffer.from('\n'),
  Buffer.from('ERRORERROR twice\n'),
  Buffer.from('last error line\n'),
]);

describe('grep on /tail equals GNU grep in the C locale', () => {
  let srv: TestServer;
  let small: string;
  let big: string;
  before(async () => {
    srv = await startTestServer({
      MAX_LINE_BYTES: String(MAX_LINE),
      MAX_TAIL_LINES: '100000',
      SEARCH_TIMEOUT_MS: '60000',
    });
    await writeFile(path.join(srv.dir, 'tricky.log'), TRICKY);
    small = path.join(srv.dir, 'tricky-as-pieces.txt');
    await writeFile(small, cutIntoPieces(TRICKY));
    // 200,000 lines, a match in the first line only, and one that straddles the first 1 MiB block boundary from the end.
    big = path.join(srv.dir, 'big.log');
    const lines = ['first line holds the Needle\n'];
    for (let i = 2; i <= 200_000; i++) lines.push(`line ${String(i).padStart(7, '0')} ${'x'.repeat(40)}\n`);
    const head = Buffer.from(lines.join(''));
    const boundaryLine = Buffer.from('the boundary NEEDLE line\n');
    const split = boundaryLine.indexOf('EDLE');
    const after = Buffer.alloc(1024 * 1024 - (boundaryLine.length - split), 'w');
    for (let i = 99; i < after.length; i += 100) after[i] = 0x0a;
    after[after.length - 1] = 0x0a;
    await writeFile(big, Buffer.concat([head, boundaryLine, after]));
  });
  after(() => srv.close());

  const cases: Array<{ q: string; grep: string[] }> = [
    { q: 'grep=error', grep: ['-F', '-i', 'error'] },
    { q: 'grep=Error&case=1', grep: ['-F', 'Error'] },
    { q: 'grep=er%2Bor%20%5Ba-z%5D%2B%24&regex=1&case=1', grep: ['-E', 'er+or [a-z]+$'] },
    { q: 'grep=%5E(long%7Cwindows)%20%5BEQ%5D&regex=1', grep: ['-E', '-i', '^(long|windows) [EQ]'] },
    { q: 'grep=error&invert=1', grep: ['-v', '-F', '-i', 'error'] },
    { q: 'grep=line&invert=1&case=1', grep: ['-v', '-F', 'line'] },
  ];
  for (const c of cases) {
    test(`tricky lines: ${c.q} = grep ${c.grep.join(' ')}`, async () => {
      const got = await body(`${srv.url}/tail/tricky.log?follow=0&lines=1000&${c.q}`);
      assert.equal(got.status, 200);
      const expected = await gnuGrep(c.grep, small);
      assert.ok(expected.length > 0);
      assert.deepEqual(got.bytes.toString('latin1'), expected.toString('latin1'));
    });
  }

  for (const c of [
    { q: 'grep=needle', grep: ['-F', '-i', 'needle'] },
    { q: 'grep=NEEDLE&case=1', grep: ['-F', 'NEEDLE'] },
    { q: 'grep=ne%2Bdle&regex=1', grep: ['-E', '-i', 'ne+dle'] },
  ]) {
    test(`200,000 lines, matches in the first line and across a block boundary: ${c.q}`, async () => {
      const got = await body(`${srv.url}/tail/big.log?follow=0&lines=100&${c.q}`);
      assert.deepEqual(got.bytes.toString('latin1'), (await gnuGrep(c.grep, big)).toString('latin1'));
    });
  }

  test('html and sse show the same matches, as lines with their real ids', async () => {
    const sse = await (await fetch(`${srv.url}/tail/tricky.log?follow=0&format=sse&grep=error`)).text();
    const got = sseLines(sse);
    assert.equal(got.length, (await gnuGrep(['-F', '-i', 'error'], small)).toString('latin1').split('\n').length - 1);
    assert.match(got[0]?.data ?? '', /an Error in mixed case/);
    // Ids are offsets after each line in the file: a newline ends there, or a piece of the long line.
    for (const { id } of got) {
      const end = Number(id.split('-')[1]);
      assert.ok(TRICKY[end - 1] === 0x0a || TRICKY.subarray(end - 3, end).toString() === 'yyy', id);
    }
  });

  test('live lines are filtered the same way: only matching lines arrive, byte-exact', async () => {
    const file = path.join(srv.dir, 'live.log');
    await writeFile(file, 'old error one\nold quiet\n');
    const s = await openStream(`${srv.url}/tail/live.log?grep=ERROR`);
    await s.waitFor((t) => t.includes('old error one\n'), 'the backlog match');
    for (let i = 1; i <= 50; i++) await appendFile(file, i % 5 === 0 ? `new Error ${i}\r\n` : `noise ${i}\n`);
    await appendFile(file, 'part of an err');
    await appendFile(file, 'or split over two writes\nlast error\n');
    await s.waitFor((t) => t.includes('last error\n'), 'the last match');
    s.close();
    const expected = [
      'old error one\n',
      ...[5, 10, 15, 20, 25, 30, 35, 40, 45, 50].map((i) => `new Error ${i}\r\n`),
      'part of an error split over two writes\n',
      'last error\n',
    ].join('');
    assert.equal(s.text(), expected);
  });

  test('bad values are 400 with one line', async () => {
    for (const q of [
      'grep=(a)%5C1&regex=1',
      'grep=(%3F%3Dx)&regex=1',
      `grep=${'x'.repeat(1001)}`,
      'before=1-2&at=1-3',
      'before=abc',
      'at=1-2&from=1-3',
      'grep=x&regex=2',
    ]) {
      const res = await fetch(`${srv.url}/tail/tricky.log?${q}`);
      const text = await res.text();
      assert.equal(res.status, 400, q);
      assert.match(text, /^Bad Request: [^\n]+\n$/, q);
    }
    const far = await fetch(`${srv.url}/tail/tricky.log?at=1-2`);
    assert.equal(far.status, 404);
  });
});

describe('before= pages back, at= shows a line in context', () => {
  let srv: TestServer;
  const N = 2345;
  before(async () => {
    srv = await startTestServer({ MAX_LINE_BYTES: '256' });
    const lines: string[] = [];
    for (let i = 1; i <= N; i++) lines.push(i === 1000 ? `line ${i} ${'L'.repeat(600)}\n` : `line ${i}\n`);
    await writeFile(path.join(srv.dir, 'pages.log'), lines.join(''));
  });
  after(() => srv.close());

  async function pageAll(extra: string): Promise<Array<{ id: string; data: string }>> {
    let page = sseLines(await (await fetch(`${srv.url}/tail/pages.log?follow=0&format=sse&lines=100${extra}`)).text());
    const all = [...page];
    while (page.length > 0) {
      page = sseLines(
        await (await fetch(`${srv.url}/tail/pages.log?format=sse&lines=100&before=${page[0]?.id}${extra}`)).text(),
      );
      all.unshift(...page);
    }
    return all;
  }

  test('paging from the end to the start yields every line exactly once, in order', async () => {
    const all = await pageAll('');
    const numbers = all
      .map((l) => /^line (\d+)/.exec(l.data)?.[1])
      .filter((n) => n !== undefined)
      .map(Number);
    assert.deepEqual(
      numbers,
      Array.from({ length: N }, (_, i) => i + 1),
    );
    // The 600-byte line is three pieces of at most 256 bytes, each once.
    assert.equal(all.length, N + 2);
    assert.equal(new Set(all.map((l) => l.id)).size, all.length);
  });

  test('with grep, every matching line once', async () => {
    const all = await pageAll('&grep=7');
    const expected = Array.from({ length: N }, (_, i) => i + 1).filter((n) => String(n).includes('7'));
    assert.deepEqual(
      all.map((l) => Number(/^line (\d+)/.exec(l.data)?.[1])),
      expected,
    );
  });

  test('at=: the line, `lines` before and after, aria-current on that line only', async () => {
    const ids = sseLines(await (await fetch(`${srv.url}/tail/pages.log?follow=0&format=sse&lines=20`)).text());
    const target = ids[10] as { id: string; data: string };
    const res = await fetch(`${srv.url}/tail/pages.log?format=html&lines=3&at=${target.id}`);
    const html = await res.text();
    const shown = [...html.matchAll(/<div data-id="([^"]+)"( aria-current="true")?>line (\d+)<\/div>/g)];
    assert.deepEqual(
      shown.map((m) => Number(m[3])),
      [N - 12, N - 11, N - 10, N - 9, N - 8, N - 7, N - 6],
    );
    assert.deepEqual(
      shown.filter((m) => m[2] !== undefined).map((m) => m[1]),
      [target.id],
    );
    // With grep, the context is matching lines; the line itself is shown whatever it holds.
    const sse = await (await fetch(`${srv.url}/tail/pages.log?format=sse&lines=2&at=${target.id}&grep=9`)).text();
    assert.deepEqual(
      sseLines(sse).map((l) => l.data),
      ['line 2319', 'line 2329', `line ${N - 9}`, 'line 2339'],
    );
  });
});

describe('the search budget and cancellation', () => {
  let srv: TestServer;
  let slow: TestServer;
  before(async () => {
    srv = await startTestServer({ SEARCH_TIMEOUT_MS: '100' });
    slow = await startTestServer({ SEARCH_TIMEOUT_MS: '60000' });
    for (const dir of [srv.dir, slow.dir]) {
      const fh = await open(path.join(dir, 'sparse.log'), 'w');
      await fh.truncate(1024 * 1024 * 1024);
      await fh.close();
      await appendFile(path.join(dir, 'sparse.log'), '\nfirst real line\nsecond real line\n');
      await writeFile(path.join(dir, 'redos.log'), `before\n${'a'.repeat(50_000)}!\nafter aaa\n`);
    }
  });
  after(async () => {
    await srv.close();
    await slow.close();
  });

  test('a search of a 1 GiB sparse file ends in time and says partial (html notice, sse event, text simply ends)', async () => {
    for (const [format, partial] of [
      ['html', /<div class="n" role="status">search stopped at its time limit/],
      ['sse', /^event: partial\n/m],
      ['text', /^$/],
    ] as const) {
      const started = Date.now();
      const s = await openStream(`${srv.url}/tail/sparse.log?follow=0&grep=nowhere&format=${format}`);
      await s.ended;
      assert.ok(Date.now() - started < 10_000, `${format} took ${Date.now() - started} ms`);
      assert.ok(s.completed(), format);
      assert.match(s.text(), partial, format);
    }
  });

  test('(a+)+$ over a long aaaa…! line answers at once (a linear engine)', async () => {
    const started = Date.now();
    const got = await body(`${srv.url}/tail/redos.log?follow=0&regex=1&grep=(a%2B)%2B%24`);
    assert.equal(got.bytes.toString(), 'after aaa\n');
    assert.ok(Date.now() - started < 3000, `${Date.now() - started} ms`);
  });

  test('/healthz stays fast during a big search; the client leaving stops it', async () => {
    const file = path.join(slow.dir, 'sparse.log');
    // A regular expression over 1 GiB: tens of seconds of work for re2js, cut into short steps.
    const s = await openStream(`${slow.url}/tail/sparse.log?follow=0&grep=nowhere%5B0-9%5D&regex=1&format=sse`);
    await waitUntil(() => openFds('self', file) > 0, 'the search to open the file');
    const latencies: number[] = [];
    for (let i = 0; i < 10; i++) {
      const t = Date.now();
      assert.equal((await fetch(`${slow.url}/healthz`)).status, 200);
      latencies.push(Date.now() - t);
    }
    assert.ok(Math.max(...latencies) < 1000, `healthz took ${latencies.join(', ')} ms`);
    assert.ok(openFds('self', file) > 0, 'the search is still running');
    const left = Date.now();
    s.close();
    await waitUntil(() => openFds('self', file) === 0, 'the search to stop and close the file', 10_000);
    assert.ok(Date.now() - left < 5000, `the search went on ${Date.now() - left} ms after the client left`);
  });
});
