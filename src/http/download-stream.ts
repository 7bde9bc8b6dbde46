import type { ServerResponse } from 'node:http';
import type { RegisteredStream } from './stream-registry.js';

/**
 * A download seen as a stream: it holds a MAX_STREAMS slot and a file handle
 * for as long as its response lasts, so one whose client takes nothing for
 * `idleMs` is cut (koa then destroys the body, which closes the handle).
 */
export class DownloadStream implements RegisteredStream {
  private readonly endedListeners: Array<() => void> = [];

  constructor(
    readonly res: ServerResponse,
    idleMs: number,
  ) {
    // The socket's own idle timer: every byte the client takes lets more be written, which resets it.
    res.setTimeout(idleMs, () => res.destroy());
    // Keep-alive reuses the socket: its next request must not inherit the limit. Prepended, so that
    // node's 'finish' listener, which sets the keep-alive timeout, runs after this and wins.
    res.prependOnceListener('finish', () => res.socket?.setTimeout(0));
    res.once('close', () => {
      for (const l of this.endedListeners) l();
    });
  }

  onEnd(listener: () => void): void {
    this.endedListeners.push(listener);
  }

  /** A download has no closing chunk: on shutdown it gets the second every connection gets to finish, then is cut with them. */
  end(): void {}
}
