import { watch, type FSWatcher } from 'node:fs';
import { stat } from 'node:fs/promises';
import type { OpenedFile } from '../files/guard.js';
import { BackPressure } from './back-pressure.js';
import { blockPart, BlockPool, type BlockLease, type BlockPart } from './block-pool.js';
import { BLOCK_BYTES, readFully } from './backlog.js';
import type { FeedEvent } from './feed.js';
import { LineHeads } from './lines.js';
import { orMissing } from './missing.js';
import { COPY_PROOF_BYTES, findRotatedCopy } from './rotated-copy.js';
import { SharedHandle } from './shared-handle.js';
import { rotatedSince } from './siblings.js';

/**
 * Opens a watched name after checking it may be read; rejects with the guard's
 * 404 when it is missing or refused, with anything else (EMFILE, EIO) when the server failed.
 */
export type FileOpener = (abs: string) => Promise<OpenedFile>;

/** Told of a failure the follower goes on after (it retries on the next hint): once per run of failures. */
export type FollowerErrorHandler = (err: unknown) => void;

export interface FollowerOptions {
  readonly maxLineBytes: number;
  /**
   * Watch the open file itself (inotify through node's fs.watch) and read at once
   * on each change. Off under POLLING, where inotify cannot be trusted and the
   * engine's polls drive the checks.
   */
  readonly watchContent: boolean;
  /** Where read blocks come from: shared by the engine's followers. */
  readonly pool: BlockPool;
  /** Told when a look finds the name leading to a file again (true) or to nothing (false), so its watch can adapt. */
  readonly onNamed?: (named: boolean) => void;
}

const DEFAULT_OPTIONS: FollowerOptions = { maxLineBytes: 65536, watchContent: true, pool: new BlockPool() };

/** A reader of the follower's chunks; the follower waits briefly for busy ones so fast readers are not cut off. */
export interface FollowerListener {
  /** Must not throw: a listener that fails ends itself. */
  deliver(ev: FeedEvent): void;
  busy(): boolean;
  ready(): Promise<void>;
}

const EMPTY = Buffer.alloc(0);

/** What a read of appended bytes found: some, none, or the bytes before the feed's place changed (unchecked: not looked). */
type Appended = 'read' | 'nothing' | 'rewritten' | 'unchecked';

// More than logrotate's usual `rotate` count, so no file kept beside the name is read twice.
const SEEN_INODES = 32;

function watchOrNull(target: string, onEvent: (event: string) => void): FSWatcher | null {
  try {
    return watch(target, { persistent: false }, onEvent);
  } catch {
    return null;
  }
}

async function lastBytesOf(file: OpenedFile): Promise<Buffer> {
  const buf = Buffer.alloc(Math.min(COPY_PROOF_BYTES, file.stat.size));
  const n = await readFully(file.handle, buf, buf.length, file.stat.size - buf.length);
  return buf.subarray(0, n);
}

/**
 * Follows one name like `tail -F`: one handle, read once per change, each chunk
 * handed to every listener. Watcher events are only hints; what happened is
 * told by the file itself: a smaller size is a truncation, another inode
 * behind the name is a rotation or re-creation.
 */
export class Follower<L extends FollowerListener = FollowerListener> {
  readonly listeners = new Set<L>();
  private current: SharedHandle | null = null;
  private ino = -1;
  private dev = -1;
  /** The current file's modification time when last read: files rotated away after it are the ones a quick succession of rotations can hide. */
  private mtimeMs = 0;
  /** Inodes already read behind this name (the last few), never read twice. */
  private readonly seen: number[] = [];
  /** Whether the last check failed; a run of failures is reported once. */
  private failing = false;
  /** Offset up to which every listener has been handed the file. */
  private emitted = 0;
  /** The last bytes handed out: proof that a rotated copy continues what was read. */
  private lastBytes: Buffer = EMPTY;
  private running: Promise<void> | null = null;
  private again = false;
  private closed = false;
  /** Whether the name may lead elsewhere now (a name event, a poll): only then is it looked up again. */
  private nameChanged = true;
  /** Whether the name led to a file at the last look (see FollowerOptions.onNamed); unknown before the first. */
  private named: boolean | null = null;
  private readonly heads: LineHeads;
  /** The watch on the open file: every change read at once, with no timer between the write and the read. */
  private content: FSWatcher | null = null;

