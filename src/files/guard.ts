import { constants, type Stats } from 'node:fs';
import { lstat, open, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { badPath, fsErrorToPathError, notFound } from './errors.js';

export interface ResolvedPath {
  /** The path as asked for, relative to the root, '/'-separated, '' for the root itself. */
  readonly rel: string;
  /** The root joined with `rel`, before symlinks are resolved: the name a follower watches. */
  readonly abs: string;
  readonly stat: Stats;
}

export interface OpenedFile {
  readonly handle: FileHandle;
  readonly stat: Stats;
}

// O_NONBLOCK: a FIFO swapped in after the checks must not hang the open.
const OPEN_FLAGS = constants.O_RDONLY | constants.O_NOFOLLOW | constants.O_NONBLOCK;

/**
 * The one place that decides whether a request path may be read: every route
 * and every (re)open by the tail engine goes through it. Order matters: the
 * lexical checks run before anything touches the filesystem, and containment is
 * checked again on the real path, so a symlink cannot lead out of the root.
 */
export class FileGuard {
  constructor(
    /** Real path of LOG_DIR. */
    readonly root: string,
    private readonly showHidden: boolean,
  ) {}

  /** Lexical checks only (no filesystem access): an already-decoded relative path → absolute path. */
  locate(rel: string): { rel: string; abs: string } {
    if (rel.includes('\0')) throw badPath('path contains a NUL byte');
    if (rel.includes('\\')) throw badPath('path contains a backslash');
    if (rel.startsWith('/') || /^[A-Za-z]:/.test(rel)) throw badPath('path must be relative to the log directory');
    const segments = rel.split('/').filter((s) => s !== '' && s !== '.');
    if (segments.includes('..')) throw badPath("path must not contain '..'");
    if (!this.showHidden && segments.some((s) => s.startsWith('.'))) throw notFound();
    const abs = path.join(this.root, ...segments);
    if (!this.contains(abs)) throw badPath('path must stay inside the log directory');
    return { rel: segments.join('/'), abs };
  }

  /** A regular file or a directory that may be read. */
  entry(rel: string): Promise<ResolvedPath> {
    return this.resolve(rel, (st) => st.isFile() || st.isDirectory());
  }

  file(rel: string): Promise<ResolvedPath> {
    return this.resolve(rel, (st) => st.isFile());
  }

  dir(rel: string): Promise<ResolvedPath> {
    return this.resolve(rel, (st) => st.isDirectory());
  }

  /**
   * For a stream that may wait for its file: the file as `file()` gives it, or
   * `stat: null` when nothing is there yet but its directory may be read.
   */
  async fileOrAbsent(rel: string): Promise<{ rel: string; abs: string; stat: Stats | null }> {
    const located = this.locate(rel);
    try {
      return await this.file(rel);
    } catch (err) {
      const missing = await lstat(located.abs).then(
        () => false,
        (e: NodeJS.ErrnoException) => e.code === 'ENOENT',
      );
      if (!missing) throw err;
      await this.dir(path.posix.dirname(located.rel) === '.' ? '' : path.posix.dirname(located.rel));
      return { ...located, stat: null };
    }
  }

  /** Re-checks an absolute path from `locate` and opens it: used at every (re)open, since the name may now be a symlink elsewhere. */
  async open(abs: string): Promise<OpenedFile> {
    const real = await this.realInside(abs);
    let handle: FileHandle;
    try {
      handle = await open(real, OPEN_FLAGS);
    } catch (err) {
      throw fsErrorToPathError(err);
    }
    try {
      const st = await handle.stat();
      if (!st.isFile()) throw notFound();
      return { handle, stat: st };
    } catch (err) {
      await handle.close();
      throw fsErrorToPathError(err);
    }
  }

  /** Whether an absolute path lies inside the root (by path.relative, so '/logs2' is not inside '/logs'). */
  contains(abs: string): boolean {
    const rel = path.relative(this.root, abs);
    return rel === '' || (!rel.startsWith('..') && !path.isAbsolute(rel));
  }

  private async resolve(rel: string, admits: (st: Stats) => boolean): Promise<ResolvedPath> {
    const located = this.locate(rel);
    const st = await this.statReal(located.abs);
    if (!admits(st)) throw notFound();
    return { ...located, stat: st };
  }

  private async statReal(abs: string): Promise<Stats> {
    const real = await this.realInside(abs);
    try {
      return await stat(real);
    } catch (err) {
      throw fsErrorToPathError(err);
    }
  }

  private async realInside(abs: string): Promise<string> {
    let real: string;
    try {
      real = await realpath(abs);
    } catch (err) {
      throw fsErrorToPathError(err);
    }
    if (!this.contains(real)) throw notFound();
    if (!this.showHidden && path.relative(this.root, real).split(path.sep).some((s) => s.startsWith('.') && s !== '..')) {
      throw notFound();
    }
    return real;
  }
}
