import { readdir } from 'node:fs/promises';
import path from 'node:path';
import type { OpenedFile } from '../files/guard.js';
import type { FileOpener } from './follower.js';

/**
 * The file an id names when it is no longer behind its name: among the
 * rotated siblings (`app.log.1`, `app.log-20261130`, `app.log.2.gz`), the one
 * whose identity (inode) the id carries. Every candidate is opened through
 * the opener, so the guard still decides what may be read.
 */
export async function findByIdentity(abs: string, ino: string, open: FileOpener): Promise<{ abs: string; opened: OpenedFile } | null> {
  const dir = path.dirname(abs);
  const base = path.basename(abs);
  const names = await readdir(dir).catch(() => [] as string[]);
  for (const name of names) {
    if (!name.startsWith(`${base}.`) && !name.startsWith(`${base}-`)) continue;
    const candidate = path.join(dir, name);
    const opened = await open(candidate).catch(() => null);
    if (opened === null) continue;
    if (String(opened.stat.ino) === ino) return { abs: candidate, opened };
    await opened.handle.close();
  }
  return null;
}
