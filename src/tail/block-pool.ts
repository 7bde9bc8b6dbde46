import { BLOCK_BYTES } from './backlog.js';
import { CountedBlocks } from './newline-count.js';

/**
 * One read block of a BlockPool, lent out. The follower holds it while it hands
 * the block's bytes to every stream; anything that keeps those bytes after it
 * was handed them (a socket write not yet done, a queue) retains it and
 * releases it when done. When the last holder releases, the block is read into
 * again, so a release too early would let a later read overwrite bytes still
 * being sent; a release missed only leaves the block to the garbage collector.
 */
export class BlockLease {
  private holders = 1;

  constructor(
    readonly bytes: Buffer,
    private readonly pool: BlockPool,
  ) {}

  retain(): void {
    this.holders++;
  }

  release(): void {
    if (--this.holders === 0) this.pool.put(this.bytes);
  }
}

/**
 * The follower's read blocks, used again once every stream is done with them.
 * A new 64 KiB block per read is a new ArrayBuffer each time, and that much
 * fresh external memory makes V8 run full mark-compact collections at full
 * speed (one per ~25 MB followed, a fifth of the CPU); reused blocks make none.
 * The first `keep` blocks are made where the newline counter reads them in
 * place (CountedBlocks), and always kept; more, while many are held at once,
 * are plain ones.
 */
export class BlockPool {
  private readonly counted: Buffer[] = [];
  private readonly plain: Buffer[] = [];
  private readonly arena: CountedBlocks;
  private out = 0;

  /** `keep`: how many free blocks are kept for reuse; more are left to the collector. */
  constructor(private readonly keep = 16) {
    this.arena = new CountedBlocks(keep, BLOCK_BYTES);
  }

  /** Blocks lent and not yet released by their last holder: 0 once every stream is done with every read. */
  get lent(): number {
    return this.out;
  }

  take(): BlockLease {
    this.out++;
    const block = this.counted.pop() ?? this.arena.make() ?? this.plain.pop() ?? Buffer.allocUnsafeSlow(BLOCK_BYTES);
    return new BlockLease(block, this);
  }

  /** Only BlockLease.release calls this, once its last holder is done. */
  put(block: Buffer): void {
    this.out--;
    if (this.arena.holds(block)) this.counted.push(block);
    else if (this.counted.length + this.plain.length < this.keep) this.plain.push(block);
  }
}

/** The part of a block just read that goes out: its bytes, and the lease when they lie in the block itself. */
export interface BlockPart {
  readonly bytes: Buffer;
  readonly lease?: BlockLease;
}

/**
 * `[from, to)` of a leased block, to hand out. Half a block or more goes out in
 * the block itself (the holder retains the lease); less is copied, so a line
 * waiting in a slow socket holds its own bytes and not a whole block.
 */
export function blockPart(lease: BlockLease, from: number, to: number): BlockPart {
  const bytes = lease.bytes.subarray(from, to);
  return to - from >= BLOCK_BYTES / 2 ? { bytes, lease } : { bytes: Buffer.from(bytes) };
}
