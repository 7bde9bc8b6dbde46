import assert from 'node:assert/strict';
import { test } from 'node:test';
import fc from 'fast-check';
import { CountedBlocks, countNewlines } from '../../src/tail/newline-count.js';

/** The plain count the SIMD one must equal: one search per newline. */
function byIndexOf(bytes: Buffer): number {
  let n = 0;
  for (let i = bytes.indexOf(0x0a); i !== -1; i = bytes.indexOf(0x0a, i + 1)) n++;
  return n;
}

test('counts every newline: edges of the 64-byte steps, of the 4032-byte runs, of the module memory, and nothing but 0x0a', () => {
  assert.equal(countNewlines(Buffer.alloc(0)), 0);
  const lengths = [...Array.from({ length: 200 }, (_, i) => i + 1), 4031, 4032, 4033, 4095, 4096, 4097, 8064, 8065];
  for (const len of lengths) {
    // All newlines: every byte lane at its most (252 in a run) must not wrap.
    assert.equal(countNewlines(Buffer.alloc(len, 0x0a)), len, `${len} newlines`);
    assert.equal(countNewlines(Buffer.alloc(len, 0x0b)), 0, `${len} bytes of 0x0b`);
  }
  assert.equal(countNewlines(Buffer.alloc(128 * 1024, 0x0a)), 128 * 1024);
  // Bytes that differ from 0x0a by one bit, or equal it as a signed byte would not.
  assert.equal(countNewlines(Buffer.from([0x0a, 0x0b, 0x08, 0x8a, 0x1a, 0x2a, 0x0e, 0x02, 0x0a])), 2);
  // Larger than the module's 128 KiB memory: counted in pieces, a newline at each piece's edge.
  const big = Buffer.alloc(3 * 128 * 1024 + 5, 0x61);
  for (const at of [0, 128 * 1024 - 1, 128 * 1024, 2 * 128 * 1024, big.length - 1]) big[at] = 0x0a;
  assert.equal(countNewlines(big), 5);
  // A view into a larger buffer counts only its own bytes.
  assert.equal(countNewlines(Buffer.from('\n\nab\ncd\n\n').subarray(2, 7)), 1);
});

// Two blocks of 16 KiB: bytes in them are counted where they lie, not copied first.
const arena = new CountedBlocks(2, 16 * 1024);
const blocks = [arena.make(), arena.make()].filter((b): b is Buffer => b !== null);

test('counted blocks: made on demand up to their number, counted in place at any offset', () => {
  assert.equal(blocks.length, 2);
  assert.equal(arena.make(), null, 'no more than asked for');
  const [a, b] = blocks as [Buffer, Buffer];
  assert.ok(arena.holds(a) && arena.holds(b) && !arena.holds(Buffer.alloc(16)));
  a.fill(0x0a);
  b.fill(0x61);
  b[b.length - 1] = 0x0a;
  assert.equal(countNewlines(a), a.length, 'a whole block of newlines');
  assert.equal(countNewlines(b), 1, 'the next block: its own bytes only');
  assert.equal(countNewlines(a.subarray(a.length - 3)), 3, 'a view ending at the block end');
  assert.equal(countNewlines(b.subarray(0, 0)), 0);
});

test('equals a search per newline on any bytes, in a counted block or not', () => {
  fc.assert(
    // Any bytes, and bytes that are mostly newlines or one bit away from them.
    fc.property(
      fc.oneof(
        fc.uint8Array({ maxLength: 9000 }),
        fc.array(fc.constantFrom(0x0a, 0x0b, 0x8a, 0x61), { maxLength: 9000 }),
      ),
      fc.nat(40),
      (raw, skip) => {
        const bytes = Buffer.from(raw).subarray(Math.min(skip, raw.length));
        const block = blocks[skip % 2] as Buffer;
        const inBlock = block.subarray(skip, skip + bytes.length);
        bytes.copy(inBlock);
        return countNewlines(bytes) === byIndexOf(bytes) && countNewlines(inBlock) === byIndexOf(bytes);
      },
    ),
    { numRuns: 500 },
  );
});
