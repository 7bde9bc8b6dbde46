// The viewer's pure modules (no DOM), run in Node.
import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import { backoffMs } from '../../src/client/backoff.js';
import { compileFilter, NO_FILTER } from '../../src/client/filter.js';
import { parseJsonLine } from '../../src/client/json-line.js';
import { normalizeLevel, plainLevel } from '../../src/client/levels.js';
import { SseParser } from '../../src/client/sse.js';
import { filterFromUrl, urlWithFilter } from '../../src/client/url-state.js';

describe('the viewer, its pure parts', () => {
  test('sse parser: events across arbitrary chunk edges, CRLF, comments, named events', () => {
    const text =
      'retry: 2000\n\n: keep-alive\n\nid: 1-5\ndata: a b\n\nid: 1-9\r\ndata: x\r\ndata: y\r\n\r\nevent: rotated\ndata: new file\n\n';
    for (const size of [1, 2, 3, 7, text.length]) {
      const p = new SseParser();
      const events = [];
      for (let i = 0; i < text.length; i += size) events.push(...p.push(text.slice(i, i + size)));
      assert.deepEqual(
        events,
        [
          { event: 'message', data: 'a b', id: '1-5' },
          { event: 'message', data: 'x\ny', id: '1-9' },
          { event: 'rotated', data: 'new file', id: null },
        ],
        `chunks of ${size}`,
      );
    }
  });

  test('backoff doubles to a cap, with jitter in the upper half', () => {
    assert.deepEqual(
      [1, 2, 3, 4, 5, 6, 10].map((a) => backoffMs(a, 500, 10_000, () => 1)),
      [500, 1000, 2000, 4000, 8000, 10_000, 10_000],
    );
    assert.deepEqual(
      [1, 2, 3].map((a) => backoffMs(a, 500, 10_000, () => 0)),
      [250, 500, 1000],
    );
  });

  test('filter: plain text (special characters literal), case, regex, invert; a bad expression is reported, not thrown', () => {
    const f = (text: string, o: Partial<typeof NO_FILTER> = {}) => compileFilter({ ...NO_FILTER, text, ...o });
    assert.deepEqual(f(''), { ok: true, matcher: null });
    const plain = f('a.b');
    assert.ok(plain.ok && plain.matcher !== null);
    assert.equal(plain.matcher.shows('xA.By'), true);
    assert.equal(plain.matcher.shows('axb'), false, 'the dot is literal');
    assert.deepEqual(plain.matcher.ranges('a.b A.B'), [
      [0, 3],
      [4, 7],
    ]);
    const cased = f('Err', { caseSensitive: true });
    assert.ok(cased.ok && cased.matcher !== null);
    assert.equal(cased.matcher.shows('err'), false);
    const re = f('^\\d+ (GET|POST)', { regex: true });
    assert.ok(re.ok && re.matcher !== null);
    assert.equal(re.matcher.shows('200 post /'), true);
    assert.deepEqual(f('x*', { regex: true }).ok && f('x*', { regex: true }).ok, true);
    const empty = f('x*', { regex: true });
    assert.ok(empty.ok && empty.matcher !== null);
    assert.deepEqual(empty.matcher.ranges('axxb'), [[1, 3]], 'empty matches are skipped, no endless loop');
    const inv = f('debug', { invert: true });
    assert.ok(inv.ok && inv.matcher !== null);
    assert.equal(inv.matcher.shows('DEBUG x'), false);
    assert.equal(inv.matcher.shows('info'), true);
    const bad = f('(', { regex: true });
    assert.equal(bad.ok, false);
    assert.ok(!bad.ok && bad.error.length > 0);
  });

  test('filter URL parameters round-trip, other parameters kept', () => {
    const url = urlWithFilter('http://h/view/a.log?lines=5', {
      text: 'a&b c',
      regex: true,
      caseSensitive: false,
      invert: true,
    });
    assert.equal(url, 'http://h/view/a.log?lines=5&filter=a%26b+c&regex=1&invert=1');
    assert.deepEqual(filterFromUrl(new URL(url).search), {
      text: 'a&b c',
      regex: true,
      caseSensitive: false,
      invert: true,
    });
    assert.equal(urlWithFilter(url, NO_FILTER), 'http://h/view/a.log?lines=5');
  });

  test('levels: pino numbers, words of many loggers, plain lines', () => {
    assert.deepEqual([10, 20, 30, 40, 50, 60].map(normalizeLevel), [
      'trace',
      'debug',
      'info',
      'warn',
      'error',
      'fatal',
    ]);
    assert.deepEqual(['WARNING', 'Err', 'crit', 'dpanic', 'notice', 'nope'].map(normalizeLevel), [
      'warn',
      'error',
      'fatal',
      'error',
      'info',
      null,
    ]);
    assert.deepEqual(plainLevel('2024-01-01 12:00 ERROR db down'), { level: 'error', start: 17, end: 22 });
    assert.equal(plainLevel('[error] 12#0: open() failed')?.level, 'error');
    assert.equal(plainLevel('ts=1 level=warn msg=x')?.level, 'warn');
    assert.equal(plainLevel('an error happened'), null, 'prose is not a level');
  });

  test('JSON lines of pino, bunyan, winston, zap and logrus', () => {
    assert.deepEqual(
      parseJsonLine('{"level":50,"time":1700000000123,"pid":7,"hostname":"h","msg":"boom","err":{"code":1}}'),
      {
        time: '2023-11-14T22:13:20.123Z',
        level: 'error',
        levelText: 'ERROR',
        msg: 'boom',
        fields: [
          ['pid', '7'],
          ['hostname', 'h'],
          ['err', '{"code":1}'],
        ],
      },
    );
    const zap = parseJsonLine('{"level":"warn","ts":1700000000.5,"caller":"x.go:1","msg":"slow"}');
    assert.equal(zap?.time, '2023-11-14T22:13:20.500Z');
    assert.equal(zap?.levelText, 'WARN');
    const winston = parseJsonLine('{"message":"hi","level":"info","timestamp":"2024-01-02T03:04:05Z"}');
    assert.deepEqual([winston?.msg, winston?.level, winston?.time], ['hi', 'info', '2024-01-02T03:04:05Z']);
    const logrus = parseJsonLine(
      '{"level":"fatal","msg":"x","time":"2024-01-02T03:04:05+01:00","@timestamp":"ignored"}',
    );
    assert.deepEqual(logrus?.fields, [['@timestamp', 'ignored']]);
    assert.equal(parseJsonLine('{"severity":"ERROR","message":"gcp"}')?.level, 'error');
    assert.equal(parseJsonLine('[1,2]'), null);
    assert.equal(parseJsonLine('{not json}'), null);
    assert.equal(parseJsonLine('plain'), null);
  });
});