  constructor(
    readonly abs: string,
    private readonly open: FileOpener,
    private readonly onError: FollowerErrorHandler = () => undefined,
    private readonly opts: FollowerOptions = DEFAULT_OPTIONS,
  ) {
    this.heads = new LineHeads(opts.maxLineBytes);
  }

  /** Opens the file if it is there and follows it from its current end; resolves false when it is not there (yet), rejects when it could not be opened. */
  start(): Promise<boolean> {
    const opening = this.switchTo('initial');
    // Counts as a running check, so a watcher hint meanwhile cannot open the file a second time.
    this.running = opening.then(
      () => undefined,
      () => undefined,
    );
    void this.running.finally(() => {
      this.running = null;
      if (this.again) void this.check();
    });
    return opening;
  }

  /** Where a new listener joins: the shared handle (held for it), the file identity and the offset the live feed continues from. */
  snapshot(): { handle: SharedHandle; file: string; offset: number } | null {
    return this.current === null
      ? null
      : { handle: this.current.acquire(), file: String(this.ino), offset: this.emitted };
  }

  /**
   * Something may have changed; coalesces with a check already running. `content`:
   * only the open file changed (its own watch said so), so the name need not be looked up.
   */
  check(what: 'name' | 'content' = 'name'): Promise<void> {
    if (what === 'name') this.nameChanged = true;
    if (this.running !== null) {
      this.again = true;
      return this.running;
    }
    this.running = this.loop().finally(() => {
      this.running = null;
    });
    return this.running;
  }

  close(): void {
    this.closed = true;
    this.unwatchContent();
    this.current?.release();
    this.current = null;
  }

  private async loop(): Promise<void> {
    do {
      this.again = false;
      try {
        await this.step();
        this.failing = false;
      } catch (err) {
        // The feed never ends on a failure (a re-open hitting EMFILE): the next hint or poll tries again.
        if (!this.failing) this.onError(err);
        this.failing = true;
      }
    } while (this.again && !this.closed);
  }

  private async step(): Promise<void> {
    if (this.current === null) {
      if (await this.switchTo('created')) this.again = true;
      return;
    }
    // With a watch on the open file, a change of content is told by it and a change of name by the name's watch:
    // what was appended is read at once, and the size is asked for only when there was nothing (a truncation).
    const contentOnly = this.opts.watchContent && !this.nameChanged;
    const appended = contentOnly ? await this.readAppended() : 'unchecked';
    if (appended === 'read') return;
    await this.readToEnd(appended);
    if (contentOnly) return;
    this.nameChanged = false;
    const named = await orMissing(stat(this.abs));
    this.setNamed(named !== null);
    if (named === null || (named.ino === this.ino && named.dev === this.dev)) return;
    // Another file behind the name: finish the old one, then start the new one from its start.
    await this.readToEnd();
    if (await this.switchTo('rotated')) this.again = true;
  }

  /** Opens the name and makes it the current file; false when it is not there (a failure to open rejects). */
  private async switchTo(reason: 'initial' | 'created' | 'rotated'): Promise<boolean> {
    const opened = await orMissing(this.open(this.abs));
    this.setNamed(opened !== null);
    if (opened === null) return false;
    // Closed meanwhile, or the name leads back to the file already followed (a stat saw a passing swap): nothing to switch to.
    if (this.closed || (reason === 'rotated' && opened.stat.ino === this.ino && opened.stat.dev === this.dev)) {
      await opened.handle.close();
      return false;
    }
    if (reason === 'rotated') {
      try {
        await this.readRotatedBetween(opened.stat.ino);
      } catch (err) {
        await opened.handle.close();
        throw err;
      }
    }
    this.become(opened);
    // Listeners present at the first open start from a snapshot of it (a backlog); a later file is read from its start.
    this.emitted = reason === 'initial' ? opened.stat.size : 0;
    this.lastBytes = EMPTY;
    if (reason === 'initial') this.lastBytes = await lastBytesOf(opened);
    if (reason !== 'initial') this.emit({ type: 'switched', file: String(this.ino), reason });
    return true;
  }

