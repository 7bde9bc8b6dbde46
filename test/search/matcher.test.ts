import assert from 'node:assert/strict';
import { describe, test } from 'node:test';
import fc from 'fast-check';
import { compileGrep, foldAscii, GrepError } from '../../src/search/matcher.js';

const cFold = (b: number): number => (b >= 0x41 && b <= 0x5a ? b + 32 : b);

describe('the grep matcher', () => {
  test('foldAscii lower-cases exactly the ASCII capitals, at any alignment (the C locale)', () => {
    fc.assert(
      fc.property(fc.uint8Array({ maxLength: 64 }), fc.nat(3), (bytes, shift) => {
        const buf = Buffer.alloc(bytes.length + shift);
        buf.set(bytes, shift);
        const view = buf.subarray(shift);
        foldAscii(view);
        assert.deepEqual([...view], [...bytes].map(cFold));
      }),
    );
  });

  test('plain, case-insensitive, regex and inverted matching of one line', () => {
    const line = Buffer.from('Error: \xff disk FULL\r', 'latin1');
    assert.equal(compileGrep({ text: 'error', caseSensitive: false, regex: false, invert: false }).matches(line), true);
    assert.equal(compileGrep({ text: 'error', caseSensitive: true, regex: false, invert: false }).matches(line), false);
    assert.equal(
      compileGrep({ text: 'full\\r$', caseSensitive: false, regex: true, invert: false }).matches(line),
      true,
    );
    assert.equal(
      compileGrep({ text: 'FULL$', caseSensitive: true, regex: true, invert: false }).matches(line),
      false,
      '$ is before the CR, as grep has it',
    );
    assert.equal(compileGrep({ text: 'disk', caseSensitive: true, regex: false, invert: true }).invert, true);
  });

  test('a UTF-8 expression matches the UTF-8 bytes of a line', () => {
    const m = compileGrep({ text: 'café|naïve', caseSensitive: true, regex: true, invert: false });
    assert.equal(m.matches(Buffer.from('un café noir')), true);
    assert.equal(m.matches(Buffer.from('un cafe noir')), false);
  });

  test('what a linear engine cannot run, an over-long text and a newline are refused with one line', () => {
    for (const text of ['(a)\\1', '(?=x)y', '(?<=x)y', '[', 'a{1001}']) {
      assert.throws(
        () => compileGrep({ text, caseSensitive: false, regex: true, invert: false }),
        (e: unknown) => e instanceof GrepError && !e.message.includes('\n'),
        text,
      );
    }
    assert.throws(
      () => compileGrep({ text: 'x'.repeat(1001), caseSensitive: false, regex: false, invert: false }),
      /at most 1000 bytes/,
    );
    assert.throws(() => compileGrep({ text: 'a\nb', caseSensitive: false, regex: false, invert: false }), /newline/);
  });

  test('candidates of a block lead to every match', () => {
    const block = Buffer.from('no\nan ERROR here\nnone\nerror again\n');
    for (const regex of [false, true]) {
      const next = compileGrep({ text: 'error', caseSensitive: false, regex, invert: false }).candidates(block);
      const hits: number[] = [];
      for (let at = next(0); at >= 0; at = next(at + 1)) hits.push(at);
      assert.deepEqual(hits, [6, 22], `regex=${regex}`);
    }
  });
});
