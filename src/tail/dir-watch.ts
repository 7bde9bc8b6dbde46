import { statSync, watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

/** What a directory's watch tells about one name in it. */
export interface NameListener {
  /** The name was created, deleted or renamed. */
  readonly onName: () => void;
  /** The directory itself went (deleted, moved away) or its watch failed: nothing more will be told. */
  readonly onLost: () => void;
}

interface Watched {
  readonly watcher: FSWatcher;
  /** The directory watched, by identity: a directory made again under the same path is another one. */
  readonly ino: number;
  readonly dev: number;
  /** Followed names in the directory and who to tell when each appears, goes or is renamed. */
  readonly names: Map<string, Set<NameListener>>;
}

function sameDirectory(dir: string, watched: Watched): boolean {
  try {
    const now = statSync(dir);
    return now.ino === watched.ino && now.dev === watched.dev;
  } catch {
    return false;
  }
}

/**
 * One inotify watch per directory that holds followed names, shared by their
 * followers: only a directory's watch says that a name was created again after a
 * rotation or a deletion (a watch on the file stays with the old file). Only
 * entry events count (create, delete, rename); writes to the files, which the
 * directory reports too, are told by each file's own watch.
 */
export class DirWatches {
  private readonly dirs = new Map<string, Watched>();

  /**
   * Tells `listener` of every entry event for `abs`'s name; false when the directory cannot be watched. Undone
   * by `unwatch`. Asked again, it first makes sure the watch is still on the directory now at that path: one
   * deleted while a file in it is open is not reported gone (the open file keeps it), so only a look tells.
   */
  watch(abs: string, listener: NameListener): boolean {
    const dir = path.dirname(abs);
    const known = this.dirs.get(dir);
    if (known !== undefined && !sameDirectory(dir, known)) this.lose(dir, known);
    const watched = this.dirs.get(dir) ?? this.open(dir);
    if (watched === null) return false;
    const name = path.basename(abs);
    const listeners = watched.names.get(name) ?? new Set();
    listeners.add(listener);
    watched.names.set(name, listeners);
    return true;
  }

  unwatch(abs: string, listener: NameListener): void {
    const dir = path.dirname(abs);
    const watched = this.dirs.get(dir);
    if (watched === undefined) return;
    const name = path.basename(abs);
    const listeners = watched.names.get(name);
    listeners?.delete(listener);
    if (listeners?.size === 0) watched.names.delete(name);
    if (watched.names.size === 0) this.forget(dir);
  }

  close(): void {
    for (const dir of [...this.dirs.keys()]) this.forget(dir);
  }

  private open(dir: string): Watched | null {
    const names = new Map<string, Set<NameListener>>();
    let watcher: FSWatcher;
    let ino: number;
    let dev: number;
    try {
      // Once per directory, before its watch, so that the identity is the watched directory's.
      ({ ino, dev } = statSync(dir));
      watcher = watch(dir, { persistent: false }, (event, name) => {
        if (event !== 'rename' || name === null) return;
        for (const l of names.get(name) ?? []) l.onName();
        // The directory's own deletion or move comes as a rename of its own name: whether it is still there tells which.
        if (name === path.basename(dir) && !sameDirectory(dir, watched)) this.lose(dir, watched);
      });
    } catch {
      return null;
    }
    const watched: Watched = { watcher, ino, dev, names };
    watcher.on('error', () => this.lose(dir, watched));
    this.dirs.set(dir, watched);
    return watched;
  }

  /** The watch is of no more use: forgotten, and every name in it told. */
  private lose(dir: string, watched: Watched): void {
    if (this.dirs.get(dir) !== watched) return;
    this.forget(dir);
    for (const listeners of watched.names.values()) for (const l of listeners) l.onLost();
  }

  private forget(dir: string): void {
    this.dirs.get(dir)?.watcher.close();
    this.dirs.delete(dir);
  }
}