  private setNamed(named: boolean): void {
    if (named === this.named) return;
    this.named = named;
    this.opts.onNamed?.(named);
  }

  private become(opened: OpenedFile): void {
    this.current?.release();
    this.current = new SharedHandle(opened.handle);
    this.watchContent(opened);
    this.ino = opened.stat.ino;
    this.dev = opened.stat.dev;
    this.mtimeMs = opened.stat.mtimeMs;
    this.seen.push(opened.stat.ino);
    if (this.seen.length > SEEN_INODES) this.seen.shift();
  }

  private watchContent(opened: OpenedFile): void {
    this.unwatchContent();
    if (!this.opts.watchContent) return;
    const onEvent = (event: string): void => void this.check(event === 'rename' ? 'name' : 'content');
    // Through the descriptor, so the watch is on the very file opened, whatever the name leads to by now; without
    // /proc, through the name, which leads to that file but for a race that the name's watch and the polls cover.
    this.content = watchOrNull(`/proc/self/fd/${opened.handle.fd}`, onEvent) ?? watchOrNull(this.abs, onEvent);
    // A watch that fails leaves the name's watch and the engine's polls, which still find every change.
    this.content?.on('error', () => this.unwatchContent());
  }

  private unwatchContent(): void {
    this.content?.close();
    this.content = null;
  }

  /**
   * Rotations in quick succession: the name may already lead two files further
   * than the one read. Every file rotated away since the current one was last
   * read (found by identity among the rotated names) is read whole, oldest first.
   */
  private async readRotatedBetween(next: number): Promise<void> {
    if (this.current === null) return;
    const between = await rotatedSince(this.abs, { mtimeMs: this.mtimeMs }, new Set([...this.seen, next]), this.open);
    let taken = 0;
    try {
      for (const file of between) {
        if (this.closed) return;
        taken++;
        this.become(file);
        this.emitted = 0;
        this.lastBytes = EMPTY;
        this.emit({ type: 'switched', file: String(this.ino), reason: 'rotated' });
        await this.readToEnd();
      }
    } finally {
      await Promise.all(between.slice(taken).map((f) => f.handle.close()));
    }
  }

  /** Reads what is left; `proof` is what readAppended found of the bytes before the feed's place, if it just looked. */
  private async readToEnd(proof: Exclude<Appended, 'read'> = 'unchecked'): Promise<void> {
    const shared = this.current;
    if (shared === null) return;
    const { size, mtimeMs } = await shared.handle.stat();
    this.mtimeMs = mtimeMs;
    const rewritten = proof === 'rewritten' || (proof === 'unchecked' && !(await this.stillHolds(shared)));
    if (size < this.emitted || rewritten) {
      await this.recoverFromCopy();
      this.emitted = 0;
      this.lastBytes = EMPTY;
      this.emit({ type: 'truncated', file: String(this.ino) });
    }
    await this.readRange(shared, size);
  }

  /** Reads and hands out `from`'s bytes between what was emitted and `size`. */
  private async readRange(from: SharedHandle, size: number): Promise<void> {
    while (this.emitted < size && !this.closed) {
      const lease = this.opts.pool.take();
      const n = await readFully(from, lease.bytes, Math.min(BLOCK_BYTES, size - this.emitted), this.emitted);
      if (n === 0) {
        lease.release();
        break;
      }
      this.handRead(lease, 0, n);
      const busy = this.busyListeners();
      if (busy !== null) await busy;
    }
  }

