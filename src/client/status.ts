import { humanSize } from '../shared/size.js';
import type { StreamState } from './stream.js';

/** The status bar (connection, file size, line count) and the tab title's count of lines missed while hidden. */
export class StatusBar {
  private unseen = 0;
  private readonly baseTitle = document.title;

  constructor(
    private readonly conn: HTMLElement,
    private readonly size: HTMLElement,
    private readonly count: HTMLElement,
    /** What "the stream said it is all" means for this file (a .gz file is never followed). */
    private readonly completeText: string,
  ) {
    document.addEventListener('visibilitychange', () => {
      if (document.visibilityState === 'visible') this.clearUnseen();
    });
  }

  state(s: StreamState): void {
    const [cls, text] =
      s.kind === 'connecting'
        ? ['connecting', 'connecting…']
        : s.kind === 'connected'
          ? ['connected', 'connected']
          : s.kind === 'reconnecting'
            ? [
                'reconnecting',
                `reconnecting… (attempt ${s.attempt}, next in ${(s.inMs / 1000).toFixed(1)} s: ${s.why})`,
              ]
            : s.kind === 'complete'
              ? ['ended', this.completeText]
              : ['ended', `ended: ${s.why}`];
    this.conn.className = `conn ${cls}`;
    this.conn.dataset.state = s.kind;
    this.conn.textContent = text;
  }

  /** No stream, on purpose (a permalink's context): says why. */
  still(text: string): void {
    this.conn.className = 'conn ended';
    this.conn.dataset.state = 'still';
    this.conn.textContent = text;
  }

  /** The byte offset after the newest line: the file's size as far as the page has read it. */
  bytes(n: number): void {
    this.size.textContent = humanSize(n);
    this.size.title = `${n} bytes`;
  }

  lines(shown: number, received: number): void {
    this.count.textContent =
      shown === received
        ? `${shown.toLocaleString('en')} lines`
        : `${shown.toLocaleString('en')} lines on the page, ${received.toLocaleString('en')} received`;
  }

  /** Lines arrived; counted in the title while the tab is hidden. */
  arrived(n: number): void {
    if (document.visibilityState !== 'hidden' || n === 0) return;
    this.unseen += n;
    document.title = `(${this.unseen}) ${this.baseTitle}`;
  }

  private clearUnseen(): void {
    this.unseen = 0;
    document.title = this.baseTitle;
  }
}
