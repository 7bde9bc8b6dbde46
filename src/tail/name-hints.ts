import type { DirWatches, NameListener } from './dir-watch.js';
import { NameWatch } from './name-watch.js';

export interface NameHintOptions {
  readonly polling: boolean;
  readonly pollIntervalMs: number;
}

/**
 * With inotify, the directory's watch tells when the name is created, renamed or
 * deleted, and the follower's watch on its open file tells every change: a look
 * with no hint at all is only a safety net (an inotify queue overflow), so it is rare.
 */
const SAFETY_CHECK_MS = 30_000;

/**
 * Everything that tells one followed name's follower to look again, living as
 * long as it. With inotify: its directory's watch, and the rare safety look.
 * While the name leads nowhere, or its directory cannot be watched (not there,
 * deleted or moved away, no permission, no inotify watches left), the name is
 * looked at every POLL_INTERVAL_MS and the directory's watch made sure of each
 * time: a directory made again is followed within one interval, which its watch
 * alone cannot promise. Under POLLING, chokidar polls the name, and the looks
 * every POLL_INTERVAL_MS find changes of content.
 */
export class NameHints {
  private timer: NodeJS.Timeout | null = null;
  private period = 0;
  private readonly chokidar: NameWatch | null = null;
  private readonly listener: NameListener;
  private dirWatched = false;
  /** Until the follower says otherwise, the name is taken to lead to a file. */
  private missing = false;
  private closed = false;

  constructor(
    private readonly abs: string,
    private readonly opts: NameHintOptions,
    private readonly dirs: DirWatches,
    private readonly onHint: () => void,
    onError: (err: unknown) => void,
  ) {
    this.listener = { onName: onHint, onLost: () => this.dirLost() };
    if (opts.polling) {
      this.chokidar = new NameWatch(abs, opts.pollIntervalMs, onHint, onError);
      this.every(opts.pollIntervalMs);
      return;
    }
    this.dirWatched = dirs.watch(abs, this.listener);
    this.every(this.lookPeriod());
  }

  /** The follower found the name leading to a file, or to nothing. */
  named(present: boolean): void {
    this.missing = !present;
    if (!this.closed && !this.opts.polling) this.every(this.lookPeriod());
  }

  close(): Promise<void> {
    this.closed = true;
    if (this.timer !== null) clearInterval(this.timer);
    this.dirs.unwatch(this.abs, this.listener);
    return this.chokidar?.close() ?? Promise.resolve();
  }

  private lookPeriod(): number {
    return this.missing || !this.dirWatched ? this.opts.pollIntervalMs : SAFETY_CHECK_MS;
  }

  private look(): void {
    // The directory may be back, or another in its place, perhaps with the name in it: watched from now on.
    if (!this.opts.polling && (this.missing || !this.dirWatched)) {
      this.dirWatched = this.dirs.watch(this.abs, this.listener);
      this.every(this.lookPeriod());
    }
    this.onHint();
  }

  private dirLost(): void {
    this.dirWatched = false;
    if (this.closed) return;
    this.every(this.lookPeriod());
    this.onHint();
  }

  private every(ms: number): void {
    if (this.timer !== null && ms === this.period) return;
    if (this.timer !== null) clearInterval(this.timer);
    this.period = ms;
    this.timer = setInterval(() => this.look(), ms);
  }
}
