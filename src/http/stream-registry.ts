import type { StreamWriter } from './stream-writer.js';

/** The open streams: counted against MAX_STREAMS and ended together on shutdown. */
export class StreamRegistry {
  private readonly open = new Set<StreamWriter>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.open.size;
  }

  full(): boolean {
    return this.open.size >= this.max;
  }

  add(writer: StreamWriter): void {
    this.open.add(writer);
    writer.onEnd(() => this.open.delete(writer));
  }

  /** Ends every stream with its closing chunk. */
  endAll(): void {
    for (const w of [...this.open]) w.end('shutdown');
  }
}