  /**
   * Reads the current file from where the feed is until a read comes short: one
   * read for a line appended, as many as needed for a burst. `nothing` when there
   * was nothing at all to read, `rewritten` when the bytes before the feed's place
   * are no longer those handed out (see stillHolds). Each read starts at those
   * bytes, so the check costs no extra call.
   */
  private async readAppended(): Promise<Appended> {
    const shared = this.current;
    let any = false;
    while (shared !== null && !this.closed) {
      const lease = this.opts.pool.take();
      const proof = this.lastBytes;
      const bytesRead = await shared.read(lease.bytes, 0, BLOCK_BYTES, this.emitted - proof.length);
      const found = this.appendedIn(shared, lease.bytes, bytesRead, proof);
      if (found !== 'read') {
        lease.release();
        return any && found !== 'rewritten' ? 'read' : found;
      }
      any = true;
      this.handRead(lease, proof.length, bytesRead);
      const busy = this.busyListeners();
      if (busy !== null) await busy;
      if (bytesRead < BLOCK_BYTES) return 'read';
    }
    return any ? 'read' : 'nothing';
  }

  /** What one read from just before the feed's place found (see readAppended). */
  private appendedIn(shared: SharedHandle, block: Buffer, bytesRead: number, proof: Buffer): Appended {
    // Another file became current meanwhile: what was found here says nothing of it.
    if (this.current !== shared) return 'unchecked';
    // Rewritten under the feed (truncated, perhaps grown again): readToEnd takes it as a truncation.
    if (bytesRead < proof.length || !proof.equals(block.subarray(0, proof.length))) return 'rewritten';
    return bytesRead === proof.length ? 'nothing' : 'read';
  }

  /** Hands `[from, to)` of a block just read (see blockPart), then lets go of it: the streams retain what they keep. */
  private handRead(lease: BlockLease, from: number, to: number): void {
    this.hand(blockPart(lease, from, to));
    lease.release();
  }

  /**
   * Whether the file still holds, just before the feed's place, the bytes last
   * handed out. A truncation the follower did not see in time (copytruncate, then
   * the writer going on past the old size before the next check, under POLLING or
   * load) leaves the size larger but not those bytes.
   */
  private async stillHolds(shared: SharedHandle): Promise<boolean> {
    const proof = this.lastBytes;
    if (proof.length === 0) return true;
    const buf = Buffer.allocUnsafe(proof.length);
    const n = await readFully(shared, buf, buf.length, this.emitted - proof.length);
    return n === proof.length && proof.equals(buf);
  }

  /** Hands the next bytes of the current file to every listener. */
  private hand({ bytes, lease }: BlockPart): void {
    const start = this.emitted;
    this.emitted += bytes.length;
    this.lastBytes = Buffer.concat([this.lastBytes, bytes.subarray(-COPY_PROOF_BYTES)]).subarray(-COPY_PROOF_BYTES);
    const file = String(this.ino);
    const head = this.heads.next(file, start, bytes);
    this.emit({ type: 'data', file, start, bytes, head, lease });
  }

  /** copytruncate: what was written after the last read survives only in the copy; deliver it from there first. */
  private async recoverFromCopy(): Promise<void> {
    const copy = await findRotatedCopy(this.abs, this.emitted, this.lastBytes, this.open);
    if (copy === null) return;
    const shared = new SharedHandle(copy.handle);
    try {
      await this.readRange(shared, copy.stat.size);
    } finally {
      shared.release();
    }
  }

  private emit(ev: FeedEvent): void {
    for (const l of this.listeners) l.deliver(ev);
  }

  /**
   * Holds the next read, BUSY_WAIT_MS at most, for listeners half way to slow (see BackPressure). Null when none
   * is, so the common read awaits nothing more.
   */
  private busyListeners(): Promise<void> | null {
    const busy: Array<Promise<void>> = [];
    for (const l of this.listeners) if (l.busy()) busy.push(l.ready());
    if (busy.length === 0) return null;
    let timer: NodeJS.Timeout | undefined;
    return Promise.race([
      Promise.all(busy),
      new Promise<void>((resolve) => {
        timer = setTimeout(resolve, BackPressure.BUSY_WAIT_MS);
      }),
    ]).then(() => clearTimeout(timer));
  }
}
