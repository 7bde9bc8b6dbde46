import assert from 'node:assert/strict';
import { performance } from 'node:perf_hooks';
import { describe, test } from 'node:test';
import { HtmlFormatter } from '../../src/format/html.js';
import { ansiSegments, type Segment } from '../../src/shared/ansi.js';
import { lineMarkup, visibleText } from '../helpers/html-lines.js';

const ESC = '\x1b';
const KIB64 = 64 * 1024;

/** Segments as plain data, so deepEqual compares what a reader would see. */
const segs = (line: string): { text: string; classes: string[]; fg?: string; bg?: string }[] =>
  ansiSegments(line).map((s: Segment) => ({
    text: s.text,
    classes: [...s.classes],
    ...(s.fg === undefined ? {} : { fg: s.fg }),
    ...(s.bg === undefined ? {} : { bg: s.bg }),
  }));

/** The text a reader sees: every segment's text joined. */
const shown = (line: string): string =>
  ansiSegments(line)
    .map((s) => s.text)
    .join('');

/** The inner markup of each line element an html stream sends for `text` (lines ending in \n). */
function htmlLines(text: string): string[] {
  const f = new HtmlFormatter('t', 1 << 20);
  const out =
    f.event({ type: 'data', file: '1', start: 0, bytes: Buffer.from(text, 'utf8'), head: Buffer.alloc(0) }) +
    f.end('eof');
  return lineMarkup(out);
}

