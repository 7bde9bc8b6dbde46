import assert from 'node:assert/strict';
import { appendFile, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { startTestServer, type TestServer } from '../helpers/server.js';
import { openStream } from '../helpers/stream.js';
import { waitUntil } from '../helpers/wait.js';

/** The value of one sample in Prometheus text format, or null when absent. */
function sample(text: string, name: string): number | null {
  const line = text.split('\n').find((l) => l.startsWith(`${name} `));
  return line === undefined ? null : Number(line.slice(name.length + 1));
}

describe('/metrics', () => {
  let srv: TestServer;
  before(async () => {
    srv = await startTestServer();
    await writeFile(path.join(srv.dir, 'app.log'), 'line 1\n');
  });
  after(() => srv.close());

  const scrape = async (): Promise<string> => {
    const res = await fetch(`${srv.url}/metrics`);
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /^text\/plain; version=0\.0\.4/);
    return res.text();
  };

  test('open streams, files followed, lines and bytes sent, streams ended by reason', async () => {
    const text = await openStream(`${srv.url}/tail/app.log?format=text`);
    const html = await openStream(`${srv.url}/tail/app.log?format=html`);
    await appendFile(path.join(srv.dir, 'app.log'), 'line 2\nline 3\nline 4\n');
    await text.waitFor((t) => t.endsWith('line 4\n'), 'line 4');
    await html.waitFor((t) => t.includes('>line 4<'), 'line 4');
    let m = await scrape();
    assert.equal(sample(m, 'comet_tail_streams_open'), 2);
    assert.equal(sample(m, 'comet_tail_files_followed'), 1);
    assert.equal(sample(m, 'comet_tail_lines_sent_total{format="text"}'), 4);
    assert.equal(sample(m, 'comet_tail_lines_sent_total{format="html"}'), 4);
    assert.equal(sample(m, 'comet_tail_bytes_sent_total{format="text"}'), 28);
    assert.equal(sample(m, 'comet_tail_bytes_sent_total{format="html"}'), Buffer.byteLength(html.text()));
    assert.ok((sample(m, 'comet_tail_process_resident_memory_bytes') ?? 0) > 0, 'process metrics too');
    // Sampled every 100 ms (not every 10 ms, which was the idle server's whole CPU cost), but there.
    assert.notEqual(sample(m, 'comet_tail_nodejs_eventloop_lag_p99_seconds'), null, 'the event-loop lag too');
    text.close();
    html.close();
    await waitUntil(() => srv.running.streams.size === 0, 'the streams to end');
    m = await scrape();
    assert.equal(sample(m, 'comet_tail_streams_open'), 0);
    assert.equal(sample(m, 'comet_tail_files_followed'), 0);
    assert.equal(sample(m, 'comet_tail_streams_ended_total{format="text",reason="gone"}'), 1);
    assert.equal(sample(m, 'comet_tail_streams_ended_total{format="html",reason="gone"}'), 1);
    await (await fetch(`${srv.url}/tail/app.log?follow=0`)).text();
    m = await scrape();
    assert.equal(sample(m, 'comet_tail_streams_ended_total{format="text",reason="eof"}'), 1);
  });

  test("a text stream's lines are counted exactly through full 64 KiB reads, each counted where it lies in its block", async () => {
    await writeFile(path.join(srv.dir, 'burst.log'), '');
    const before = sample(await scrape(), 'comet_tail_lines_sent_total{format="text"}') ?? 0;
    const stream = await openStream(`${srv.url}/tail/burst.log?format=text&lines=0`);
    await stream.waitFor(() => true);
    // Lines of 1 to 200 bytes (a fixed pseudo-random sequence), 3 MB: reads of half a block or more go out in the
    // pool's block, at an offset in it, so a count of the wrong bytes of the block would not add up.
    let seed = 7;
    const lines: string[] = [];
    for (let size = 0; size < 3_000_000; ) {
      seed = (Math.imul(seed, 1103515245) + 12345) >>> 0;
      const line = `${'x'.repeat(seed % 200)}\n`;
      lines.push(line);
      size += line.length;
    }
    const body = lines.join('');
    for (let at = 0; at < body.length; at += 1_000_000)
      await appendFile(path.join(srv.dir, 'burst.log'), body.slice(at, at + 1_000_000));
    await stream.waitFor((t) => t.length === body.length, 'the whole burst', 30_000);
    assert.equal(stream.text(), body);
    const after = sample(await scrape(), 'comet_tail_lines_sent_total{format="text"}') ?? 0;
    assert.equal(after - before, lines.length);
    stream.close();
  });
});
