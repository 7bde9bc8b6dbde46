import { watch, type FSWatcher } from 'node:fs';
import path from 'node:path';

interface Watched {
  readonly watcher: FSWatcher;
  /** Followed names in the directory and who to tell when each appears, goes or is renamed. */
  readonly names: Map<string, Set<() => void>>;
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

  /** Tells `onName` of every entry event for `abs`'s name; false when the directory cannot be watched. Undone by `unwatch`. */
  watch(abs: string, onName: () => void): boolean {
    const dir = path.dirname(abs);
    let watched = this.dirs.get(dir);
    if (watched === undefined) {
      const names = new Map<string, Set<() => void>>();
      let watcher: FSWatcher;
      try {
        watcher = watch(dir, { persistent: false }, (event, name) => {
          if (event !== 'rename' || name === null) return;
          for (const tell of names.get(name) ?? []) tell();
        });
      } catch {
        return false;
      }
      // A directory that goes away takes its watch with it: the engine's polls remain.
      watcher.on('error', () => this.forget(dir));
      watched = { watcher, names };
      this.dirs.set(dir, watched);
    }
    const name = path.basename(abs);
    const listeners = watched.names.get(name) ?? new Set();
    listeners.add(onName);
    watched.names.set(name, listeners);
    return true;
  }

  unwatch(abs: string, onName: () => void): void {
    const dir = path.dirname(abs);
    const watched = this.dirs.get(dir);
    if (watched === undefined) return;
    const name = path.basename(abs);
    const listeners = watched.names.get(name);
    listeners?.delete(onName);
    if (listeners?.size === 0) watched.names.delete(name);
    if (watched.names.size === 0) this.forget(dir);
  }

  close(): void {
    for (const dir of [...this.dirs.keys()]) this.forget(dir);
  }

  private forget(dir: string): void {
    this.dirs.get(dir)?.watcher.close();
    this.dirs.delete(dir);
  }
}