describe('ansiSegments: colour codes (SGR) become classes and colours', () => {
  test('plain text is one unstyled segment; the empty line none', () => {
    assert.deepEqual(segs('hello world'), [{ text: 'hello world', classes: [] }]);
    assert.deepEqual(segs(''), []);
  });

  test('basic, bright, background colours and attributes, each with its reset', () => {
    assert.deepEqual(segs(`${ESC}[31mred${ESC}[0m plain`), [
      { text: 'red', classes: ['ansi-red-fg'] },
      { text: ' plain', classes: [] },
    ]);
    assert.deepEqual(segs(`${ESC}[1;92;44mA${ESC}[22mB${ESC}[39mC${ESC}[49mD`), [
      { text: 'A', classes: ['ansi-bright-green-fg', 'ansi-blue-bg', 'ansi-bold'] },
      { text: 'B', classes: ['ansi-bright-green-fg', 'ansi-blue-bg'] },
      { text: 'C', classes: ['ansi-blue-bg'] },
      { text: 'D', classes: [] },
    ]);
    assert.deepEqual(segs(`${ESC}[2;3;4;7mA${ESC}[23;24mB${ESC}[27;22mC${ESC}[105mD${ESC}[mE`), [
      { text: 'A', classes: ['ansi-dim', 'ansi-italic', 'ansi-underline', 'ansi-inverse'] },
      { text: 'B', classes: ['ansi-dim', 'ansi-inverse'] },
      { text: 'C', classes: [] },
      { text: 'D', classes: ['ansi-bright-magenta-bg'] },
      { text: 'E', classes: [] },
    ]);
    assert.deepEqual(segs(`${ESC}[1mA${ESC}[21mB`), [
      { text: 'A', classes: ['ansi-bold'] },
      { text: 'B', classes: [] },
    ]);
  });

  test('256 colours: 0-15 as the named classes, 16-255 as rgb from the xterm palette', () => {
    assert.deepEqual(segs(`${ESC}[38;5;1mA${ESC}[38;5;9;48;5;4mB`), [
      { text: 'A', classes: ['ansi-red-fg'] },
      { text: 'B', classes: ['ansi-bright-red-fg', 'ansi-blue-bg'] },
    ]);
    assert.deepEqual(segs(`${ESC}[38;5;196mA${ESC}[48;5;21mB${ESC}[38;5;244mC`), [
      { text: 'A', classes: [], fg: 'rgb(255,0,0)' },
      { text: 'B', classes: [], fg: 'rgb(255,0,0)', bg: 'rgb(0,0,255)' },
      { text: 'C', classes: [], fg: 'rgb(128,128,128)', bg: 'rgb(0,0,255)' },
    ]);
    assert.deepEqual(
      segs(`${ESC}[38;5;16mA${ESC}[38;5;231mB${ESC}[38;5;232mC${ESC}[38;5;255mD`).map((s) => s.fg),
      ['rgb(0,0,0)', 'rgb(255,255,255)', 'rgb(8,8,8)', 'rgb(238,238,238)'],
    );
    assert.deepEqual(
      segs(`${ESC}[38:5:208mA`),
      [{ text: 'A', classes: [], fg: 'rgb(255,135,0)' }],
      'the colon form too',
    );
  });

  test('true colour, semicolon and colon forms; a named colour replaces an rgb one', () => {
    assert.deepEqual(segs(`${ESC}[38;2;1;2;3;48;2;250;251;252mA${ESC}[31mB${ESC}[0mC`), [
      { text: 'A', classes: [], fg: 'rgb(1,2,3)', bg: 'rgb(250,251,252)' },
      { text: 'B', classes: ['ansi-red-fg'], bg: 'rgb(250,251,252)' },
      { text: 'C', classes: [] },
    ]);
    assert.deepEqual(segs(`${ESC}[38:2:10:20:30mA${ESC}[48:2::40:50:60mB`), [
      { text: 'A', classes: [], fg: 'rgb(10,20,30)' },
      { text: 'B', classes: [], fg: 'rgb(10,20,30)', bg: 'rgb(40,50,60)' },
    ]);
  });

  test('malformed and unknown params are ignored, the text stays', () => {
    // Out-of-range colours, truncated 38/48 forms, unknown codes, huge numbers.
    assert.deepEqual(segs(`${ESC}[38;5;256mA`), [{ text: 'A', classes: [] }]);
    assert.deepEqual(segs(`${ESC}[38;2;1;2;999mA`), [{ text: 'A', classes: [] }]);
    assert.deepEqual(segs(`${ESC}[38;5mA${ESC}[48mB${ESC}[38;9;31mC`), [
      { text: 'AB', classes: [] },
      { text: 'C', classes: ['ansi-red-fg'] },
    ]);
    assert.deepEqual(
      segs(`${ESC}[6;8;53;58;5;1;99999999999999999999;31mA`),
      [{ text: 'A', classes: ['ansi-red-fg'] }],
      'conceal (8) never hides text',
    );
    assert.deepEqual(segs(`${ESC}[31;;1mA`), [{ text: 'A', classes: ['ansi-bold'] }], 'an empty param is 0: a reset');
    assert.deepEqual(segs(`${ESC}[4:3mA${ESC}[4:0mB`), [
      { text: 'A', classes: ['ansi-underline'] },
      { text: 'B', classes: [] },
    ]);
  });

  test('text in its own background colour is not hidden', () => {
    assert.deepEqual(segs(`${ESC}[31;41mA${ESC}[38;5;200;48;5;200mB${ESC}[0;7mC`), [
      { text: 'A', classes: ['ansi-red-bg'] },
      { text: 'B', classes: [], bg: 'rgb(255,0,215)' },
      { text: 'C', classes: ['ansi-inverse'] },
    ]);
  });

  test('inverse swaps named and rgb colours', () => {
    assert.deepEqual(segs(`${ESC}[31;48;2;1;2;3;7mA`), [
      { text: 'A', classes: ['ansi-red-bg', 'ansi-inverse'], fg: 'rgb(1,2,3)' },
    ]);
  });
});

