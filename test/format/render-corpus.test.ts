import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { HtmlFormatter } from '../../src/format/html.js';
import { SseFormatter } from '../../src/format/sse.js';
import type { Formatter } from '../../src/format/formatter.js';
import { ansiSegments, isPlain } from '../../src/shared/ansi.js';
import type { FeedEvent } from '../../src/tail/feed.js';
import { LineHeads, LineSplitter } from '../../src/tail/lines.js';

/** The longest unfinished line a stream holds here; a longer one is cut (a whole line never is). */
const MAX = 40;

const bytes = (...parts: (string | number[])[]): Buffer =>
  Buffer.concat(parts.map((p) => (typeof p === 'string' ? Buffer.from(p, 'utf8') : Buffer.from(p))));

/** Reads of file 7 from its start, as a follower hands them to every stream: each with the head LineHeads gives it. */
function reads(...chunks: Buffer[]): FeedEvent[] {
  const heads = new LineHeads(MAX);
  let start = 0;
  return chunks.map((b) => {
    const ev: FeedEvent = { type: 'data', file: '7', start, bytes: b, head: heads.next('7', start, b) };
    start += b.length;
    return ev;
  });
}

/** Tricky reads; the third ends in the middle of a line and of a character, the fourth goes on. */
const CORPUS: readonly FeedEvent[] = [
  ...reads(
    bytes('\uFEFFplain\n', '\x1b[1;31mred\x1b[0m & <b>"q"</b> \'a\'\n', '\n', 'crlf\r\n', 'lone\rcr\n', '\r\n'),
    bytes(
      '\x1b]8;;http://e.x/\x1b\\link\x1b]8;;\x1b\\\n',
      'a\x00b\x07c\td\x7fe\u0085f\u009b1m\n',
      '\u202eabc\u2066d\u2069\n',
      '\x1b[38;5;208mo\x1b[48;2;1;2;3mb\x1b[7mi\x1b[m\n',
      'mid-li',
    ),
    bytes('ne goes on\n', 'euro split ', [0xe2, 0x82]),
    bytes(
      [0xac],
      ' joined\n',
      [0xe2, 0x82],
      '\n',
      [0x80, 0xbf],
      'lone\n',
      [0xf0, 0x9f, 0x98],
      '\n',
      [0xc0, 0xaf, 0xff, 0xed, 0xa0, 0x80],
      '\n',
      [0xef, 0xbb, 0xbf],
      'bom\n',
      [0xef, 0xbb, 0xbf, 0xef, 0xbb, 0xbf],
      'two\n',
      'a\uFEFFb\n',
    ),
    bytes('x'.repeat(100), '\n', 'é'.repeat(30)),
    bytes('é'.repeat(12), 'end\n', 'no newline yet'),
  ),
  { type: 'truncated', file: '7' },
  { type: 'data', file: '7', start: 0, bytes: bytes('after <cut>\n', 'open'), head: Buffer.alloc(0) },
  { type: 'line', file: '7', end: 9, bytes: bytes('\x1b[32mfound\x1b[0m &\r\n') },
];

/** What `f` sends for each event of the corpus, then for its end. */
const sent = (f: Formatter, events: readonly FeedEvent[] = CORPUS): string[] => [
  ...events.map((ev) => String(f.event(ev))),
  String(f.end('shutdown')),
];

const div = (id: string, markup: string): string => `<div data-id="7-${id}">${markup}</div>\n`;
const event = (id: string, ...data: string[]): string => `id: 7-${id}\n${data.map((d) => `data: ${d}\n`).join('')}\n`;

/** The corpus's lines from the fourth read on, as [id, html markup, sse data fields]. */
const FROM_READ_4: readonly [string, string, string[]][] = [
  ['193', 'euro split € joined', ['euro split € joined']],
  ['196', '\ufffd', ['\ufffd']],
  ['203', '\ufffd\ufffdlone', ['\ufffd\ufffdlone']],
  ['207', '\ufffd', ['\ufffd']],
  ['214', '\ufffd'.repeat(6), ['\ufffd'.repeat(6)]],
  ['221', 'bom', ['bom']],
  ['231', '\ufefftwo', ['\ufefftwo']],
  ['237', 'a\ufeffb', ['a\ufeffb']],
];

