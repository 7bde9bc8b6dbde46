import { readdir } from 'node:fs/promises';
import path from 'node:path';
import { readFully } from './backlog.js';
import type { OpenedFile } from '../files/guard.js';
import type { FileOpener } from './follower.js';

/** How many of the last bytes read must match for a file to count as the copy. */
export const COPY_PROOF_BYTES = 64;

/**
 * After a truncation (copytruncate), the bytes written between the follower's
 * last read and the truncation live on only in the copy logrotate made. Finds
 * that copy beside the file (`app.log.1`, `app.log-20261125`, not compressed):
 * the newest one that is longer than `offset` and holds `proof` just before it.
 */
export async function findRotatedCopy(abs: string, offset: number, proof: Buffer, open: FileOpener): Promise<OpenedFile | null> {
  if (proof.length === 0) return null;
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  const names = await readdir(dir).catch(() => [] as string[]);
  const candidates = names.filter((n) => (n.startsWith(`${base}.`) || n.startsWith(`${base}-`)) && !/\.(gz|bz2|xz|zst|lz4|z)$/i.test(n));
  let best: OpenedFile | null = null;
  for (const name of candidates) {
    const opened = await open(path.join(dir, name)).catch(() => null);
    if (opened === null) continue;
    const fits = opened.stat.size > offset && (await holdsAt(opened, proof, offset - proof.length));
    if (fits && (best === null || opened.stat.mtimeMs > best.stat.mtimeMs)) {
      await best?.handle.close();
      best = opened;
    } else {
      await opened.handle.close();
    }
  }
  return best;
}

async function holdsAt(file: OpenedFile, expected: Buffer, position: number): Promise<boolean> {
  const buf = Buffer.alloc(expected.length);
  return (await readFully(file.handle, buf, buf.length, position)) === buf.length && buf.equals(expected);
}
