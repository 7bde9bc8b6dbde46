import { readdir, realpath, stat } from 'node:fs/promises';
import path from 'node:path';
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

/**
 * The directory index: directories first, then files, in natural order
 * (access.log.2 before access.log.10). Entries that the guard would refuse
 * (dot-files, symlinks leading out, FIFOs, sockets, devices) are left out.
 */
export async function listDirectory(guard: FileGuard, dir: ResolvedPath, showHidden: boolean): Promise<DirEntry[]> {
  const dirents = await readdir(dir.abs, { withFileTypes: true });
  const entries = await Promise.all(
    dirents
      .filter((d) => showHidden || !d.name.startsWith('.'))
      .map(async (d): Promise<DirEntry | null> => {
        const abs = path.join(dir.abs, d.name);
        try {
          if (d.isSymbolicLink() && !guard.contains(await realpath(abs))) return null;
          const st = await stat(abs);
          const type = st.isFile() ? 'file' : st.isDirectory() ? 'dir' : null;
          if (type === null) return null;
          const rel = dir.rel === '' ? d.name : `${dir.rel}/${d.name}`;
          return { name: d.name, path: rel, type, size: type === 'file' ? st.size : 0, mtime: st.mtime.toISOString() };
        } catch {
          return null; // vanished or broken link: not listable
        }
      }),
  );
  return entries
    .filter((e): e is DirEntry => e !== null)
    .sort((a, b) => (a.type === b.type ? collator.compare(a.name, b.name) : a.type === 'dir' ? -1 : 1));
}
