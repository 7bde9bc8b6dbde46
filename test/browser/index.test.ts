// The functions passed to evaluate / waitForFunction run inside Chromium: tsconfig.browser.json gives this folder the DOM types.
import assert from 'node:assert/strict';
import { appendFile, mkdir, rm, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, afterEach, before, beforeEach, describe, test } from 'node:test';
import type { Browser, BrowserContext, BrowserContextOptions, Page } from 'playwright-core';
import { launchChromium, newCheckedContext } from '../helpers/browser.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const TEST_TIMEOUT = 120_000;
const ARTIFACTS = path.resolve(import.meta.dirname, '../../test-artifacts');
const MIN = 60_000;

let browser: Browser;
before(async () => {
  await mkdir(ARTIFACTS, { recursive: true });
  browser = await launchChromium();
});
after(async () => {
  await browser?.close();
});

describe('the index in a real browser', () => {
  let srv: TestServer;
  let context: BrowserContext;
  let page: Page;
  let problems: string[];

  const open = async (options: BrowserContextOptions = {}): Promise<void> => {
    ({ context } = await newCheckedContext(browser, options, problems));
    page = await context.newPage();
  };
  /** Names of the rows shown, in page order. */
  const shownNames = (): Promise<string[]> =>
    page.evaluate(() =>
      [...document.querySelectorAll<HTMLTableRowElement>('tbody tr.entry')]
        .filter((tr) => !tr.hidden && tr.offsetParent !== null)
        .map((tr) => tr.dataset.name ?? ''),
    );
  const goto = async (query = ''): Promise<void> => {
    await page.goto(`${srv.url}/${query}`);
  };
  const live = (): Promise<unknown> => page.waitForSelector('#live[data-state=live]');

  beforeEach(async () => {
    problems = [];
    srv = await startTestServer();
    const now = Date.now();
    const files: Array<[string, number, number]> = [
      ['app.log', 2_500_000, 3 * MIN],
      ['app.log.1', 900_000, 60 * MIN],
      ['app.log.2.gz', 120_000, 26 * 60 * MIN],
      ['access.log', 40_000, 10 * MIN],
      ['access.log.old', 30_000, 5 * 24 * 60 * MIN],
      ['kern.log', 1200, 30_000],
      ['syslog', 7_000_000, 2 * MIN],
      ['a-very-long-log-file-name-that-would-overflow-a-phone-screen-easily.log', 512, 40 * MIN],
    ];
    for (const [name, size, age] of files) {
      await writeFile(path.join(srv.dir, name), Buffer.alloc(size, 'x'));
      const t = new Date(now - age);
      await utimes(path.join(srv.dir, name), t, t);
    }
    await mkdir(path.join(srv.dir, 'nginx'));
  });
  afterEach(async () => {
    await context?.close();
    await srv.close();
  });

  test('families together, sortable by the column links, the current one marked with aria-sort', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await open();
    await goto();
    await live();
    assert.deepEqual(await shownNames(), [
      'nginx',
      'a-very-long-log-file-name-that-would-overflow-a-phone-screen-easily.log',
      'access.log',
      'access.log.old',
      'app.log',
      'app.log.1',
      'app.log.2.gz',
      'kern.log',
      'syslog',
    ]);
    await page.getByRole('link', { name: 'Size' }).click();
    await page.waitForURL(/sort=size&order=desc/);
    assert.equal(await page.locator('th.size').getAttribute('aria-sort'), 'descending');
    assert.equal(await page.locator('th.name').getAttribute('aria-sort'), null);
    assert.deepEqual((await shownNames()).slice(1, 5), ['syslog', 'app.log', 'app.log.1', 'app.log.2.gz']);
    await page.getByRole('link', { name: /Size/ }).click();
    await page.waitForURL(/sort=size&order=asc/);
    assert.equal(await page.locator('th.size').getAttribute('aria-sort'), 'ascending');
    assert.equal((await shownNames())[1], 'a-very-long-log-file-name-that-would-overflow-a-phone-screen-easily.log');
    await page.getByRole('link', { name: 'Modified' }).click();
    await page.waitForURL(/sort=mtime&order=desc/);
    assert.deepEqual((await shownNames()).slice(1, 4), ['kern.log', 'syslog', 'app.log']);
    assert.deepEqual(problems, []);
  });

  test('the filter box filters as one types, keeps it in the URL, and the sort links keep it', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await open();
    await goto();
    await live();
    await page.getByLabel('Filter by name').pressSequentially('ACC');
    await page.waitForFunction(() => new URL(location.href).searchParams.get('q') === 'ACC');
    assert.deepEqual(await shownNames(), ['access.log', 'access.log.old']);
    assert.match((await page.getByRole('link', { name: 'Size' }).getAttribute('href')) ?? '', /q=ACC/);
    await page.getByLabel('Filter by name').fill('nothing-matches');
    await page.waitForSelector('#empty:not([hidden])');
    assert.equal(await page.locator('#empty').textContent(), 'Nothing here matches “nothing-matches”.');
    await page.getByLabel('Filter by name').fill('');
    await page.waitForSelector('#empty', { state: 'hidden' });
    assert.equal((await shownNames()).length, 9);
    // a page that loaded filtered (server-side) can still be unfiltered: the script has the whole listing
    await goto('?q=kern');
    await live();
    assert.deepEqual(await shownNames(), ['kern.log']);
    await page.getByLabel('Filter by name').fill('');
    await page.waitForFunction(() => document.querySelectorAll('tbody tr.entry:not([hidden])').length === 9);
    assert.deepEqual(problems, []);
  });

  test('sizes and relative times, with exact values on hover; times kept fresh', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await open();
    await goto();
    await live();
    const row = page.locator('tr[data-name="app.log"]');
    assert.equal(await row.locator('td.size').textContent(), '2.4 MiB');
    assert.equal(await row.locator('td.size').getAttribute('title'), '2,500,000 bytes');
    assert.equal(await row.locator('time').textContent(), '3 min ago');
    assert.match((await row.locator('time').getAttribute('title')) ?? '', /^\d{4}-\d\d-\d\d \d\d:\d\d:\d\d UTC$/);
    await row.locator('td.size').hover();
    assert.equal(await page.locator('tr[data-name="access.log.old"] time').textContent(), '5 days ago');
    // kern.log was 30 s old when the page was made; the page ages it by itself
    assert.match((await page.locator('tr[data-name="kern.log"] time').textContent()) ?? '', /^(3\d|4\d) s ago$/);
    await page.clock.install();
    await page.clock.fastForward(2 * MIN);
    await page.waitForFunction(
      () => document.querySelector('tr[data-name="kern.log"] time')?.textContent === '2 min ago',
    );
    assert.deepEqual(problems, []);
  });

  test('the live index: a new file appears, a growing one changes, a deleted one vanishes, without a reload', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await open();
    await goto();
    await live();
    await page.evaluate(() => {
      (window as Window & { __marker?: number }).__marker = 1;
    });
    await writeFile(path.join(srv.dir, 'new.log'), 'hello\n');
    await page.waitForSelector('tr[data-name="new.log"]');
    assert.equal(await page.locator('tr[data-name="new.log"] td.size').textContent(), '6 B');
    assert.equal(await page.locator('tr[data-name="new.log"] a.open').getAttribute('href'), '/view/new.log');
    await appendFile(path.join(srv.dir, 'new.log'), 'x'.repeat(2042));
    await page.waitForFunction(
      () => document.querySelector('tr[data-name="new.log"] td.size')?.textContent === '2.0 KiB',
    );
    assert.equal(await page.locator('tr[data-name="new.log"] td.size').getAttribute('title'), '2,048 bytes');
    await writeFile(path.join(srv.dir, 'new.log.1'), 'rotated\n');
    await page.waitForSelector('tbody.group[data-family="new.log"] tr.rotated[data-name="new.log.1"]');
    assert.deepEqual(
      await page
        .locator('tbody.group[data-family="new.log"] tr')
        .evaluateAll((trs) => trs.map((tr) => (tr as HTMLElement).dataset.name)),
      ['new.log', 'new.log.1'],
    );
    await rm(path.join(srv.dir, 'access.log'));
    await page.waitForSelector('tr[data-name="access.log"]', { state: 'detached' });
    assert.ok((await shownNames()).includes('access.log.old'), 'the rest of its family stays');
    await writeFile(path.join(srv.dir, '.hidden.log'), 'x');
    await writeFile(path.join(srv.dir, 'zz.log'), 'x');
    await page.waitForSelector('tr[data-name="zz.log"]');
    assert.equal(await page.locator('tr[data-name=".hidden.log"]').count(), 0);
    assert.equal(await page.evaluate(() => (window as Window & { __marker?: number }).__marker), 1, 'no reload');
    assert.deepEqual(problems, []);
  });

  test('at 390 px: no horizontal scroll, actions under the name; screenshots light, dark and narrow', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await open({ viewport: { width: 390, height: 844 }, colorScheme: 'light' });
    await goto();
    await live();
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    assert.ok(widths.scroll <= widths.client, `page ${widths.scroll} px wide in a ${widths.client} px window`);
    const name = await page.locator('tr[data-name="app.log"] td.name').boundingBox();
    const links = await page.locator('tr[data-name="app.log"] td.links').boundingBox();
    assert.ok(name !== null && links !== null && links.y >= name.y + name.height - 1, 'the actions sit under the name');
    await page.screenshot({ path: path.join(ARTIFACTS, 'index-narrow.png'), fullPage: true });
    await context.close();

    await open({ colorScheme: 'light' });
    await goto();
    await live();
    await page.screenshot({ path: path.join(ARTIFACTS, 'index-light.png') });
    const light = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    await context.close();
    await open({ colorScheme: 'dark' });
    await goto('?sort=size&order=desc');
    await live();
    await page.screenshot({ path: path.join(ARTIFACTS, 'index-dark.png') });
    const dark = await page.evaluate(() => getComputedStyle(document.body).backgroundColor);
    assert.notEqual(light, dark);
    // the remembered toggle, as on the viewer
    await page.locator('#theme').click();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
    await page.reload();
    assert.equal(await page.evaluate(() => document.documentElement.dataset.theme), 'light');
    assert.deepEqual(problems, []);
  });

  test('without JavaScript: the same rows, sorting and filtering by the server, no theme button', {
    timeout: TEST_TIMEOUT,
  }, async () => {
    await open({ javaScriptEnabled: false, viewport: { width: 390, height: 844 } });
    await goto();
    assert.equal((await shownNames()).length, 9);
    assert.ok(await page.locator('#theme').isHidden());
    await page.getByLabel('Filter by name').fill('app');
    await page.getByRole('button', { name: 'Filter' }).click();
    await page.waitForURL(/\?q=app$/);
    assert.deepEqual(await shownNames(), ['app.log', 'app.log.1', 'app.log.2.gz']);
    await page.getByRole('link', { name: 'Size' }).click();
    await page.waitForURL(/sort=size&order=desc&q=app/);
    assert.equal(await page.locator('th.size').getAttribute('aria-sort'), 'descending');
    assert.equal(await page.locator('tr[data-name="app.log"] time').textContent(), '3 min ago');
    const widths = await page.evaluate(() => ({
      scroll: document.documentElement.scrollWidth,
      client: document.documentElement.clientWidth,
    }));
    assert.ok(widths.scroll <= widths.client);
    await page.screenshot({ path: path.join(ARTIFACTS, 'index-noscript-narrow.png'), fullPage: true });
    assert.deepEqual(problems, []);
  });
});
