import assert from 'node:assert/strict';
import { spawn } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import http from 'node:http';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { type MainProcess, startMain } from '../helpers/process.js';
import { makeLogDir } from '../helpers/server.js';
import { waitUntil } from '../helpers/wait.js';

const MB = 1024 * 1024;
// Enough for hundreds of bursts, each more than CLIENT_BUFFER_BYTES once formatted.
const MEGABYTES = 4;

interface Reader {
  /** Lines received so far. */
  count(): number;
  ended(): boolean;
  error(): string | null;
  close(): void;
}

/** The text of one line in a chunk of a stream, or null for anything else (prelude, heartbeat, notice). */
const LINE_TEXT = {
  html: (l: string): string | null =>
    l.startsWith('<div data-id=') ? l.slice(l.indexOf('">') + 2, l.lastIndexOf('</div>')) : null,
  sse: (l: string): string | null => (l.startsWith('data: ') ? l.slice(6) : null),
} as const;

/**
 * A reader taking a stream as fast as its socket gives it and checking every
 * line: a marker line `#i` must be the i-th line received, any other empty.
 */
function fastReader(url: string, format: keyof typeof LINE_TEXT): Promise<Reader> {
  return new Promise((resolve, reject) => {
    let count = 0;
    let rest = '';
    let ended = false;
    let error: string | null = null;
    const req = http.get(`${url}?format=${format}`, { agent: false }, (res) => {
      res.setEncoding('latin1');
      res.on('data', (chunk: string) => {
        const text = rest + chunk;
        let from = 0;
        for (let nl = text.indexOf('\n'); nl >= 0; nl = text.indexOf('\n', from)) {
          const line = LINE_TEXT[format](text.slice(from, nl));
          from = nl + 1;
          if (line === null) continue;
          count++;
          if (error === null && line !== (count % MARK_EVERY === 1 ? `#${count}` : ''))
            error = `line ${count} is ${JSON.stringify(line)}`;
        }
        rest = text.slice(from);
      });
      res.on('close', () => (ended = true));
      resolve({ count: () => count, ended: () => ended, error: () => error, close: () => req.destroy() });
    });
    req.on('error', reject);
  });
}

// Mostly empty lines, a numbered marker every MARK_EVERY: about 1.2 bytes a line, so one 64 KiB read
// becomes ~2.6 MB of html and ~1.5 MB of sse, both past CLIENT_BUFFER_BYTES (1 MiB).
const MARK_EVERY = 32;

describe('fast clients are never cut off as slow (finding 5)', () => {
  let dir: string;
  let main: MainProcess;

  before(async () => {
    dir = await makeLogDir();
    await writeFile(path.join(dir, 'short.log'), '');
    main = await startMain({ LOG_DIR: dir, CLIENT_BUFFER_BYTES: String(MB), TAIL_LINES: '0' }, dir);
  });
  after(() => main.stop());

  test('an html and an sse reader get every one of 4 MB of short lines, in order, and neither ends as slow', {
    timeout: 180_000,
  }, async () => {
    const url = `http://127.0.0.1:${main.port}/tail/short.log`;
    const html = await fastReader(url, 'html');
    const sse = await fastReader(url, 'sse');
    const lines = Math.ceil((MEGABYTES * MB) / 1.2);
    const writer = spawn(
      process.execPath,
      ['-e', WRITER, path.join(dir, 'short.log'), String(lines), String(MARK_EVERY)],
      { stdio: 'inherit' },
    );
    assert.equal(await new Promise((r) => writer.on('exit', r)), 0);

    const done = (r: Reader): boolean => r.count() >= lines || r.ended();
    await waitUntil(
      () => done(html) && done(sse),
      `both readers at the last line (html at ${html.count()}, sse at ${sse.count()} of ${lines})`,
      150_000,
    );
    const metrics = await (await fetch(`http://127.0.0.1:${main.port}/metrics`)).text();
    html.close();
    sse.close();
    const seen = `html ${html.count()}${html.ended() ? ' (ended)' : ''}, sse ${sse.count()}${sse.ended() ? ' (ended)' : ''} of ${lines}`;
    for (const [name, r] of [
      ['html', html],
      ['sse', sse],
    ] as const) {
      assert.equal(r.error(), null, name);
      assert.equal(r.count(), lines, `${name}: every line, in order, once (${seen})`);
      assert.ok(!r.ended(), `${name}: the stream is still open`);
    }
    const slow = metrics
      .split('\n')
      .filter(
        (l) => l.startsWith('comet_tail_streams_ended_total') && l.includes('reason="slow"') && !l.endsWith(' 0'),
      );
    assert.deepEqual(slow, [], 'no stream ended as slow (metrics)');
    await waitUntil(
      () =>
        main
          .log()
          .split('\n')
          .filter((l) => l.includes('"path":"/tail/short.log"')).length === 2,
      'both request log lines',
    );
    assert.ok(!main.log().includes('"ended":"slow"'), 'no stream ended as slow (request log)');
    process.stdout.write(`# ${lines} lines (${MEGABYTES} MB) reached both an html and an sse reader\n`);
  });
});

// Appends the lines (a marker '#n' every `every`, else empty) in writes of ~1 MB, as fast as the disk takes them.
const WRITER = `
const fs = require('node:fs');
const [file, count, every] = process.argv.slice(1);
const fd = fs.openSync(file, 'a');
let batch = [];
for (let n = 1; n <= Number(count); n++) {
  batch.push(n % Number(every) === 1 ? '#' + n + '\\n' : '\\n');
  if (batch.length === 800000 || n === Number(count)) { fs.writeSync(fd, batch.join('')); batch = []; }
}
fs.closeSync(fd);
`;
