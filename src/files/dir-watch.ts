import { watch, type FSWatcher } from 'node:fs';
import type { FileGuard, ResolvedPath } from './guard.js';
import { entryAt, listDirectory, type DirEntry } from './listing.js';

/** A change of a directory's index: an entry appeared or changed, or one went. */
export type DirChange =
  | { readonly type: 'entry'; readonly entry: DirEntry }
  | { readonly type: 'removed'; readonly path: string };

export interface DirListener {
  change(change: DirChange): void;
  /** The directory can no longer be watched (removed, unreadable): no more changes will come. */
  closed(): void;
}

export interface DirWatchOptions {
  /** Stat polling instead of inotify (POLLING). */
  readonly polling: boolean;
  readonly pollIntervalMs: number;
  /** The least time between two `entry` changes of one name: a growing file is reported at most this often. */
  readonly changeIntervalMs: number;
  readonly onError: (err: unknown) => void;
}

/**
 * The live directory index: one watch per directory, shared by every listener
 * of it and closed when the last one leaves. The watch is node's fs.watch on
 * the directory itself (one inotify watch, however many files it holds: a
 * change of a file inside is reported on the directory), not chokidar, which
 * adds a watch per file. Its events are only hints: each named entry is asked
 * of the guard again and compared with what was last reported, so a name that
 * may not be served (a FIFO, a dot-file) never makes a change.
 */
export class DirWatchers {
  private readonly watches = new Map<string, SharedDirWatch>();

  constructor(
    private readonly guard: FileGuard,
    private readonly options: DirWatchOptions,
  ) {}

  /** Starts listening; resolves once the watch is in place (every later change reaches `listener`) with its unsubscribe. */
  async watch(dir: ResolvedPath, listener: DirListener): Promise<() => void> {
    let shared = this.watches.get(dir.abs);
    if (shared === undefined) {
      const made = new SharedDirWatch(this.guard, dir, this.options, () => this.watches.delete(dir.abs));
      this.watches.set(dir.abs, made);
      shared = made;
    }
    const unsubscribe = shared.add(listener);
    try {
      await shared.ready;
    } catch (err) {
      unsubscribe();
      throw err;
    }
    return unsubscribe;
  }

  /** Directories watched now and listeners over all of them. */
  stats(): { dirs: number; listeners: number } {
    let listeners = 0;
    for (const w of this.watches.values()) listeners += w.listenerCount;
    return { dirs: this.watches.size, listeners };
  }

  close(): void {
    for (const w of [...this.watches.values()]) w.close();
  }
}

class SharedDirWatch {
  readonly ready: Promise<void>;
  private readonly listeners = new Set<DirListener>();
  /** What listeners were last told, by name. */
  private snapshot = new Map<string, DirEntry>();
  private readonly lastChecked = new Map<string, number>();
  private readonly pending = new Map<string, NodeJS.Timeout>();
  /** Hints that came before the first listing: checked once it is there. */
  private early: Set<string> | null = new Set();
  private watcher: FSWatcher | null = null;
  private poller: NodeJS.Timeout | null = null;
  /** Checks run one after another, so changes are reported in the order they were seen. */
  private queue: Promise<void> = Promise.resolve();
  private done = false;

  constructor(
    private readonly guard: FileGuard,
    private readonly dir: ResolvedPath,
    private readonly options: DirWatchOptions,
    private readonly onClose: () => void,
  ) {
    this.ready = this.start();
    // Whoever waits on `ready` hears of the failure from it, not from closed().
    this.ready.catch(() => {
      this.listeners.clear();
      this.close();
    });
  }

  get listenerCount(): number {
    return this.listeners.size;
  }

  add(listener: DirListener): () => void {
    this.listeners.add(listener);
    return () => {
      if (!this.listeners.delete(listener)) return;
      if (this.listeners.size === 0) this.close();
    };
  }

  close(): void {
    if (this.done) return;
    this.done = true;
    this.watcher?.close();
    if (this.poller !== null) clearInterval(this.poller);
    for (const t of this.pending.values()) clearTimeout(t);
    this.pending.clear();
    this.onClose();
    for (const l of [...this.listeners]) l.closed();
    this.listeners.clear();
  }

  private async start(): Promise<void> {
    // Watch first, then list: a change between the two is a hint checked against the listing.
    if (this.options.polling) {
      const every = Math.max(this.options.pollIntervalMs, this.options.changeIntervalMs);
      this.poller = setInterval(() => this.enqueue(() => this.rescan()), every);
    } else {
      this.watcher = watch(this.dir.abs, { persistent: false }, (_event, name) => {
        if (name === null) this.enqueue(() => this.rescan());
        else this.hint(name);
      });
      this.watcher.on('error', (err) => {
        this.options.onError(err);
        this.close();
      });
    }
    const entries = await listDirectory(this.guard, this.dir);
    this.snapshot = new Map(entries.map((e) => [e.name, e]));
    const early = this.early ?? new Set<string>();
    this.early = null;
    for (const name of early) this.hint(name);
  }

  /** A name changed, by the watcher's word: checked at once, or, if checked less than changeIntervalMs ago, once that has passed. */
  private hint(name: string): void {
    if (this.done || this.pending.has(name)) return;
    if (this.early !== null) {
      this.early.add(name);
      return;
    }
    const wait = Math.max(0, (this.lastChecked.get(name) ?? -Infinity) + this.options.changeIntervalMs - Date.now());
    this.pending.set(
      name,
      setTimeout(() => {
        this.pending.delete(name);
        this.lastChecked.set(name, Date.now());
        this.enqueue(() => this.check(name));
      }, wait),
    );
  }

  private enqueue(job: () => Promise<void>): void {
    this.queue = this.queue.then(job).catch((err: unknown) => this.options.onError(err));
  }

  private async check(name: string): Promise<void> {
    if (this.done) return;
    this.apply(name, await entryAt(this.guard, this.dir, name));
  }

  /** The whole directory against the snapshot: for polling, and when the watcher could not name what changed. */
  private async rescan(): Promise<void> {
    if (this.done) return;
    let entries: DirEntry[];
    try {
      entries = await listDirectory(this.guard, this.dir);
    } catch (err) {
      this.options.onError(err);
      this.close();
      return;
    }
    const now = new Map(entries.map((e) => [e.name, e]));
    for (const name of this.snapshot.keys()) if (!now.has(name)) this.apply(name, null);
    for (const [name, entry] of now) this.apply(name, entry);
  }

  private apply(name: string, entry: DirEntry | null): void {
    if (this.done) return;
    const before = this.snapshot.get(name);
    if (entry === null) {
      if (before === undefined) return;
      this.snapshot.delete(name);
      this.lastChecked.delete(name);
      this.emit({ type: 'removed', path: before.path });
      return;
    }
    if (before !== undefined && sameEntry(before, entry)) return;
    this.snapshot.set(name, entry);
    this.emit({ type: 'entry', entry });
  }

  private emit(change: DirChange): void {
    for (const l of this.listeners) l.change(change);
  }
}

const sameEntry = (a: DirEntry, b: DirEntry): boolean => a.type === b.type && a.size === b.size && a.mtime === b.mtime;
