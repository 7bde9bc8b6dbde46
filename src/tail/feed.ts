import type { BlockLease } from './block-pool.js';

/**
 * What the tail engine hands to each stream. Every byte carries its place:
 * `file` names the file's identity (its inode) and `start` the byte offset of
 * `bytes` in it, so any line's id is `file` plus the offset after the line.
 */
export type FeedEvent =
  | {
      readonly type: 'data';
      readonly file: string;
      readonly start: number;
      readonly bytes: Buffer;
      /** The unterminated start of the line `bytes` continue, ending at `start` (see LineHeads); empty when `bytes` start a line or that is not known. */
      readonly head: Buffer;
      /**
       * Present when `bytes` lie in a pooled read block, which is read into again once every holder let go:
       * a sink that keeps `bytes` after `event()` returns must `retain()` it and `release()` it when done, or copy them.
       */
      readonly lease?: BlockLease;
    }
  /** The same file was cut short (copytruncate, `: > file`): what follows is from its new start. */
  | { readonly type: 'truncated'; readonly file: string }
  /** The name now leads to another file (rotation, re-creation, first appearance): what follows is from its start. */
  | { readonly type: 'switched'; readonly file: string; readonly reason: 'rotated' | 'created' }
  /** A resume could not find where its id pointed (the file is gone, or was cut below it): what follows is this file from its start, and lines may be missing before it. */
  | { readonly type: 'missing'; readonly file: string }
  /** One whole line a search picked (grep, before, at, a .gz file): its bytes as in the file, ending at offset `end`. */
  | { readonly type: 'line'; readonly file: string; readonly end: number; readonly bytes: Buffer }
  /** A search stopped early (its time budget ran out): the lines sent are what it found so far. */
  | { readonly type: 'partial' };

/** A place in a file: after `offset` bytes of the file whose identity is `file`. */
export interface Position {
  readonly file: string;
  readonly offset: number;
}

/** The consumer side of a subscription, implemented by whatever writes a stream out. */
export interface FeedSink {
  /** `ev`'s bytes are only the sink's for this call unless it retains their lease (see FeedEvent). */
  event(ev: FeedEvent): void;
  /** The consumer is gone: nothing more need be read for it. */
  closed(): boolean;
  /** Bytes accepted but not yet taken by the consumer. */
  pendingBytes(): number;
  /** Resolves once the consumer has room again (or is gone). */
  ready(): Promise<void>;
  /** The subscription cannot go on (its queue overflowed, the engine closed). */
  abort(reason: 'slow' | 'shutdown' | 'error'): void;
}

export const positionToken = (p: Position): string => `${p.file}-${p.offset}`;

export function parsePositionToken(token: string): Position | null {
  const m = /^(\d{1,20})-(\d{1,16})$/.exec(token);
  if (m === null) return null;
  const offset = Number(m[2]);
  return Number.isSafeInteger(offset) ? { file: m[1] as string, offset } : null;
}
