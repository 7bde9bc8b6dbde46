import { watch, type FSWatcher } from 'chokidar';

export interface WatchOptions {
  readonly polling: boolean;
  readonly pollIntervalMs: number;
}

/**
 * The watch on one followed name, living exactly as long as its follower: a
 * chokidar watcher of its own, closed (not unwatched) when the follower goes,
 * because chokidar keeps every unwatched path of a shared watcher for ever.
 * chokidar sees the name appear, change, be renamed or deleted, also by polling.
 */
export class NameWatch {
  private readonly watcher: FSWatcher;

  constructor(abs: string, opts: WatchOptions, onHint: () => void, onError: (err: unknown) => void) {
    this.watcher = watch(abs, {
      ignoreInitial: true,
      persistent: true,
      usePolling: opts.polling,
      interval: opts.pollIntervalMs,
      binaryInterval: opts.pollIntervalMs,
      atomic: false,
    });
    // With inotify a change of content is told by the follower's watch on the open file: only name events count here.
    this.watcher.on('all', (event) => {
      if (opts.polling || event !== 'change') onHint();
    });
    this.watcher.on('error', onError);
  }

  close(): Promise<void> {
    return this.watcher.close();
  }
}