describe('html and sse render every tricky read exactly so', () => {
  test('html: escaping, ANSI classes, control pictures, CR, BOM, invalid UTF-8, cut lines, a line across reads', () => {
    assert.deepEqual(sent(new HtmlFormatter('t', MAX)), [
      div('9', 'plain') +
        div('41', '<span class="ansi-red-fg ansi-bold">red</span> &amp; &lt;b&gt;&quot;q&quot;&lt;/b&gt; &#39;a&#39;') +
        div('42', '') +
        div('48', 'crlf') +
        div('56', 'lone␍cr') +
        div('58', ''),
      div('88', '␛]8;;http://e.x/␛\\link␛]8;;␛\\') +
        div('105', 'a␀b␇c\td␡e⟨U+0085⟩f⟨U+009B⟩1m') +
        div('119', '⟨U+202E⟩abc⟨U+2066⟩d⟨U+2069⟩') +
        div(
          '154',
          '<span style="color:rgb(255,135,0)">o</span>' +
            '<span style="color:rgb(255,135,0);background-color:rgb(1,2,3)">b</span>' +
            '<span class="ansi-inverse" style="color:rgb(1,2,3);background-color:rgb(255,135,0)">i</span>',
        ),
      div('171', 'mid-line goes on'),
      FROM_READ_4.map(([id, markup]) => div(id, markup)).join(''),
      div('338', 'x'.repeat(100)) + div('378', 'é'.repeat(20)),
      div('426', `${'é'.repeat(22)}end`),
      `${div('440', 'no newline yet')}<div class="n" role="status">file truncated; following it from its new start</div>\n`,
      div('12', 'after &lt;cut&gt;'),
      div('16', 'open') + div('9', '<span class="ansi-green-fg">found</span> &amp;'),
      '<div class="n" role="status">stream ended: the server is shutting down</div>\n',
    ]);
  });

  test('sse: one data field per CR-separated piece, the rest as it is, BOM and invalid UTF-8 as in html', () => {
    assert.deepEqual(sent(new SseFormatter(MAX)), [
      event('9', 'plain') +
        event('41', '\x1b[1;31mred\x1b[0m & <b>"q"</b> \'a\'') +
        event('42', '') +
        event('48', 'crlf') +
        event('56', 'lone', 'cr') +
        event('58', ''),
      event('88', '\x1b]8;;http://e.x/\x1b\\link\x1b]8;;\x1b\\') +
        event('105', 'a\x00b\x07c\td\x7fe\u0085f\u009b1m') +
        event('119', '\u202eabc\u2066d\u2069') +
        event('154', '\x1b[38;5;208mo\x1b[48;2;1;2;3mb\x1b[7mi\x1b[m'),
      event('171', 'mid-line goes on'),
      FROM_READ_4.map(([id, , data]) => event(id, ...data)).join(''),
      event('338', 'x'.repeat(100)) + event('378', 'é'.repeat(20)),
      event('426', `${'é'.repeat(22)}end`),
      `${event('440', 'no newline yet')}event: truncated\ndata: file truncated; following it from its new start\n\n`,
      event('12', 'after <cut>'),
      event('16', 'open') + event('9', '\x1b[32mfound\x1b[0m &'),
      'event: end\ndata: stream ended: the server is shutting down\n\n',
    ]);
  });

  test('a stream that joins mid-line renders from where it joined, then the same as every other stream', () => {
    const [third, fourth] = CORPUS.slice(2, 4);
    assert.deepEqual(sent(new SseFormatter(MAX), [third as FeedEvent, fourth as FeedEvent]).slice(0, 2), [
      event('171', 'ne goes on'),
      FROM_READ_4.map(([id, , data]) => event(id, ...data)).join(''),
    ]);
  });

  test('a BOM is dropped at the start of every line (once), kept anywhere else', () => {
    const BOM = [0xef, 0xbb, 0xbf];
    const f = new SseFormatter(MAX);
    const sent = reads(
      bytes(BOM, 'a\n', BOM, BOM, 'b\r\nc', BOM, '\n', BOM, '\r\n'),
      bytes(BOM, BOM, 'd\n', [0xef, 0xbb]),
      bytes([0xbf], 'e\n'),
    ).map((ev) => String(f.event(ev)));
    assert.deepEqual(sent, [
      event('5', 'a') + event('14', '\ufeffb') + event('19', 'c\ufeff') + event('24', ''),
      event('32', '\ufeffd'),
      event('37', 'e'),
    ]);
  });

  test('invalid UTF-8 becomes U+FFFD and never takes the newline after it', () => {
    const [ev] = reads(
      bytes(
        [0xe2, 0x82],
        '\n',
        [0x80],
        '\n',
        [0xbf, 0x80],
        'x\n',
        [0xf0, 0x9f, 0x98],
        '\n',
        [0xe2, 0x82],
        '\r\n',
        'ok\n',
      ),
    );
    assert.equal(
      String(new SseFormatter(MAX).event(ev as FeedEvent)),
      event('3', '\ufffd') +
        event('5', '\ufffd') +
        event('9', '\ufffd\ufffdx') +
        event('13', '\ufffd') +
        event('17', '\ufffd') +
        event('20', 'ok'),
    );
  });
});

