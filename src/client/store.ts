/** What the page holds for one line (or one notice between lines). */
export interface Entry {
  /** The line's id (`data-id`), or a made-up key for a notice. */
  readonly key: string;
  readonly kind: 'line' | 'notice';
  readonly text: string;
  /** Its visible text, what the filter reads (see plainText). */
  readonly plain: string;
  /** Its element once rendered; null while it waits for the next frame. */
  el: HTMLElement | null;
  /** Shown as the raw line even when it is JSON. */
  raw: boolean;
  /** Left the page (trimmed) before or after being rendered. */
  gone: boolean;
}

/**
 * The lines on the page in file order, keyed by id: a line already held is not taken twice,
 * and both ends can grow or shrink (new lines below, older ones loaded above).
 */
export class LineStore {
  private items: Entry[] = [];
  private head = 0;
  private readonly byKey = new Map<string, Entry>();
  private lineCount = 0;

  /** Lines held (notices not counted). */
  get lines(): number {
    return this.lineCount;
  }

  get size(): number {
    return this.items.length - this.head;
  }

  has(key: string): boolean {
    return this.byKey.has(key);
  }

  get(key: string): Entry | undefined {
    return this.byKey.get(key);
  }

  /** Adds below; false if that id is already held. */
  append(entry: Entry): boolean {
    if (this.byKey.has(entry.key)) return false;
    this.items.push(entry);
    this.byKey.set(entry.key, entry);
    if (entry.kind === 'line') this.lineCount++;
    return true;
  }

  /** Adds above, keeping their order (older lines loaded); those already held are skipped. */
  prepend(entries: readonly Entry[]): Entry[] {
    const fresh = entries.filter((e) => !this.byKey.has(e.key));
    for (const e of fresh) {
      this.byKey.set(e.key, e);
      if (e.kind === 'line') this.lineCount++;
    }
    this.items = [...fresh, ...this.items.slice(this.head)];
    this.head = 0;
    return fresh;
  }

  /** Removes the oldest entries until at most `maxLines` lines remain; returns what left. */
  trimOldest(maxLines: number): Entry[] {
    const out: Entry[] = [];
    while (this.lineCount > maxLines && this.head < this.items.length) {
      const e = this.items[this.head++] as Entry;
      this.forget(e);
      out.push(e);
    }
    // Compact now and then, so the array does not grow without bound.
    if (this.head > 4096 && this.head > this.items.length / 2) {
      this.items = this.items.slice(this.head);
      this.head = 0;
    }
    return out;
  }

  /** Removes the newest entries until at most `maxLines` lines remain (after loading older ones). */
  trimNewest(maxLines: number): Entry[] {
    const out: Entry[] = [];
    while (this.lineCount > maxLines && this.items.length > this.head) {
      const e = this.items.pop() as Entry;
      this.forget(e);
      out.push(e);
    }
    return out;
  }

  /** Forgets every entry (the page starts over). */
  clear(): void {
    for (const e of this) this.forget(e);
    this.items = [];
    this.head = 0;
  }

  /** The id of the newest line held: where a reconnect resumes. */
  lastLineId(): string | null {
    for (let i = this.items.length - 1; i >= this.head; i--) {
      const e = this.items[i] as Entry;
      if (e.kind === 'line') return e.key;
    }
    return null;
  }

  /** The id of the oldest line held: where loading older lines starts. */
  firstLineId(): string | null {
    for (let i = this.head; i < this.items.length; i++) {
      const e = this.items[i] as Entry;
      if (e.kind === 'line') return e.key;
    }
    return null;
  }

  *[Symbol.iterator](): IterableIterator<Entry> {
    for (let i = this.head; i < this.items.length; i++) yield this.items[i] as Entry;
  }

  private forget(e: Entry): void {
    this.byKey.delete(e.key);
    if (e.kind === 'line') this.lineCount--;
    e.gone = true;
  }
}
