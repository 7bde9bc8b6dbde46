// The viewer's history (issue 15) in real Chromium: load older, permalinks, the search view, .gz files.
// The functions passed to evaluate / waitForFunction run inside Chromium (tsconfig.browser.json gives this folder the DOM types).
import assert from 'node:assert/strict';
import { appendFile, truncate, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { gzipSync } from 'node:zlib';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import { SEARCH_PARTIAL_NOTICE } from '../../src/format/formatter.js';
import { type CheckedWindow, launchChromium, newCheckedContext } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

const TEST_TIMEOUT = 180_000;
const MAX_LINES = 500;
const BATCH = 200;
const ENV = { TAIL_LINES: String(BATCH), VIEWER_MAX_LINES: String(MAX_LINES) };

/** `line from\n` .. `line to\n`. */
const lines = (from: number, to: number): string =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join('');
const texts = (from: number, to: number): string[] =>
  Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);

interface ShownLine {
  readonly text: string;
  readonly id: string;
}

let browser: Browser;

before(async () => {
  browser = await launchChromium();
});

after(async () => {
  await browser?.close();
});

describe('the viewer reads the past: load older, permalinks, the search view, .gz files', () => {
  let srv: TestServer;
  let context: BrowserContext;
  /** CSP violations, console errors and uncaught page errors, from every page of the context. */
  let problems: string[];

  beforeEach(async () => {
    srv = await startTestServer(ENV);
    ({ context, problems } = await newCheckedContext(browser));
  });

  afterEach(async () => {
    await context?.close();
    // Every page's stream has been seen to end before the server stops: none starts during its shutdown.
    if (srv !== undefined) await waitUntil(() => srv.running.streams.size === 0, "the pages' streams to end", 20_000);
    await srv?.close();
  });

  const write = (name: string, content: string | Buffer): Promise<void> => writeFile(path.join(srv.dir, name), content);
  const append = (name: string, content: string): Promise<void> => appendFile(path.join(srv.dir, name), content);

  async function open(page: Page, pathAndQuery: string, state = 'connected'): Promise<void> {
    const res = await page.goto(`${srv.url}${pathAndQuery}`);
    assert.equal(res?.status(), 200);
    await page.waitForSelector(`#conn[data-state=${state}]`);
  }

  const shownLines = (page: Page): Promise<ShownLine[]> =>
    page.$$eval('#lines .l:not([hidden])', (els) =>
      els.map((e) => ({ text: e.textContent ?? '', id: e.getAttribute('data-id') ?? '' })),
    );

  const waitForLastLine = (page: Page, text: string): Promise<unknown> =>
    page.waitForFunction((want) => [...document.querySelectorAll('#lines .l')].at(-1)?.textContent === want, text);

  /**
   * Scrolls to the very top (where loading older lines starts) and, in the same task, reads where
   * the first line is on screen; waits until older lines went in above it (or the start of the
   * file is announced) and returns the lines that came, and how far the first line moved.
   */
  async function loadOlder(page: Page): Promise<{ added: ShownLine[]; moved: number; start: boolean }> {
    const was = await page.evaluate(() => {
      const box = document.getElementById('lines') as HTMLElement;
      box.scrollTop = 0;
      const first = box.querySelector<HTMLElement>('.l:not([hidden])');
      return { id: first?.dataset.id ?? '', top: first?.getBoundingClientRect().top ?? 0 };
    });
    await page.waitForFunction(
      (id) =>
        document.querySelector('#lines .l:not([hidden])')?.getAttribute('data-id') !== id ||
        !(document.getElementById('older-start') as HTMLElement).hidden,
      was.id,
    );
    const shown = await shownLines(page);
    const at = shown.findIndex((l) => l.id === was.id);
    assert.ok(at >= 0, 'the line that was first is still on the page');
    const now = await page.evaluate(
      (id) => document.querySelector(`#lines .l[data-id="${id}"]`)?.getBoundingClientRect().top ?? NaN,
      was.id,
    );
    const start = await page.evaluate(() => !(document.getElementById('older-start') as HTMLElement).hidden);
    return { added: shown.slice(0, at), moved: Math.abs(now - was.top), start };
  }

  const noProblems = (allowed: RegExp | null = null): void =>
    assert.deepEqual(
      problems.filter((p) => allowed === null || !allowed.test(p)),
      [],
      'no CSP violation, no console error, no page error',
    );

  test("load older from the end to the start of a 3,000-line file: every line once, in order, at most VIEWER_MAX_LINES on the page, the reader's place kept", {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await write('app.log', lines(1, 3000));
    const page = await context.newPage();
    await open(page, '/view/app.log');
    await waitForLastLine(page, 'line 3000');
    const initial = await shownLines(page);
    assert.deepEqual(
      initial.map((l) => l.text),
      texts(2801, 3000),
    );

    const batches: ShownLine[][] = [initial];
    const moves: number[] = [];
    const counts: number[] = [];
    for (let i = 0; i < 40; i++) {
      const got = await loadOlder(page);
      if (got.added.length > 0) {
        batches.unshift(got.added);
        moves.push(got.moved);
      }
      counts.push(await page.locator('#lines .l').count());
      if (got.start) break;
    }
    const seen = batches.flat();
    assert.deepEqual(
      seen.map((l) => l.text),
      texts(1, 3000),
      'every line seen exactly once across the loads, in file order',
    );
    assert.equal(new Set(seen.map((l) => l.id)).size, 3000, 'each with its own id');
    assert.ok(
      batches.slice(0, -1).every((b) => b.length === BATCH),
      `batches of ${BATCH}: ${batches.map((b) => b.length).join(',')}`,
    );
    assert.ok(Math.max(...counts) <= MAX_LINES, `at most ${MAX_LINES} line elements on the page: ${counts.join(',')}`);
    assert.equal(counts.at(-1), MAX_LINES);
    assert.ok(Math.max(...moves) <= 3, `the line that was at the top stayed in place: moved ${moves.join(',')} px`);
    assert.equal(await page.locator('#older-start').textContent(), 'start of file');
    assert.deepEqual(
      (await shownLines(page)).map((l) => l.text),
      texts(1, MAX_LINES),
    );

    // The newest lines left the page: it does not claim to follow, it offers the live end.
    assert.equal(await page.locator('#jump').isVisible(), true);
    assert.match((await page.locator('#jump').textContent()) ?? '', /live end/);
    assert.notEqual(await page.locator('#conn').getAttribute('data-state'), 'connected');
    await append('app.log', 'line 3001\n');
    await page.locator('#jump').click();
    await page.waitForSelector('#conn[data-state=connected]');
    await waitForLastLine(page, 'line 3001');
    assert.deepEqual(
      (await shownLines(page)).map((l) => l.text),
      texts(2802, 3001),
      'the tail loaded afresh',
    );
    await append('app.log', 'line 3002\n');
    await waitForLastLine(page, 'line 3002');
    noProblems();
  });

  test('permalink: "copy link" gives /view/<file>?at=<id>; opening it shows that line marked and in view, its neighbours around it, not following', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await write('app.log', lines(1, 3000));
    await context.grantPermissions(['clipboard-read', 'clipboard-write'], { origin: new URL(srv.url).origin });
    const page = await context.newPage();
    await open(page, '/view/app.log');
    await waitForLastLine(page, 'line 3000');
    const target = page.locator('#lines .l', { hasText: /^line 2950$/ });
    const id = await target.getAttribute('data-id');
    assert.match(id ?? '', /^\d+-\d+$/);
    await target.click();
    await page.getByRole('button', { name: 'copy link to this line' }).click();
    const link = await page.evaluate(() => navigator.clipboard.readText());
    assert.equal(link, `${srv.url}/view/app.log?at=${id}`);

    const other = await context.newPage();
    await open(other, new URL(link).pathname + new URL(link).search, 'still');
    const current = other.locator('#lines [aria-current="true"]');
    assert.equal(await current.count(), 1, 'exactly one element is aria-current');
    assert.equal(await current.textContent(), 'line 2950');
    assert.equal(await current.getAttribute('data-id'), id);
    const place = await other.evaluate(() => {
      const box = (document.getElementById('lines') as HTMLElement).getBoundingClientRect();
      const el = document.querySelector('#lines [aria-current="true"]') as HTMLElement;
      const r = el.getBoundingClientRect();
      return {
        inView: r.top >= box.top && r.bottom <= box.bottom,
        prev: el.previousElementSibling?.textContent,
        next: el.nextElementSibling?.textContent,
        bg: getComputedStyle(el).backgroundColor,
      };
    });
    assert.deepEqual(
      { inView: place.inView, prev: place.prev, next: place.next },
      { inView: true, prev: 'line 2949', next: 'line 2951' },
    );
    assert.notEqual(place.bg, 'rgba(0, 0, 0, 0)', 'visibly highlighted');
    assert.deepEqual(
      (await shownLines(other)).map((l) => l.text),
      texts(2750, 3000),
      'the line with its context: the lines before it and after it',
    );
    // It stays there: a line appended does not move the page away from it.
    await append('app.log', 'line 3001\n');
    assert.match((await other.locator('#jump').textContent()) ?? '', /live end/);
    await other.locator('#jump').click();
    await waitForLastLine(other, 'line 3001');
    assert.equal(new URL(other.url()).searchParams.get('at'), null, 'the live view is the plain view');

    // An id whose file is gone: the page says so.
    const gone = await context.newPage();
    await open(gone, '/view/app.log?at=999999999-12', 'ended');
    assert.match((await gone.locator('#banner').textContent()) ?? '', /not in the file any more/);
    const bad = await fetch(`${srv.url}/view/app.log?at=nonsense`);
    assert.equal(bad.status, 400);
    assert.match(await bad.text(), /^Bad Request: at must be a line id[^\n]*\n$/, 'one line saying why');
    noProblems(/status of 404/);
  });

  test('the search view: the matching lines of the whole file, older ones loaded, new matches live, each result linking to its place', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    const all = Array.from({ length: 3000 }, (_, i) =>
      i % 7 === 3 ? `line ${i + 1} ERROR disk ${i}` : `line ${i + 1} ok`,
    );
    await write('app.log', `${all.join('\n')}\n`);
    const want = all.filter((l) => l.toLowerCase().includes('error'));
    assert.ok(
      want.length > BATCH && want.length < MAX_LINES,
      `${want.length} matches: more than a batch, fewer than the page holds`,
    );

    const page = await context.newPage();
    await open(page, '/view/app.log');
    await page.locator('#filter').fill('error');
    await page.locator('#filter').press('Control+Enter');
    await page.waitForURL(/\?grep=error$/);
    await page.waitForSelector('#conn[data-state=connected]');
    await waitForLastLine(page, `${want.at(-1)}`);
    assert.deepEqual(
      (await shownLines(page)).map((l) => l.text),
      want.slice(-BATCH),
      'the last matching lines of the whole file',
    );
    assert.match((await page.locator('#mode').textContent()) ?? '', /Search of the whole file for “error”/);
    for (let i = 0; i < 5 && !(await loadOlder(page)).start; i++);
    assert.deepEqual(
      (await shownLines(page)).map((l) => l.text),
      want,
      'load older in the search view: every match once, in order',
    );
    assert.equal(await page.locator('#result-count').getAttribute('data-count'), String(want.length));

    await append('app.log', 'line 3001 fine\nline 3002 error again\n');
    await waitForLastLine(page, 'line 3002 error again');
    assert.equal(
      await page.locator('#lines .l', { hasText: 'line 3001 fine' }).count(),
      0,
      'a line that does not match is not shown',
    );

    // Each result links to its own place in the file.
    const results = await page.$$eval('#lines .l', (els) =>
      els.map((e) => ({
        id: e.getAttribute('data-id'),
        href: e.querySelector('a.goto')?.getAttribute('href') ?? null,
      })),
    );
    for (const r of results) assert.equal(r.href, `${srv.url}/view/app.log?at=${r.id}`);
    const pick = want[100] as string;
    await page
      .locator('#lines .l', { hasText: new RegExp(`^${pick}$`) })
      .locator('a.goto')
      .click();
    await page.waitForURL(/\?at=/);
    await page.waitForSelector('#lines [aria-current="true"]');
    assert.equal(await page.locator('#lines [aria-current="true"]').textContent(), pick);
    await page.locator('#mode a').click();
    await page.waitForURL(`${srv.url}/view/app.log`);
    noProblems();
  });

  test('a search stopped by its time budget: the matches found before the stop are shown, and the page says the search stopped', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    // No page has opened yet: this test's server is one whose budget a 1 GiB file outlasts.
    await srv.close();
    srv = await startTestServer({ ...ENV, SEARCH_TIMEOUT_MS: '100' });
    // Sparse (no disk used): two matches at the end, read first, then a gigabyte the search cannot finish in 100 ms.
    await write('sparse.log', '');
    await truncate(path.join(srv.dir, 'sparse.log'), 1024 ** 3);
    await append('sparse.log', '\nline 1 error\nline 2 error\n');

    const page = await context.newPage();
    await open(page, '/view/sparse.log?grep=error');
    const notice = page.locator('#lines .n', { hasText: SEARCH_PARTIAL_NOTICE });
    await notice.waitFor();
    assert.equal(await notice.textContent(), `search stopped early: ${SEARCH_PARTIAL_NOTICE}`);
    await page.locator('#mode .partial').waitFor();
    assert.equal(
      await page.locator('#mode .partial').textContent(),
      'the search stopped at its time limit: older lines were not all searched',
      'the search header says so too',
    );
    await waitForLastLine(page, 'line 2 error');
    assert.deepEqual(
      (await shownLines(page)).map((l) => l.text),
      ['line 1 error', 'line 2 error'],
      'the matches found before the stop',
    );
    assert.equal(await page.locator('#result-count').getAttribute('data-count'), '2');
    noProblems();
  });

  test('a .gz file is shown whole and its view ends: complete, never reconnecting', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await write('old.log.2.gz', gzipSync(lines(1, 300)));
    const page = await context.newPage();
    const tailRequests: string[] = [];
    page.on('request', (r) => {
      if (r.url().includes('/tail/')) tailRequests.push(new URL(r.url()).search);
    });
    await open(page, '/view/old.log.2.gz', 'complete');
    await waitForLastLine(page, 'line 300');
    assert.match((await page.locator('#conn').textContent()) ?? '', /complete \(compressed file\)/);
    // Older lines of a compressed file load like any file's.
    const older = await loadOlder(page);
    assert.deepEqual(
      older.added.map((l) => l.text),
      texts(1, 100),
    );
    // A reconnect would come within a second of the end (backoff from 250 ms): watch for one a while.
    await page.waitForTimeout(2000);
    assert.deepEqual(await page.evaluate(() => (window as CheckedWindow).__states), [
      'connecting',
      'connected',
      'complete',
    ]);
    assert.equal(
      tailRequests.filter((q) => !q.includes('before=')).length,
      1,
      `one stream request, not retried: ${tailRequests.join(' ')}`,
    );
    noProblems();
  });
});
