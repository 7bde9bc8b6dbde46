import { AnswerError } from './errors.js';

/** What the registry needs of an open stream (a tail stream, a download): word when it ends, and a way to end it on shutdown. */
export interface RegisteredStream {
  onEnd(listener: () => void): void;
  end(reason: 'shutdown'): void;
}

/** The open streams: counted against MAX_STREAMS and ended together on shutdown. */
export class StreamRegistry {
  private readonly open = new Set<RegisteredStream>();

  constructor(private readonly max: number) {}

  get size(): number {
    return this.open.size;
  }

  full(): boolean {
    return this.open.size >= this.max;
  }

  add(stream: RegisteredStream): void {
    this.open.add(stream);
    stream.onEnd(() => this.open.delete(stream));
  }

  /** Ends every stream with its closing chunk. */
  endAll(): void {
    for (const s of [...this.open]) s.end('shutdown');
  }
}

/** The answer past MAX_STREAMS, for a stream of any kind. */
export class TooManyStreamsError extends AnswerError {
  constructor() {
    super(503, 'Service Unavailable: too many open streams, try again later', { 'Retry-After': '5' });
    this.name = 'TooManyStreamsError';
  }
}
