import type { FileHandle } from 'node:fs/promises';
import { SharedHandle } from './shared-handle.js';

export const BLOCK_BYTES = 64 * 1024;

/**
 * The offset where the last `lines` lines before `end` start, found by reading
 * backwards in blocks: the cost follows the size of those lines, not of the file.
 * Like `tail -n`, an unterminated last line counts as a line. The scan stops
 * after `maxBytes`, so a file without newlines costs no more than that.
 */
export async function backlogStart(handle: FileHandle, end: number, lines: number, maxBytes: number): Promise<number> {
  if (lines <= 0 || end <= 0) return end;
  const floor = Math.max(0, end - maxBytes);
  const buf = Buffer.allocUnsafe(BLOCK_BYTES);
  let need = lines;
  let pos = end;
  while (pos > floor) {
    const len = Math.min(BLOCK_BYTES, pos - floor);
    pos -= len;
    await readFully(handle, buf, len, pos);
    let i = len - 1;
    while (i >= 0) {
      const nl = buf.lastIndexOf(0x0a, i);
      if (nl < 0 || nl >= len) break;
      // The newline that ends the last line does not start another one.
      if (pos + nl !== end - 1 && --need === 0) return pos + nl + 1;
      i = nl - 1;
    }
  }
  return floor;
}

/** Reads exactly `len` bytes at `position` unless the file is shorter; returns how many were read. */
export async function readFully(
  handle: FileHandle | SharedHandle,
  buf: Buffer,
  len: number,
  position: number,
): Promise<number> {
  let done = 0;
  while (done < len) {
    const bytesRead =
      handle instanceof SharedHandle
        ? await handle.read(buf, done, len - done, position + done)
        : (await handle.read(buf, done, len - done, position + done)).bytesRead;
    if (bytesRead === 0) break;
    done += bytesRead;
  }
  return done;
}
