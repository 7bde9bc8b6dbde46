import { watch, type FSWatcher } from 'chokidar';

/**
 * chokidar polling one followed name under POLLING (network and FUSE mounts,
 * where inotify says nothing): it sees the name appear, change, be renamed or
 * deleted. A watcher of its own, closed (not unwatched) when the follower goes,
 * because chokidar keeps every unwatched path of a shared watcher for ever.
 */
export class NameWatch {
  private readonly watcher: FSWatcher;

  constructor(abs: string, intervalMs: number, onHint: () => void, onError: (err: unknown) => void) {
    this.watcher = watch(abs, {
      ignoreInitial: true,
      persistent: true,
      usePolling: true,
      interval: intervalMs,
      binaryInterval: intervalMs,
      atomic: false,
    });
    this.watcher.on('all', () => onHint());
    this.watcher.on('error', onError);
  }

  close(): Promise<void> {
    return this.watcher.close();
  }
}