/** Byte pieces a random file is made of: each a case the fast paths must render as the per-line path does. */
const PIECES: readonly Buffer[] = [
  'plain text ',
  'é',
  '€',
  '😀',
  '\n',
  '\r\n',
  '\r',
  '\t',
  '&<>"\'',
  '\x1b[31m',
  '\x1b[0m',
  '\x1b]8;;u\x1b\\',
  '\x00',
  '\x7f',
  '\u0085',
  '\u202e',
  '\u2069',
  '\uFEFF',
  'x'.repeat(30),
]
  .map((s) => Buffer.from(s))
  .concat([[0xe2, 0x82], [0x80], [0xff], [0xf0, 0x9f, 0x98], [0xef, 0xbb]].map((b) => Buffer.from(b)));

/** The same lines one by one, as a search hands them out: each decoded and rendered on its own. */
function perLine(make: () => Formatter, file: Buffer, cuts: readonly number[]): string {
  const splitter = new LineSplitter(MAX);
  const f = make();
  let out = '';
  let from = 0;
  for (const to of [...cuts, file.length]) {
    for (const l of splitter.push(file.subarray(from, to), from))
      out += String(f.event({ type: 'line', file: '7', ...l }));
    from = to;
  }
  const held = splitter.flush();
  if (held !== null) out += String(f.event({ type: 'line', file: '7', ...held }));
  return out + String(f.end('eof'));
}

test('any file, read in any pieces, renders as its lines one by one do (html and sse)', () => {
  const file = fc.array(fc.constantFrom(...PIECES), { maxLength: 40 }).map((p) => Buffer.concat(p));
  const input = file.chain((f) =>
    fc.tuple(fc.constant(f), fc.uniqueArray(fc.nat({ max: f.length }), { maxLength: 6 })),
  );
  fc.assert(
    fc.property(input, ([f, points]) => {
      const cuts = [...points].sort((a, b) => a - b);
      const chunks = [...cuts, f.length].map((to, i) => f.subarray(i === 0 ? 0 : cuts[i - 1], to));
      for (const make of [() => new HtmlFormatter('t', MAX), () => new SseFormatter(MAX)]) {
        const streamed = make();
        const out =
          reads(...chunks)
            .map((ev) => String(streamed.event(ev)))
            .join('') + String(streamed.end('eof'));
        assert.equal(out, perLine(make, f, cuts));
      }
    }),
    { numRuns: 500 },
  );
});

test('isPlain holds exactly for the lines ansiSegments gives back as themselves', () => {
  for (let c = 0; c <= 0xffff; c++) {
    const line = `a${String.fromCharCode(c)}b`;
    const segs = ansiSegments(line);
    const itself = segs.length === 1 && segs[0]?.text === line && segs[0].classes.length === 0;
    assert.equal(isPlain(line), itself, `U+${c.toString(16)}`);
  }
});
