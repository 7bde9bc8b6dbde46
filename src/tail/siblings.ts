import { readdir, stat } from 'node:fs/promises';
import path from 'node:path';
import { isRotatedOf } from '../files/family.js';
import type { OpenedFile } from '../files/guard.js';
import type { FileOpener } from './follower.js';
import { orMissing } from './missing.js';

/** A rotated file beside a followed name, as seen by stat (a hint: what is read is checked again on the opened descriptor). */
export interface Sibling {
  readonly abs: string;
  readonly ino: number;
  readonly size: number;
  readonly mtimeMs: number;
}

const COMPRESSED = /\.(gz|bz2|xz|zst|lz4|z)$/i;

/**
 * The uncompressed rotated files of a name (`app.log.1`, `app.log-20261130`,
 * `app.log.2026-11-28`: its family, src/files/family.ts), oldest first: by modification time, and for equal
 * times (coarse clocks) a higher rotation number first, else by name.
 */
export async function rotatedSiblings(abs: string): Promise<Sibling[]> {
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  const names = (await orMissing(readdir(dir))) ?? [];
  const found: Array<Sibling & { name: string }> = [];
  for (const name of names) {
    if (!isRotatedOf(name, base) || COMPRESSED.test(name)) continue;
    const st = await orMissing(stat(path.join(dir, name)));
    if (st?.isFile()) found.push({ abs: path.join(dir, name), name, ino: st.ino, size: st.size, mtimeMs: st.mtimeMs });
  }
  return found
    .sort(
      (a, b) =>
        a.mtimeMs - b.mtimeMs || rotationNumber(b.name) - rotationNumber(a.name) || a.name.localeCompare(b.name),
    )
    .map(({ name: _name, ...s }) => s);
}

const rotationNumber = (name: string): number => Number(/\.(\d{1,3})$/.exec(name)?.[1] ?? 0);

/** Opens a sibling through the guard; null when it is gone or no longer the file stat saw. */
export async function openSibling(s: Sibling, open: FileOpener): Promise<OpenedFile | null> {
  const opened = await orMissing(open(s.abs));
  if (opened === null) return null;
  if (opened.stat.ino === s.ino) return opened;
  await opened.handle.close();
  return null;
}

/**
 * The files rotated away behind a name after `after` was (by mtime, oldest first),
 * leaving out the inodes in `exclude`: what two rotations in quick succession
 * left between the file a follower read and the one now behind the name.
 */
export async function rotatedSince(
  abs: string,
  after: { mtimeMs: number },
  exclude: ReadonlySet<number>,
  open: FileOpener,
): Promise<OpenedFile[]> {
  const out: OpenedFile[] = [];
  for (const s of await rotatedSiblings(abs)) {
    if (s.mtimeMs < after.mtimeMs || exclude.has(s.ino)) continue;
    const opened = await openSibling(s, open);
    if (opened !== null) out.push(opened);
  }
  return out;
}

/**
 * The file an id names once it is no longer behind its name: the rotated
 * sibling with that identity (inode), opened through the guard; null when none is.
 */
export async function findByIdentity(
  abs: string,
  ino: string,
  open: FileOpener,
): Promise<{ abs: string; opened: OpenedFile } | null> {
  const match = (await rotatedSiblings(abs)).find((s) => String(s.ino) === ino);
  if (match === undefined) return null;
  const opened = await openSibling(match, open);
  return opened === null ? null : { abs: match.abs, opened };
}
