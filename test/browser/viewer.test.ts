// The functions passed to evaluate / waitForFunction run inside Chromium: tsconfig.browser.json gives this folder the DOM types.
import assert from 'node:assert/strict';
import { appendFile, mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import { chromium, type Browser, type BrowserContext, type Frame, type Page } from 'playwright-core';
import { requireDebianPackage } from '../helpers/debian.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TIMEOUT = 30_000;
const TEST_TIMEOUT = 120_000;

/** `line from\n` .. `line to\n`. */
const lines = (from: number, to: number): string => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}\n`).join('');
const texts = (from: number, to: number): string[] => Array.from({ length: to - from + 1 }, (_, i) => `line ${from + i}`);
/** The byte offset just after `line n\n` in a file that is `lines(1, ...)`. */
const offsetAfter = (n: number): number => Buffer.byteLength(lines(1, n));

const HOSTILE = '<img src=x onerror="window.__pwned=1"> and <script>window.__pwned=2</script>';

type TestWindow = Window & { __pwned?: unknown; __scrollEnded?: boolean; __cometTailReport?: (what: string) => Promise<void>; __cometTailReported?: Promise<void> };

interface ShownLine {
  readonly text: string;
  readonly id: string;
}

interface ScrollState {
  readonly top: number;
  readonly height: number;
  readonly view: number;
  readonly atBottom: boolean;
}

let browser: Browser;

before(async () => {
  browser = await chromium.launch({
    executablePath: requireDebianPackage('chromium', '/usr/bin/chromium'),
    args: ['--no-sandbox', '--disable-gpu', '--disable-background-networking', '--disable-component-update', '--disable-sync', '--no-first-run', '--disable-quic'],
  });
});

after(async () => {
  await browser?.close();
});

describe('the pages in a real browser', () => {
  let srv: TestServer;
  let context: BrowserContext;
  let page: Page;
  /** CSP violations (from any frame), CSP console messages and uncaught page errors. */
  let problems: string[];

  beforeEach(async () => {
    srv = await startTestServer({ TAIL_LINES: '100' });
    context = await browser.newContext({ viewport: { width: 1000, height: 700 } });
    context.setDefaultTimeout(TIMEOUT);
    problems = [];
    await context.exposeBinding('__cometTailReport', (source, what: string) => {
      problems.push(`securitypolicyviolation in ${source.frame.url()}: ${what}`);
    });
    // Runs in every frame, before the page's own script.
    await context.addInitScript(() => {
      document.addEventListener(
        'securitypolicyviolation',
        (e) => {
          const w = window as TestWindow;
          w.__cometTailReported = w.__cometTailReport?.(`${e.violatedDirective} blocked=${e.blockedURI} sample=${e.sample}`);
        },
        true,
      );
    });
    page = await context.newPage();
    page.on('console', (m) => {
      if (/content security policy|refused to/i.test(m.text())) problems.push(`console ${m.type()}: ${m.text()}`);
    });
    page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
  });

  afterEach(async () => {
    await context?.close();
    await srv?.close();
  });

  const write = (name: string, content: string): Promise<void> => writeFile(path.join(srv.dir, name), content);
  const append = (name: string, content: string): Promise<void> => appendFile(path.join(srv.dir, name), content);

  /** The iframe of a viewer page already navigated to. */
  async function logFrame(): Promise<Frame> {
    const iframe = await page.waitForSelector('iframe#log', { state: 'attached' });
    const frame = await iframe.contentFrame();
    assert.ok(frame, 'the viewer has an iframe');
    return frame;
  }

  /** Opens a viewer URL; its load event never fires (the iframe's stream never ends), so only wait for the DOM. */
  async function openViewer(pathAndQuery: string): Promise<Frame> {
    const res = await page.goto(`${srv.url}${pathAndQuery}`, { waitUntil: 'domcontentloaded' });
    assert.equal(res?.status(), 200);
    return logFrame();
  }

  /** Waits until the last `.l` in the frame reads `text`. */
  async function waitForLastLine(frame: Frame, text: string): Promise<void> {
    await frame.waitForFunction(
      (want) => {
        const all = document.querySelectorAll('.l');
        return all.length > 0 && all[all.length - 1]?.textContent === want;
      },
      text,
      { timeout: TIMEOUT },
    );
  }

  const shownLines = (frame: Frame): Promise<ShownLine[]> =>
    frame.$$eval('.l', (els) => els.map((e) => ({ text: e.textContent ?? '', id: e.getAttribute('data-id') ?? '' })));

  const scrollState = (frame: Frame): Promise<ScrollState> =>
    frame.evaluate(() => {
      const el = document.scrollingElement ?? document.documentElement;
      return { top: el.scrollTop, height: el.scrollHeight, view: innerHeight, atBottom: el.scrollTop + innerHeight >= el.scrollHeight - 8 };
    });

  async function assertAtBottom(frame: Frame, when: string): Promise<void> {
    const s = await scrollState(frame);
    assert.ok(s.height > s.view + 200, `${when}: the content overflows the frame (${JSON.stringify(s)}), so scrolling means something`);
    assert.ok(s.atBottom, `${when}: the frame is scrolled to its bottom: ${JSON.stringify(s)}`);
  }

  /** Lines shown are exactly `line from`..`line to`, in order, each with a distinct data-id naming the offset after it. */
  function assertShown(shown: readonly ShownLine[], from: number, to: number): void {
    assert.deepEqual(
      shown.map((l) => l.text),
      texts(from, to),
    );
    const offsets = shown.map((l) => {
      const m = /^\S+-(\d+)$/.exec(l.id);
      assert.ok(m, `data-id ${JSON.stringify(l.id)} is an id token`);
      return Number(m[1]);
    });
    assert.deepEqual(
      offsets,
      Array.from({ length: to - from + 1 }, (_, i) => offsetAfter(from + i)),
      'each data-id carries the byte offset after its line',
    );
    assert.equal(new Set(shown.map((l) => l.id)).size, shown.length, 'data-ids are unique');
  }

  /** Wheels the mouse over the iframe, like a reader, and waits until that scroll has ended and been seen by the page. */
  async function wheelInFrame(frame: Frame, deltaY: number): Promise<ScrollState> {
    const box = await (await page.waitForSelector('iframe#log')).boundingBox();
    assert.ok(box, 'the iframe is laid out');
    await frame.evaluate(() => {
      const w = window as TestWindow;
      w.__scrollEnded = false;
      addEventListener('scrollend', () => (w.__scrollEnded = true), { once: true });
    });
    await page.mouse.move(box.x + box.width / 2, box.y + box.height / 2);
    await page.mouse.wheel(0, deltaY);
    await frame.waitForFunction(() => (window as TestWindow).__scrollEnded === true);
    // Scroll events for the final position are dispatched before the next frames' animation callbacks.
    await frame.evaluate(
      () => new Promise<void>((resolve) => requestAnimationFrame(() => requestAnimationFrame(() => resolve()))),
    );
    return scrollState(frame);
  }

  test('the viewer shows the last TAIL_LINES lines in order, scrolled to the bottom', { timeout: TEST_TIMEOUT }, async () => {
    await write('app.log', lines(1, 300));
    const frame = await openViewer('/view/app.log');
    await waitForLastLine(frame, 'line 300');
    assertShown(await shownLines(frame), 201, 300);
    assert.equal(await page.locator('h1 strong').textContent(), 'app.log');
    await frame.waitForFunction(() => {
      const el = document.scrollingElement ?? document.documentElement;
      return el.scrollTop + innerHeight >= el.scrollHeight - 8;
    });
    await assertAtBottom(frame, 'after the backlog');
    assert.deepEqual<string[]>(problems, [], 'no CSP violation and no page error');
  });

  test('appended lines appear once each, in order, and the frame stays at the bottom', { timeout: TEST_TIMEOUT }, async () => {
    await write('app.log', lines(1, 300));
    const frame = await openViewer('/view/app.log');
    await waitForLastLine(frame, 'line 300');
    await assertAtBottom(frame, 'after the backlog');
    for (const [from, to] of [
      [301, 350],
      [351, 420],
      [421, 470],
      [471, 500],
    ] as const) {
      await append('app.log', lines(from, to));
      await waitForLastLine(frame, `line ${to}`);
      assertShown(await shownLines(frame), 201, to);
      await assertAtBottom(frame, `after lines ${from}..${to}`);
    }
    const shown = await shownLines(frame);
    assert.equal(shown.length, 300);
    assert.equal(shown.at(-1)?.text, 'line 500');
    assertShown(shown, 201, 500);
    assert.deepEqual<string[]>(problems, [], 'no CSP violation and no page error');
  });

  test('scrolling up pauses following; scrolling back to the bottom resumes it', { timeout: TEST_TIMEOUT }, async () => {
    await write('app.log', lines(1, 300));
    const frame = await openViewer('/view/app.log');
    await waitForLastLine(frame, 'line 300');
    await assertAtBottom(frame, 'after the backlog');

    const up = await wheelInFrame(frame, -600);
    assert.ok(!up.atBottom && up.top < up.height - up.view - 100, `the reader scrolled up: ${JSON.stringify(up)}`);
    await append('app.log', lines(301, 360));
    await waitForLastLine(frame, 'line 360');
    const paused = await scrollState(frame);
    assert.equal(paused.top, up.top, 'the frame stays where the reader left it');
    assert.ok(paused.height > up.height, 'the new lines were added below');
    assert.ok(!paused.atBottom);

    const down = await wheelInFrame(frame, 100_000);
    assert.ok(down.atBottom, `the reader scrolled back to the bottom: ${JSON.stringify(down)}`);
    await append('app.log', lines(361, 420));
    await waitForLastLine(frame, 'line 420');
    await assertAtBottom(frame, 'after scrolling back down and more lines');
    assert.ok((await scrollState(frame)).top > down.top, 'following resumed');
    assertShown(await shownLines(frame), 201, 420);
    assert.deepEqual<string[]>(problems, [], 'no CSP violation and no page error');
  });

  test('markup in a line is text; only the stream document\'s own script runs', { timeout: TEST_TIMEOUT }, async () => {
    await write('app.log', `${lines(1, 150)}${HOSTILE}\n`);
    const frame = await openViewer('/view/app.log');
    await waitForLastLine(frame, HOSTILE);
    // The auto-scroll is the stream document's inline script at work: it ran under the hash CSP.
    await assertAtBottom(frame, 'with a hostile line in the backlog');
    // The same line arriving live goes through the same escaping.
    await append('app.log', `${HOSTILE}\nline after\n`);
    await waitForLastLine(frame, 'line after');
    await assertAtBottom(frame, 'after a hostile line arrived live');

    const shown = await shownLines(frame);
    assert.deepEqual(
      shown.map((l) => l.text),
      [...texts(52, 150), HOSTILE, HOSTILE, 'line after'],
      'the hostile lines are shown as their raw text, in their place',
    );
    const dom = await frame.evaluate(() => ({
      lineMarkup: document.querySelectorAll('.l img, .l script, .l *[onerror]').length,
      imgs: document.images.length,
      scripts: document.scripts.length,
      pwned: typeof (window as TestWindow).__pwned,
    }));
    assert.deepEqual(dom, { lineMarkup: 0, imgs: 0, scripts: 1, pwned: 'undefined' });
    assert.equal(await page.evaluate(() => typeof (window as TestWindow).__pwned), 'undefined');
    assert.deepEqual<string[]>(problems, [], 'no CSP violation and no page error in either frame');

    // The empty list means something: an injected inline script is refused, and both the event and the console say so.
    const consoleSaid = page.waitForEvent('console', { predicate: (m) => /content security policy/i.test(m.text()) });
    const control = await frame.evaluate(async () => {
      const w = window as TestWindow;
      const seen = new Promise<string>((resolve) => {
        document.addEventListener('securitypolicyviolation', (e) => resolve(e.violatedDirective), { once: true });
      });
      const s = document.createElement('script');
      s.textContent = 'window.__pwned = 3';
      document.body.append(s);
      const directive = await seen;
      await w.__cometTailReported;
      return { directive, pwned: typeof w.__pwned };
    });
    await consoleSaid;
    assert.deepEqual(control, { directive: 'script-src-elem', pwned: 'undefined' });
    assert.equal(problems.filter((p) => p.startsWith('securitypolicyviolation') && p.includes('script-src-elem')).length, 1, problems.join('\n'));
    assert.equal(problems.filter((p) => p.startsWith('console')).length, 1, problems.join('\n'));
  });

  test('ANSI colour codes are shown as colour', { timeout: TEST_TIMEOUT }, async () => {
    await write('ansi.log', '\x1b[31mred\x1b[0m\nplain\n');
    const frame = await openViewer('/view/ansi.log');
    await waitForLastLine(frame, 'plain');
    const shown = await shownLines(frame);
    assert.deepEqual(
      shown.map((l) => l.text),
      ['red', 'plain'],
      'no escape codes in the text',
    );
    const colours = await frame.evaluate(() => {
      const span = document.querySelector('.l span.ansi-red-fg');
      const plain = document.querySelectorAll('.l')[1];
      return {
        spans: document.querySelectorAll('.l span.ansi-red-fg').length,
        text: span?.textContent ?? null,
        red: span === null ? null : getComputedStyle(span).color,
        line: span?.parentElement === null || span === null ? null : getComputedStyle(span.parentElement).color,
        plain: plain === undefined ? null : getComputedStyle(plain).color,
      };
    });
    assert.equal(colours.spans, 1);
    assert.equal(colours.text, 'red');
    assert.ok(colours.red !== null && colours.plain !== null);
    assert.notEqual(colours.red, colours.plain, 'the span is not in the default text colour');
    assert.notEqual(colours.red, colours.line);
    const rgb = /^rgb\((\d+), (\d+), (\d+)\)$/.exec(colours.red);
    assert.ok(rgb, `a colour: ${colours.red}`);
    const [r, g, b] = rgb.slice(1).map(Number) as [number, number, number];
    assert.ok(r > g + 60 && r > b + 60, `reddish: ${colours.red}`);
    assert.deepEqual<string[]>(problems, [], 'no CSP violation and no page error');
  });

  test('the index links a file with URL-special characters to its viewer and a directory to its listing', { timeout: TEST_TIMEOUT }, async () => {
    const weird = 'a b#?%<i>.log';
    const dir = 'sub dir';
    await write(weird, 'weird 1\nweird 2\n');
    await mkdir(path.join(srv.dir, dir));
    await write(`${dir}/two.log`, 'two\n');
    await write(`${dir}/one.log`, 'one\n');
    await write(`${dir}/10.log`, 'ten\n');

    const res = await page.goto(`${srv.url}/`);
    assert.equal(res?.status(), 200);
    assert.deepEqual(await page.locator('td.name').allTextContents(), [`${dir}/`, weird]);
    assert.equal(await page.locator('td.name i').count(), 0, 'the name is text, not markup');

    const row = page.locator('tr', { has: page.locator('td.name', { hasText: weird }) });
    await row.getByRole('link', { name: 'view', exact: true }).click();
    await page.waitForURL(/\/view\//, { waitUntil: 'commit' });
    assert.equal(new URL(page.url()).pathname, `/view/${encodeURIComponent(weird)}`);
    const frame = await logFrame();
    await waitForLastLine(frame, 'weird 2');
    assert.deepEqual(
      (await shownLines(frame)).map((l) => l.text),
      ['weird 1', 'weird 2'],
    );
    assert.equal(await page.locator('h1 strong').textContent(), weird);

    await page.goto(`${srv.url}/`);
    await page.locator('td.name').getByRole('link', { name: `${dir}/`, exact: true }).click();
    await page.waitForURL(/\/browse\//);
    assert.equal(new URL(page.url()).pathname, `/browse/${encodeURIComponent(dir)}`);
    assert.deepEqual(await page.locator('td.name').allTextContents(), ['../', '10.log', 'one.log', 'two.log']);
    assert.deepEqual<string[]>(problems, [], 'no CSP violation and no page error');
  });

  test('/comet-tail?<file> is the same viewer', { timeout: TEST_TIMEOUT }, async () => {
    await write('app.log', lines(1, 300));
    const frame = await openViewer('/comet-tail?app.log');
    await waitForLastLine(frame, 'line 300');
    assertShown(await shownLines(frame), 201, 300);
    assert.equal(await page.locator('h1 strong').textContent(), 'app.log');
    await assertAtBottom(frame, 'after the backlog');
    await append('app.log', lines(301, 310));
    await waitForLastLine(frame, 'line 310');
    assertShown(await shownLines(frame), 201, 310);
    await assertAtBottom(frame, 'after more lines');
    assert.deepEqual<string[]>(problems, [], 'no CSP violation and no page error');
  });
});