describe('ansiSegments: every other escape and control is visible text', () => {
  test('a non-SGR CSI, a charset switch, a lone ESC and ESC at the end of the line', () => {
    assert.equal(shown(`a${ESC}[2Jb${ESC}[?25lc`), 'a␛[2Jb␛[?25lc');
    assert.equal(shown(`${ESC}(Bx${ESC}Ky`), '␛(Bx␛Ky');
    assert.equal(shown(`end${ESC}`), 'end␛');
    assert.equal(shown(`${ESC}[`), '␛[');
  });

  test('an unfinished SGR at the end of a line is shown as text', () => {
    assert.deepEqual(segs(`${ESC}[1mbold ${ESC}[31;4`), [{ text: 'bold ␛[31;4', classes: ['ansi-bold'] }]);
  });

  test('ESC [ followed by é or U+FFFD is text, and the rest of the line is kept', () => {
    assert.equal(shown(`before ${ESC}[é after`), 'before ␛[é after');
    assert.equal(shown(`before ${ESC}[\uFFFD after ${ESC}[32mgreen`), 'before ␛[\uFFFD after green');
    assert.equal(shown(`${ESC}[12\uFFFDm`), '␛[12\uFFFDm');
  });

  test('OSC 8 hyperlinks: URL and text visible, never a link, whatever the scheme', () => {
    const link = `${ESC}]8;;https://evil.example/${ESC}\\click me${ESC}]8;;${ESC}\\`;
    assert.equal(shown(link), '␛]8;;https://evil.example/␛\\click me␛]8;;␛\\');
    const bel = `${ESC}]8;;constructor:x\x07hidden text${ESC}]8;;\x07`;
    assert.equal(shown(bel), '␛]8;;constructor:x␇hidden text␛]8;;␇');
    assert.equal(shown(`${ESC}]0;window title\x07`), '␛]0;window title␇', 'any OSC');
    const markup = htmlLines(`${bel}\n`)[0] ?? '';
    assert.ok(!markup.includes('<a'), markup);
    assert.equal(visibleText(markup), '␛]8;;constructor:x␇hidden text␛]8;;␇');
  });

  test('C0 controls as control pictures, DEL as ␡, TAB kept', () => {
    let all = '';
    for (let c = 0; c < 0x20; c++) all += String.fromCharCode(c);
    const expected = [...all]
      .map((ch) => (ch === '\t' ? '\t' : String.fromCharCode(0x2400 + ch.charCodeAt(0))))
      .join('');
    assert.equal(shown(`${all}\x7f`), `${expected}␡`);
    assert.equal(shown('a\tb'), 'a\tb');
    assert.equal(shown('cr\rlf'), 'cr␍lf');
  });

  test('C1 controls and bidirectional overrides and isolates as ⟨U+XXXX⟩', () => {
    assert.equal(shown('\x9b31mX\x85\x80\x9f'), '⟨U+009B⟩31mX⟨U+0085⟩⟨U+0080⟩⟨U+009F⟩', 'C1 CSI is not a colour code');
    assert.equal(shown('user \u202Egnp.exe\u202C ok'), 'user ⟨U+202E⟩gnp.exe⟨U+202C⟩ ok');
    for (const c of [0x202a, 0x202b, 0x202c, 0x202d, 0x202e, 0x2066, 0x2067, 0x2068, 0x2069]) {
      assert.equal(shown(`a${String.fromCharCode(c)}b`), `a⟨U+${c.toString(16).toUpperCase()}⟩b`);
    }
    assert.equal(shown('é ü 日本 \u00a0 \uFFFD 😀'), 'é ü 日本 \u00a0 \uFFFD 😀', 'ordinary text untouched');
  });
});

describe('nothing is carried from one line to the next', () => {
  test('ansiSegments starts each call from the default state', () => {
    assert.deepEqual(segs(`${ESC}[1;31;48;5;200mstyled, never reset`), [
      { text: 'styled, never reset', classes: ['ansi-red-fg', 'ansi-bold'], bg: 'rgb(255,0,215)' },
    ]);
    assert.deepEqual(segs('next'), [{ text: 'next', classes: [] }]);
  });

  test('html: a poison line, then normal lines each with their own text, unstyled', () => {
    const lines = htmlLines(`poison ${ESC}[é\n${ESC}[31mred, unterminated\nline two\n${ESC}]8;;x\x07link\nline four\n`);
    assert.deepEqual(lines.map(visibleText), [
      'poison ␛[é',
      'red, unterminated',
      'line two',
      '␛]8;;x␇link',
      'line four',
    ]);
    assert.equal(lines[1], '<span class="ansi-red-fg">red, unterminated</span>');
    assert.equal(lines[2], 'line two', 'no span around plain text, no colour carried from the line above');
  });

  test('html escapes segment text and puts rgb colours in a style', () => {
    const [line] = htmlLines(`${ESC}[38;2;1;2;3;48;5;21m<b>&"'${ESC}[0m<i>\n`);
    assert.equal(
      line,
      '<span style="color:rgb(1,2,3);background-color:rgb(0,0,255)">&lt;b&gt;&amp;&quot;&#39;</span>&lt;i&gt;',
    );
  });
});

