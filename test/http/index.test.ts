import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { mkdir, utimes, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import type { DirEntry as Entry } from '../../src/files/listing.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

const FAMILY_OF: Record<string, string> = {
  'app.log': 'app.log',
  'app.log.1': 'app.log',
  'app.log.2': 'app.log',
  'app.log.10': 'app.log',
  'app.log.1.gz': 'app.log',
  'app.log.2.gz': 'app.log',
  'app.log-20261130': 'app.log',
  'app.log-20261129.gz': 'app.log',
  'app.log.2026-11-28': 'app.log',
  // logrotate's `extension .log` with dateext: the date goes before the extension (decided: same family)
  'app-20261130.log': 'app.log',
  'access.log': 'access.log',
  'access.log.old': 'access.log',
  // a number before the extension is another live file (Xorg.0.log, Xorg.1.log), not a rotation
  'app.1.log': 'app.1.log',
  'zebra.log.3': 'zebra.log',
};

const MIN = 60_000;

describe('the index: families, sort, filter', () => {
  let srv: TestServer;
  const now = Date.now();
  before(async () => {
    srv = await startTestServer();
    let i = 0;
    for (const name of Object.keys(FAMILY_OF)) {
      i++;
      await writeFile(path.join(srv.dir, name), 'x'.repeat(i * 100));
      // app.log is the newest, then each other name a minute older than the one before.
      const t = new Date(now - (name === 'app.log' ? 3 * MIN : (10 + i) * MIN));
      await utimes(path.join(srv.dir, name), t, t);
    }
    await mkdir(path.join(srv.dir, 'nginx'));
    await writeFile(path.join(srv.dir, '.hidden.log'), 'secret\n');
    execFileSync('mkfifo', [path.join(srv.dir, 'pipe.log')]);
  });
  after(() => srv.close());

  const json = async (query = ''): Promise<Entry[]> => {
    const res = await fetch(`${srv.url}/${query}`, { headers: { Accept: 'application/json' } });
    assert.equal(res.status, 200);
    return ((await res.json()) as { entries: Entry[] }).entries;
  };
  const page = async (query = ''): Promise<string> => {
    const res = await fetch(`${srv.url}/${query}`);
    assert.equal(res.status, 200);
    return res.text();
  };
  /** The rows' paths, each family's tbody as one group, in page order. */
  const groupsOf = (html: string): string[][] =>
    [...html.matchAll(/<tbody class="(?:group|dir)"[^>]*>(.*?)<\/tbody>/g)].map((m) =>
      [...(m[1] ?? '').matchAll(/data-path="([^"]*)"/g)].map((r) => r[1] ?? ''),
    );

  test('family and compressed in the JSON for every name shape; FIFOs and dot-files are not listed', async () => {
    const entries = await json();
    const files = entries.filter((e) => e.type === 'file');
    assert.deepEqual(Object.fromEntries(files.map((e) => [e.name, e.family])), FAMILY_OF);
    for (const e of files) assert.equal(e.compressed, e.name.endsWith('.gz'), e.name);
    const dir = entries.find((e) => e.name === 'nginx');
    assert.deepEqual(
      { family: dir?.family, compressed: dir?.compressed, type: dir?.type },
      { family: 'nginx', compressed: false, type: 'dir' },
    );
    assert.ok(!entries.some((e) => e.name === 'pipe.log' || e.name === '.hidden.log'));
  });

  test('HTML: a family together, the live file first, then its rotated files in natural order', async () => {
    assert.deepEqual(groupsOf(await page()), [
      ['nginx'],
      ['access.log', 'access.log.old'],
      ['app.1.log'],
      [
        'app.log',
        'app-20261130.log',
        'app.log-20261129.gz',
        'app.log-20261130',
        'app.log.1',
        'app.log.1.gz',
        'app.log.2',
        'app.log.2.gz',
        'app.log.10',
        'app.log.2026-11-28',
      ],
      ['zebra.log.3'],
    ]);
    const html = await page();
    assert.match(
      html,
      /<tr class="entry file rotated" data-path="app.log.2.gz"[^>]*><td class="name"><a class="open" href="\/view\/app.log.2.gz">app.log.2.gz<\/a><span class="tag"/,
    );
    assert.match(html, /<tr class="entry file" data-path="app.log"/, 'the live file is not marked rotated');
    assert.match(html, /<tr class="entry file rotated" data-path="zebra.log.3"/, 'a family whose live file is gone');
    assert.deepEqual(
      (await json()).map((e) => e.name),
      groupsOf(html).flat(),
      'JSON in the same order',
    );
  });

  test('sorting by size and by time, server-side, the current column marked with aria-sort', async () => {
    const bySize = await page('?sort=size&order=desc');
    const sizes = groupsOf(bySize)
      .slice(1)
      .map((g) => g[0]);
    // families by their lead's size, largest first (sizes grow with the fixture's order)
    assert.deepEqual(sizes, ['zebra.log.3', 'app.1.log', 'access.log', 'app.log']);
    assert.deepEqual(groupsOf(bySize)[4], [
      'app.log',
      'app-20261130.log',
      'app.log.2026-11-28',
      'app.log-20261129.gz',
      'app.log-20261130',
      'app.log.2.gz',
      'app.log.1.gz',
      'app.log.10',
      'app.log.2',
      'app.log.1',
    ]);
    assert.match(
      bySize,
      /<th scope="col" class="size" aria-sort="descending"><a href="\/\?sort=size&amp;order=asc">Size/,
    );
    assert.equal(bySize.match(/aria-sort=/g)?.length, 1, 'only the current column');
    assert.match(bySize, /<th scope="col" class="name"><a href="\/\?sort=name&amp;order=asc">Name<\/a>/);
    assert.match(
      bySize,
      /<input type="hidden" name="sort" value="size"><input type="hidden" name="order" value="desc">/,
      'the filter form keeps the sort',
    );

    const byTime = await json('?sort=mtime');
    assert.equal(byTime.filter((e) => e.type === 'file')[0]?.name, 'app.log', 'newest first by default');
    const oldest = await json('?sort=mtime&order=asc');
    assert.deepEqual(
      oldest
        .filter((e) => e.type === 'file')
        .map((e) => e.family)
        .slice(0, 2),
      ['zebra.log', 'app.1.log'],
    );
    assert.match(
      await page(),
      /<th scope="col" class="name" aria-sort="ascending"><a href="\/\?sort=name&amp;order=desc">Name<span class="arrow" aria-hidden="true">▲<\/span>/,
    );
  });

  test('the filter: a GET form, applied by the server, case-insensitive, kept by the sort links', async () => {
    const html = await page('?q=ACCESS');
    assert.deepEqual(groupsOf(html), [['access.log', 'access.log.old']]);
    assert.match(
      html,
      /<form class="filter" method="get" role="search"><label class="sr" for="q">Filter by name<\/label><input id="q" name="q" type="search" value="ACCESS"/,
    );
    assert.match(html, /href="\/\?sort=size&amp;order=desc&amp;q=ACCESS"/);
    assert.deepEqual(
      (await json('?q=.gz')).map((e) => e.name),
      ['app.log-20261129.gz', 'app.log.1.gz', 'app.log.2.gz'],
    );
    const none = await page('?q=%3Cscript%3E');
    assert.ok(none.includes('<p class="empty" id="empty">Nothing here matches “&lt;script&gt;”.</p>'));
    assert.ok(!none.includes('<script>'));
  });

  test('sizes people read with the exact count on hover; relative times with the exact time on hover', async () => {
    const html = await page();
    const appLog = /<tr class="entry file" data-path="app.log"[^>]*>(.*?)<\/tr>/.exec(html)?.[1] ?? '';
    assert.match(appLog, /<td class="size" title="100 bytes">100 B<\/td>/);
    const t = new Date(now - 3 * MIN).toISOString();
    assert.match(
      appLog,
      new RegExp(`<time datetime="${t}" title="${t.slice(0, 10)} ${t.slice(11, 19)} UTC">3 min ago</time>`),
    );
    await writeFile(path.join(srv.dir, 'big.log'), Buffer.alloc(1_536_000));
    const big = /data-path="big.log"[^>]*>.*?<td class="size" title="([^"]*)">([^<]*)</.exec(await page());
    assert.deepEqual([big?.[1], big?.[2]], ['1,536,000 bytes', '1.5 MiB']);
  });

  test('a bad sort, order, format or filter is 400 with one line', async () => {
    for (const [query, reason] of [
      ['?sort=color', 'sort must be name, size or mtime'],
      ['?order=up', 'order must be asc or desc'],
      ['?sort=size&sort=name', 'sort is given more than once'],
      ['?format=xml', 'format must be html, json or sse'],
      [`?q=${'x'.repeat(1001)}`, 'q must be at most 1000 characters'],
    ] as const) {
      const res = await fetch(`${srv.url}/${query}`);
      assert.equal(res.status, 400, query);
      assert.equal((await res.text()).trimEnd(), `Bad Request: ${reason}`);
    }
  });
});

