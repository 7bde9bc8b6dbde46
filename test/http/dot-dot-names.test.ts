import assert from 'node:assert/strict';
import { mkdir, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { rawGet } from '../helpers/raw-http.js';
import { startTestServer, type TestServer } from '../helpers/server.js';

// Names that begin with two dots but are no '..' segment: dot-files like any other.
const NAMES = ['..foo.log', '...log', 'sub/..bar.log'];

for (const showHidden of [true, false])
  describe(`names beginning with '..' with SHOW_HIDDEN=${showHidden}`, () => {
    let srv: TestServer;
    before(async () => {
      srv = await startTestServer({ SHOW_HIDDEN: String(showHidden) });
      await mkdir(path.join(srv.dir, 'sub'));
      for (const name of NAMES) await writeFile(path.join(srv.dir, name), `content of ${name}\n`);
    });
    after(() => srv.close());

    test(showHidden ? 'are served like any dot-file, on every route' : 'are refused like any dot-file', async () => {
      const answers: string[] = [];
      for (const name of NAMES) {
        for (const route of [`/tail/${name}?follow=0`, `/download/${name}`, `/view/${name}`]) {
          const res = await fetch(`${srv.url}${route}`);
          const body = await res.text();
          // The viewer page names the file; the other two routes carry its bytes.
          const served = route.startsWith('/view/') ? body.includes(name) : body.includes(`content of ${name}`);
          answers.push(`${route} ${res.status} ${res.status === 200 ? String(served) : body.trim()}`);
        }
      }
      const expected = NAMES.flatMap((name) =>
        [`/tail/${name}?follow=0`, `/download/${name}`, `/view/${name}`].map((route) =>
          showHidden ? `${route} 200 true` : `${route} 404 Not Found: no such file or directory in the log directory`,
        ),
      );
      assert.deepEqual(answers, expected);
    });

    test(`the index ${showHidden ? 'lists' : 'hides'} them`, async () => {
      const res = await fetch(`${srv.url}/browse/sub`, { headers: { Accept: 'application/json' } });
      const { entries } = (await res.json()) as { entries: Array<{ name: string }> };
      assert.deepEqual(
        entries.map((e) => e.name),
        showHidden ? ['..bar.log'] : [],
      );
    });

    test("'..' itself still gets 400", async () => {
      for (const target of [
        '/tail/sub/../..foo.log?follow=0',
        '/tail/sub/%2e%2e/..foo.log?follow=0',
        '/download/sub%2f..%2f..foo.log',
        '/tail/..?follow=0',
        '/download/%2e%2e',
      ]) {
        const { status, body } = await rawGet(srv.running.port, target);
        assert.equal(status, 400, target);
        assert.match(body, /^Bad Request: [^\n]+\n?$/, target);
      }
    });
  });
