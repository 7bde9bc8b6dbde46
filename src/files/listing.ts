import { readdir } from 'node:fs/promises';
import { mapLimit } from '../shared/map-limit.js';
import { fsErrorToPathError, PathError } from './errors.js';
import type { FileGuard, ResolvedPath } from './guard.js';

export interface DirEntry {
  readonly name: string;
  /** Relative to the root, '/'-separated. */
  readonly path: string;
  readonly type: 'file' | 'dir';
  readonly size: number;
  readonly mtime: string;
}

const collator = new Intl.Collator('en', { numeric: true });

// Enough to keep libuv's four threads busy; few enough that other requests' file work is not queued behind a whole directory.
const STAT_CONCURRENCY = 32;

/**
 * The directory index: directories first, then files, in natural order
 * (access.log.2 before access.log.10). Each entry is asked of the guard, so
 * the index lists exactly what may be opened: no dot-files, no links leading
 * out or to hidden files, no FIFOs, sockets or devices.
 */
export async function listDirectory(guard: FileGuard, dir: ResolvedPath): Promise<DirEntry[]> {
  const names = await readdir(dir.abs).catch((err: unknown) => {
    throw fsErrorToPathError(err);
  });
  const entries = await mapLimit(names, STAT_CONCURRENCY, async (name): Promise<DirEntry | null> => {
    const rel = dir.rel === '' ? name : `${dir.rel}/${name}`;
    // Missing (gone since readdir) or refused: not listed. Anything else (EMFILE, EIO) fails the index: a 5xx, logged.
    const found = await guard.entry(rel).catch((err: unknown) => {
      if (err instanceof PathError) return null;
      throw err;
    });
    if (found === null) return null;
    const type = found.stat.isFile() ? 'file' : 'dir';
    return { name, path: found.rel, type, size: type === 'file' ? found.stat.size : 0, mtime: found.stat.mtime.toISOString() };
  });
  return entries
    .filter((e): e is DirEntry => e !== null)
    .sort((a, b) => (a.type === b.type ? collator.compare(a.name, b.name) : a.type === 'dir' ? -1 : 1));
}