describe('the index under BASE_PATH', () => {
  test('every link on the page, sort links included, stays under BASE_PATH and resolves', async () => {
    const srv = await startTestServer({ BASE_PATH: '/logs' });
    try {
      await mkdir(path.join(srv.dir, 'sub'));
      await writeFile(path.join(srv.dir, 'sub', 'a.log'), 'x\n');
      await writeFile(path.join(srv.dir, 'sub', 'a.log.1'), 'y\n');
      for (const at of ['/', '/browse/sub']) {
        const html = await (await fetch(`${srv.url}${at === '/' ? '/' : at}?q=a`)).text();
        const links = [...html.matchAll(/href="([^"]+)"/g)].map((m) => (m[1] ?? '').replaceAll('&amp;', '&'));
        assert.ok(links.length > 3, `${at}: ${links.join(' ')}`);
        for (const link of links) {
          assert.ok(link.startsWith('/logs/'), `${at}: ${link}`);
          const url = `http://127.0.0.1:${srv.running.port}${link}${link.includes('/tail/') ? '?follow=0' : ''}`;
          assert.equal((await fetch(url)).status, 200, link);
        }
        if (at !== '/') assert.ok(links.includes('/logs/browse/sub?sort=size&order=desc&q=a'), links.join(' '));
      }
    } finally {
      await srv.close();
    }
  });
});
