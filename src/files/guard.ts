import { constants, existsSync, type Stats } from 'node:fs';
import { lstat, open, readlink, realpath, stat, type FileHandle } from 'node:fs/promises';
import path from 'node:path';
import { badPath, fsErrorToPathError, notFound, PathError } from './errors.js';

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

export interface GuardOptions {
  /**
   * Check each opened file through `/proc/self/fd` (Linux). Without it, the
   * descriptor's identity is compared with a fresh resolution of the name.
   * Defaults to whether `/proc/self/fd` is there.
   */
  readonly procFd?: boolean;
}

// O_NONBLOCK: should a FIFO still slip through, the open must not hang.
const READ_FLAGS = constants.O_RDONLY | constants.O_NONBLOCK;
// Linux's O_PATH (not in node's constants): a descriptor naming an inode without opening it, so a FIFO or device is not touched.
const O_PATH = 0o10000000;

/**
 * The one place that decides whether a request path may be read: every route
 * and every (re)open by the tail engine goes through it. Order matters: the
 * lexical checks run before anything touches the filesystem, containment is
 * checked again on the real path, so a symlink cannot lead out of the root,
 * and once more on the file actually opened, so a directory swapped for a
 * symlink between the check and the open cannot either.
 */
export class FileGuard {
  private readonly procFd: boolean;

  constructor(
    /** Real path of LOG_DIR. */
    readonly root: string,
    private readonly showHidden: boolean,
    options: GuardOptions = {},
  ) {
    this.procFd = options.procFd ?? (process.platform === 'linux' && existsSync('/proc/self/fd'));
  }

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
   * `stat: null` when nothing servable is there yet but its directory may be
   * read. A name that exists but may not be served (FIFO, socket, device, a
   * link out or to a dot-file) counts as absent, so waiting tells nothing of it.
   */
  async fileOrAbsent(rel: string): Promise<{ rel: string; abs: string; stat: Stats | null }> {
    const located = this.locate(rel);
    try {
      return await this.file(rel);
    } catch (err) {
      if (!(err instanceof PathError && err.status === 404)) throw err;
      await this.dir(path.posix.dirname(located.rel) === '.' ? '' : path.posix.dirname(located.rel));
      return { ...located, stat: null };
    }
  }

  /**
   * Re-checks an absolute path from `locate` and opens it: used at every
   * (re)open, since the name may now be a symlink elsewhere. Only a regular
   * file is ever opened for reading, and the descriptor is checked before it
   * is handed out: a parent directory may have been swapped meanwhile.
   */
  async open(abs: string): Promise<OpenedFile> {
    const real = await this.realInside(abs);
    // Before any open: a FIFO, socket or device is never opened, not even to be refused.
    const named = await orNotFound(lstat(real));
    if (!named.isFile()) throw notFound();
    return this.procFd ? this.openThroughProc(real) : this.openAndCompare(abs, real, named);
  }

  /** Whether an absolute path lies inside the root (by path.relative, so '/logs2' is not inside '/logs', but '/logs/..foo' is). */
  contains(abs: string): boolean {
    const rel = path.relative(this.root, abs);
    return rel !== '..' && !rel.startsWith(`..${path.sep}`) && !path.isAbsolute(rel);
  }

  /** O_PATH names the inode without opening it; /proc tells where it really is, and only then is that very inode opened for reading. */
  private async openThroughProc(real: string): Promise<OpenedFile> {
    const pinned = await orNotFound(open(real, O_PATH | constants.O_NOFOLLOW));
    try {
      const fdPath = `/proc/self/fd/${pinned.fd}`;
      const where = await readlink(fdPath);
      const pinnedStat = await pinned.stat();
      if (!this.admits(where) || !pinnedStat.isFile()) throw notFound();
      return await checked(await orNotFound(open(fdPath, READ_FLAGS)), pinnedStat);
    } catch (err) {
      throw fsErrorToPathError(err);
    } finally {
      await pinned.close();
    }
  }

  /**
   * Without /proc: the descriptor must be the file found before the open and by
   * a fresh resolution after it. Path-based checks narrow the race but cannot
   * close it (a swap loop still wins about 1 in 100 opens); Linux takes the /proc way.
   */
  private async openAndCompare(abs: string, real: string, before: Stats): Promise<OpenedFile> {
    const handle = await orNotFound(open(real, READ_FLAGS | constants.O_NOFOLLOW));
    try {
      const fresh = await stat(await this.realInside(abs));
      if (fresh.dev !== before.dev || fresh.ino !== before.ino) throw notFound();
    } catch (err) {
      await handle.close();
      throw fsErrorToPathError(err);
    }
    return checked(handle, before);
  }

  private async resolve(rel: string, admits: (st: Stats) => boolean): Promise<ResolvedPath> {
    const located = this.locate(rel);
    const st = await orNotFound(stat(await this.realInside(located.abs)));
    if (!admits(st)) throw notFound();
    return { ...located, stat: st };
  }

  private async realInside(abs: string): Promise<string> {
    const real = await orNotFound(realpath(abs));
    if (!this.admits(real)) throw notFound();
    return real;
  }

  /** A real (symlink-free) path that may be read: inside the root, and no dot-segment unless SHOW_HIDDEN. */
  private admits(real: string): boolean {
    if (!this.contains(real)) return false;
    return (
      this.showHidden ||
      !path
        .relative(this.root, real)
        .split(path.sep)
        .some((s) => s.startsWith('.'))
    );
  }
}

/** A filesystem call whose missing-or-refused errors become the one 404. */
const orNotFound = <T>(call: Promise<T>): Promise<T> =>
  call.catch((err: unknown) => {
    throw fsErrorToPathError(err);
  });

/** Hands out `handle` only if it is a regular file and the very inode `expected` describes; closes it otherwise. */
async function checked(handle: FileHandle, expected: Stats): Promise<OpenedFile> {
  try {
    const st = await handle.stat();
    if (!st.isFile() || st.dev !== expected.dev || st.ino !== expected.ino) throw notFound();
    return { handle, stat: st };
  } catch (err) {
    await handle.close();
    throw fsErrorToPathError(err);
  }
}
