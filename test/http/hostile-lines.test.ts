import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { performance } from 'node:perf_hooks';
import { after, before, describe, test } from 'node:test';
import { lineMarkup, visibleText } from '../helpers/html-lines.js';
import { openStream } from '../helpers/stream.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const ESC = '\x1b';
// `ESC [` then a non-ASCII character: a sequence that never completes, which once blanked every later line.
const POISON = `poison ${ESC}[é here`;
const NORMAL = ['first normal line', 'second normal line', 'third normal line'];
const POISONED_FILE = `${POISON}\n${NORMAL.join('\n')}\n`;

/** Whole line elements received so far (a chunk may end inside one). */
const lineCount = (body: string): number => body.split('</div>\n').length - 1;

describe('hostile lines stay text, per line, in linear time', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer({ TAIL_LINES: '100' });
    await writeFile(path.join(srv.dir, 'poisoned.log'), POISONED_FILE);
  });
  after(() => srv.close());

  test('html: the lines after a poison line each show their own text, in order (backlog)', async () => {
    const body = await (await fetch(`${srv.url}/tail/poisoned.log?follow=0&format=html`)).text();
    assert.deepEqual(lineMarkup(body).map(visibleText), ['poison ␛[é here', ...NORMAL]);
  });

  test('html: live lines after a poison line, and after invalid UTF-8 behind ESC [, each show their own text', async () => {
    const file = path.join(srv.dir, 'live-poison.log');
    await writeFile(file, 'start\n');
    const s = await openStream(`${srv.url}/tail/live-poison.log?format=html`);
    await s.waitFor((t) => lineCount(t) === 1, 'the backlog line');
    await appendFile(file, `${POISON}\n`);
    await s.waitFor((t) => lineCount(t) === 2, 'the poison line');
    await appendFile(
      file,
      Buffer.concat([Buffer.from(`${ESC}[`), Buffer.from([0xff, 0xfe]), Buffer.from(' bad bytes\n')]),
    );
    for (const line of NORMAL) await appendFile(file, `${line}\n`);
    const body = await s.waitFor((t) => lineCount(t) === 6, 'six lines');
    s.close();
    assert.deepEqual(lineMarkup(body).map(visibleText), [
      'start',
      'poison ␛[é here',
      '␛[\uFFFD\uFFFD bad bytes',
      ...NORMAL,
    ]);
  });

  test('text and sse streams of the same file are unaffected', async () => {
    const text = await (await fetch(`${srv.url}/tail/poisoned.log?follow=0`)).text();
    assert.equal(text, POISONED_FILE, 'text is byte-exact, escape codes included');
    const sse = await (await fetch(`${srv.url}/tail/poisoned.log?follow=0&format=sse`)).text();
    const data = [...sse.matchAll(/^id: \S+\ndata: (.*)$/gm)].map((m) => m[1]);
    assert.deepEqual(data, [POISON, ...NORMAL]);
  });

  test('an escape-code hyperlink is never a link: constructor: scheme, URL and text visible', async () => {
    const lines = [
      `${ESC}]8;;constructor:alert(1)\x07click here${ESC}]8;;\x07 after`,
      `${ESC}]8;;https://evil.example/${ESC}\\visit${ESC}]8;;${ESC}\\`,
      'plain after links',
    ];
    await writeFile(path.join(srv.dir, 'links.log'), `${lines.join('\n')}\n`);
    const body = await (await fetch(`${srv.url}/tail/links.log?follow=0&format=html`)).text();
    const markup = lineMarkup(body);
    assert.ok(!body.includes('<a'), 'no link anywhere');
    assert.deepEqual(markup.map(visibleText), [
      '␛]8;;constructor:alert(1)␇click here␛]8;;␇ after',
      '␛]8;;https://evil.example/␛\\visit␛]8;;␛\\',
      'plain after links',
    ]);
  });

  test('/healthz answers quickly while 64 KiB OSC-8 lines are streamed to an html client', async (t) => {
    const file = path.join(srv.dir, 'osc-flood.log');
    await writeFile(file, 'start\n');
    const s = await openStream(`${srv.url}/tail/osc-flood.log?format=html`);
    await s.waitFor((t) => lineCount(t) === 1, 'the backlog line');
    const hostile = `${`${ESC}]8;`.repeat(Math.floor((64 * 1024 - 3) / 4))}\x07\x07\n`;
    await appendFile(file, hostile.repeat(4));
    // Probe /healthz one request after another for as long as the four lines are on their way; the slowest answer counts.
    const delivered = s.waitFor((t) => lineCount(t) === 5, 'the four hostile lines', 60_000);
    let done = false;
    void delivered.then(
      () => (done = true),
      () => (done = true),
    );
    let slowest = 0;
    let probes = 0;
    while (!done) {
      const t0 = performance.now();
      const res = await fetch(`${srv.url}/healthz`);
      assert.deepEqual(await res.json(), { status: 'ok' });
      slowest = Math.max(slowest, performance.now() - t0);
      probes++;
    }
    const body = await delivered;
    s.close();
    t.diagnostic(`slowest /healthz of ${probes}: ${slowest.toFixed(1)} ms`);
    assert.ok(slowest < 500, `the slowest of ${probes} /healthz answers took ${slowest.toFixed(0)} ms`);
    const shown = lineMarkup(body).slice(1).map(visibleText);
    assert.deepEqual(
      shown.map((l) => l.length),
      [0, 1, 2, 3].map(() => hostile.length - 1),
      'every character of each line is shown',
    );
  });
});
