import { BLOCK_BYTES } from './backlog.js';

/**
 * The slow-reader policy, in one place. A stream is judged by the bytes it was
 * handed and has not taken (what its socket still holds, or what waits for it
 * while its backlog is read), never by the size of one burst, so a reader that
 * empties its buffer between reads is never cut off, and one that stops reading
 * holds at most `clientBufferBytes` plus one formatted read.
 */
export class BackPressure {
  /**
   * How long one read may wait for busy readers before the rest go on without
   * them: long enough for a reader that is draining (GC, a loaded machine), short
   * enough that one that stopped reading (ended as slow a few reads later) holds
   * the others up for a second or two at most.
   */
  static readonly BUSY_WAIT_MS = 200;
  /** A client that stopped reading cannot take the closing notice either: its socket is dropped this long after it. */
  static readonly END_GRACE_MS = 2000;
  /** A backlog is read at most one block ahead of its client, however long it is. */
  static readonly BACKLOG_AHEAD_BYTES = BLOCK_BYTES;

  constructor(
    /** CLIENT_BUFFER_BYTES: what may wait for one client. */
    readonly clientBufferBytes: number,
  ) {}

  /** Ended as slow: more than CLIENT_BUFFER_BYTES of earlier writes not taken. */
  isSlow(pendingBytes: number): boolean {
    return pendingBytes > this.clientBufferBytes;
  }

  /** Half way to slow: the follower holds its next read for it (BUSY_WAIT_MS at most), and a backlog waits. */
  isBusy(pendingBytes: number): boolean {
    return pendingBytes > this.clientBufferBytes / 2;
  }

  /** The backlog reads its next block only once the client has taken most of the last. */
  backlogMayRead(pendingBytes: number): boolean {
    return pendingBytes <= BackPressure.BACKLOG_AHEAD_BYTES;
  }
}
