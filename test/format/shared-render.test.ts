import assert from 'node:assert/strict';
import { test } from 'node:test';
import { HtmlFormatter } from '../../src/format/html.js';
import { SseFormatter } from '../../src/format/sse.js';
import type { FeedEvent } from '../../src/tail/feed.js';
import { LineHeads } from '../../src/tail/lines.js';

/** What a follower hands out: reads of file 7, each with the head LineHeads gives it. */
function reads(...texts: string[]): FeedEvent[] {
  const heads = new LineHeads(1024);
  let start = 0;
  return texts.map((text) => {
    const bytes = Buffer.from(text);
    const ev: FeedEvent = { type: 'data', file: '7', start, bytes, head: heads.next('7', start, bytes) };
    start += bytes.length;
    return ev;
  });
}

const ids = (out: string): string[] => [...out.matchAll(/data-id="([^"]+)">([^<]*)</g)].map((m) => `${m[1]} ${m[2]}`);

test('html: a read is rendered once for every stream holding the line it continues; a stream that does not renders its own', () => {
  const [first, second] = reads('one\ntw', 'o\nthree\n') as [FeedEvent, FeedEvent];
  const [a, b, caughtUp, joined] = Array.from({ length: 4 }, () => new HtmlFormatter('t', 1024));
  const outA = [a?.event(first), a?.event(second)];
  const outB = [b?.event(first), b?.event(second)];
  // A backlog of its own (another event object) that ended in the middle of "two", where the live feed went on.
  caughtUp?.event({ type: 'data', file: '7', start: 0, bytes: Buffer.from('one\ntw'), head: Buffer.alloc(0) });
  const outCaughtUp = caughtUp?.event(second);
  // No backlog (lines=0), joined at that same place: it holds nothing of "two".
  const outJoined = joined?.event(second);

  assert.equal(outB[1], outA[1], 'the very same Buffer for both streams');
  assert.equal(outCaughtUp, outA[1], 'a stream whose backlog ends where the live feed goes on shares it too');
  assert.notEqual(outJoined, outA[1]);
  assert.deepEqual(ids(String(outA[0]) + String(outA[1])), ['7-4 one', '7-8 two', '7-14 three']);
  assert.deepEqual(
    ids(String(outJoined)),
    ['7-8 o', '7-14 three'],
    'like any stream that starts mid-line: from where it joined',
  );
  assert.equal(a?.linesOut, 3);
});

test('sse: the unfinished line is shown once when a stream ends, and not again by the next read', () => {
  const [first, second] = reads('alpha\nbe', 'ta\n') as [FeedEvent, FeedEvent];
  const ended = new SseFormatter(1024);
  const out = String(ended.event(first)) + ended.end('shutdown');
  assert.match(out, /^id: 7-6\ndata: alpha\n\nid: 7-8\ndata: be\n\n/);
  const going = new SseFormatter(1024);
  assert.equal(
    String(going.event(first)) + String(going.event(second)),
    'id: 7-6\ndata: alpha\n\nid: 7-11\ndata: beta\n\n',
  );
});