/** Milliseconds the html formatter takes for one line (the best of a few runs, so a busy machine does not decide). */
function htmlCost(line: string, runs = 3, encoding: BufferEncoding = 'latin1'): number {
  const bytes = Buffer.from(`${line}\n`, encoding);
  let best = Infinity;
  for (let i = 0; i < runs; i++) {
    const f = new HtmlFormatter('t', 1 << 22);
    const t0 = performance.now();
    const out = f.event({ type: 'data', file: '1', start: 0, bytes, head: Buffer.alloc(0) });
    best = Math.min(best, performance.now() - t0);
    assert.ok(out.includes('<div data-id='));
  }
  return best;
}

const repeatTo = (unit: string, size: number): string => unit.repeat(Math.ceil(size / unit.length)).slice(0, size);

// Latin-1 strings, so each character is one byte of the line.
const HOSTILE: Record<string, (size: number) => string> = {
  'ESC]8; repeated + two BEL': (n) => `${repeatTo(`${ESC}]8;`, n - 2)}\x07\x07`,
  'ESC[ repeated': (n) => repeatTo(`${ESC}[`, n),
  'ESC[1; repeated': (n) => repeatTo(`${ESC}[1;`, n),
  'ESC[38;5; repeated': (n) => repeatTo(`${ESC}[38;5;`, n),
  'SGR flood': (n) => repeatTo(`${ESC}[1;3;4;31;48;2;1;2;3mx${ESC}[0my`, n),
  'a style change every character': (n) => repeatTo(`${ESC}[1mx${ESC}[mx`, n),
  'one SGR with a huge param list': (n) => `${ESC}[${repeatTo('38;5;', n - 4)}mx`,
  'all controls': (n) => {
    let all = '';
    for (let c = 0; c < 0x20; c++) if (c !== 0x0a) all += String.fromCharCode(c);
    return repeatTo(`${all}\x7f`, n);
  },
};

describe('rendering costs time linear in the line', () => {
  for (const [name, make] of Object.entries(HOSTILE)) {
    test(`a 64 KiB line: ${name}, under 50 ms`, (t) => {
      const ms = htmlCost(make(KIB64));
      t.diagnostic(`${ms.toFixed(2)} ms`);
      assert.ok(ms < 50, `${ms.toFixed(1)} ms`);
    });
  }

  test('C1 CSI repeated (as UTF-8 U+009B), under 50 ms', (t) => {
    const line = '\u009b'.repeat(KIB64 / 2);
    const ms = htmlCost(line, 3, 'utf8');
    t.diagnostic(`${ms.toFixed(2)} ms`);
    assert.ok(ms < 50, `${ms.toFixed(1)} ms`);
    assert.equal(shown(line), '⟨U+009B⟩'.repeat(KIB64 / 2));
  });

  test('a 10x longer line costs well under 30x the time', (t) => {
    for (const name of ['ESC]8; repeated + two BEL', 'ESC[1; repeated', 'SGR flood']) {
      const make = HOSTILE[name];
      assert.ok(make);
      const small = htmlCost(make(KIB64 / 4), 5);
      const large = htmlCost(make((KIB64 / 4) * 10), 5);
      t.diagnostic(`${name}: ${small.toFixed(2)} ms → ${large.toFixed(2)} ms`);
      // A floor on the small figure, so timer granularity does not make the ratio.
      assert.ok(large < 30 * Math.max(small, 1), `${name}: ${small.toFixed(2)} ms → ${large.toFixed(2)} ms`);
    }
  });
});
