import type { FileHandle } from 'node:fs/promises';

/** A file handle closed when its last holder lets go: a backlog may still be reading a file the follower has rotated away from. */
export class SharedHandle {
  private holders = 1;

  constructor(readonly handle: FileHandle) {}

  acquire(): this {
    this.holders++;
    return this;
  }

  release(): void {
    if (--this.holders === 0) void this.handle.close().catch(() => undefined);
  }
}
