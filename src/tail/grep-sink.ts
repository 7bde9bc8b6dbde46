import type { LineMatcher } from '../search/matcher.js';
import type { FeedEvent, FeedSink } from './feed.js';
import { ForwardSelector } from './line-select.js';

/**
 * Filters a live feed for a grep stream: the bytes are cut into lines as a
 * search cuts them, and only kept lines go on, each as a `line` event with its
 * real end offset, so ids (and `from=` resumes) stay those of the file.
 */
export class GrepSink implements FeedSink {
  private file = '';
  private readonly selector: ForwardSelector;

  constructor(
    private readonly inner: FeedSink,
    matcher: LineMatcher,
    maxLineBytes: number,
  ) {
    this.selector = new ForwardSelector(matcher, maxLineBytes, (bytes, end) =>
      // Copied: the selector reuses its buffer, the socket may hold the bytes a while.
      this.inner.event({ type: 'line', file: this.file, end, bytes: Buffer.from(bytes) }),
    );
  }

  event(ev: FeedEvent): void {
    if (ev.type === 'data') {
      if (ev.file !== this.file) this.selector.finish();
      this.file = ev.file;
      this.selector.push(ev.bytes, ev.start);
      return;
    }
    // The file changed under the held partial line: it is a line of its own, as the other formats treat it.
    if (ev.type === 'truncated' || ev.type === 'switched') this.selector.finish();
    this.inner.event(ev);
  }

  closed(): boolean {
    return this.inner.closed();
  }

  pendingBytes(): number {
    return this.inner.pendingBytes();
  }

  ready(): Promise<void> {
    return this.inner.ready();
  }

  abort(reason: 'slow' | 'shutdown' | 'error'): void {
    this.inner.abort(reason);
  }
}
