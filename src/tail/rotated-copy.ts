import type { OpenedFile } from '../files/guard.js';
import { readFully } from './backlog.js';
import type { FileOpener } from './follower.js';
import { openSibling, rotatedSiblings } from './siblings.js';

/** How many of the last bytes read must match for a file to count as the copy. */
export const COPY_PROOF_BYTES = 64;

/**
 * After a truncation (copytruncate), the bytes written between the follower's
 * last read and the truncation live on only in the copy logrotate made. Finds
 * that copy beside the file (`app.log.1`, `app.log-20261125`, not compressed):
 * the newest one that is longer than `offset` and holds `proof` just before it.
 */
export async function findRotatedCopy(
  abs: string,
  offset: number,
  proof: Buffer,
  open: FileOpener,
): Promise<OpenedFile | null> {
  if (proof.length === 0) return null;
  for (const s of (await rotatedSiblings(abs)).reverse()) {
    if (s.size <= offset) continue;
    const opened = await openSibling(s, open);
    if (opened === null) continue;
    if (await holdsAt(opened, proof, offset - proof.length)) return opened;
    await opened.handle.close();
  }
  return null;
}

/**
 * For a resume whose id points past the end of the live file (copytruncate while
 * the client was away): the newest uncompressed copy, if it is at least as long
 * as the offset. No bytes of the client's are known to prove more than that.
 */
export async function newestCopyReaching(abs: string, offset: number, open: FileOpener): Promise<OpenedFile | null> {
  const newest = (await rotatedSiblings(abs)).at(-1);
  if (newest === undefined || newest.size < offset) return null;
  return openSibling(newest, open);
}

async function holdsAt(file: OpenedFile, expected: Buffer, position: number): Promise<boolean> {
  const buf = Buffer.alloc(expected.length);
  return (await readFully(file.handle, buf, buf.length, position)) === buf.length && buf.equals(expected);
}
