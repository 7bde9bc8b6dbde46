import { fetchBatch, type Batch, type FetchedLine } from './batch.js';
import type { LogView } from './view.js';

export interface PagerControls {
  /** At the top of the lines: watched, so reaching it loads older lines. */
  readonly older: HTMLElement;
  readonly olderButton: HTMLButtonElement;
  readonly olderText: HTMLElement;
  /** At the bottom, shown while the page's end is not the file's. */
  readonly newer: HTMLElement;
  readonly newerButton: HTMLButtonElement;
}

export interface PagerOptions {
  /** A `/tail` URL ending the stream (`follow=0`) with these parameters and the view's own (grep). */
  readonly tailUrl: (params: Readonly<Record<string, string>>) => string;
  readonly batch: number;
  /** Loading newer lines reached the file's end: the live stream may take over from the last line. */
  readonly reachedEnd: () => void;
  /** A load could not be made (the file went away, the server refused). */
  readonly failed: (why: string) => void;
  /** The server's time budget stopped a load's search early (more may be loaded from where it stopped). */
  readonly partial: () => void;
}

const EDGE_PX = 64;
const DWELL_MS = 250;

/** Whether an edge control is on screen in its scrolling box (or nearly). */
function inView(el: HTMLElement): boolean {
  const box = el.parentElement;
  if (el.hidden || box === null) return false;
  const r = el.getBoundingClientRect();
  const b = box.getBoundingClientRect();
  return r.bottom >= b.top - EDGE_PX && r.top <= b.bottom + EDGE_PX;
}

/**
 * Loads older lines when the reader reaches the top (`before=`), and newer ones at the bottom
 * of a page that is not live (`at=` the last line, keeping what comes after it), one request at
 * a time. A batch is taken only if the page's edge is still where it was asked from.
 */
export class Pager {
  private loading = false;
  private dwell: ReturnType<typeof setTimeout> | undefined;
  /** The first line once the file's start was reached: true only while that line still heads the page. */
  private startId: string | null = null;

  constructor(
    private readonly view: LogView,
    private readonly els: PagerControls,
    private readonly opts: PagerOptions,
  ) {
    els.olderButton.addEventListener('click', () => void this.loadOlder());
    els.newerButton.addEventListener('click', () => void this.loadNewer());
    // The observer only says when to look; whether an edge is in view is measured then (its news may be a frame old).
    const seen = new IntersectionObserver(() => this.autoLoad(), {
      root: els.older.parentElement,
      rootMargin: `${EDGE_PX}px 0px`,
    });
    seen.observe(els.older);
    seen.observe(els.newer);
    this.update();
  }

  /** The page changed (lines arrived, left, or started over): the controls say what is true now. */
  update(): void {
    const first = this.view.store.firstLineId();
    const atStart = first !== null && first === this.startId;
    // While following a page taller than its box the top is out of sight anyway: the button waits for the reader to scroll up.
    const box = this.els.older.parentElement;
    const outOfSight = this.view.isFollowing && box !== null && box.scrollHeight > box.clientHeight;
    this.els.olderButton.hidden = atStart || first === null || outOfSight;
    this.els.olderButton.disabled = this.loading;
    this.els.olderText.hidden = !atStart;
    this.els.newer.hidden = this.view.isLive;
    this.els.newerButton.hidden = this.view.isLive;
    this.els.newerButton.disabled = this.loading;
  }

  async loadOlder(): Promise<void> {
    const first = this.view.store.firstLineId();
    if (first === null || first === this.startId) return;
    const got = await this.load({ before: first, lines: String(this.opts.batch) });
    if (got === null || this.view.store.firstLineId() !== first) return;
    this.view.prepend(got.lines);
    // Fewer than asked, and not for lack of time: nothing older is left.
    if (got.lines.length < this.opts.batch && !got.partial) this.startId = this.view.store.firstLineId();
    this.settled(got.lines.length);
  }

  async loadNewer(): Promise<void> {
    const last = this.view.store.lastLineId();
    if (last === null || this.view.isLive) return;
    const got = await this.load({ at: last, lines: String(this.opts.batch) });
    if (got === null || this.view.store.lastLineId() !== last || this.view.isLive) return;
    const at = got.lines.findIndex((l) => l.id === last);
    const after: FetchedLine[] = at < 0 ? [] : got.lines.slice(at + 1);
    for (const l of after) this.view.addLine(l.id, l.text);
    if (after.length < this.opts.batch && !got.partial) this.opts.reachedEnd();
    this.settled(after.length);
  }

  private async load(params: Record<string, string>): Promise<(Batch & { ok: true }) | null> {
    if (this.loading) return null;
    this.loading = true;
    this.update();
    try {
      const got = await fetchBatch(this.opts.tailUrl(params));
      if (!got.ok) {
        this.opts.failed(got.why);
        return null;
      }
      if (got.partial) this.opts.partial();
      return got;
    } finally {
      this.loading = false;
      this.update();
    }
  }

  /** After a load: if the reader still sees that edge and the load brought something, the next batch. */
  private settled(added: number): void {
    this.update();
    if (added > 0) requestAnimationFrame(() => this.autoLoad());
  }

  private autoLoad(): void {
    if (this.loading || this.dwell !== undefined) return;
    // Only once the reader has rested at an edge a moment: flinging past the top, or Home to see the first
    // line, is not yet asking for more (and the top stays where Home put it long enough to be seen).
    this.dwell = setTimeout(() => {
      this.dwell = undefined;
      if (this.loading) return;
      // Not while following: a page still filling with its tail (or a short file) is not the reader asking for more.
      if (this.view.store.lines > 0 && !this.view.isFollowing && inView(this.els.older)) void this.loadOlder();
      else if (!this.view.isLive && inView(this.els.newer)) void this.loadNewer();
    }, DWELL_MS);
  }
}
