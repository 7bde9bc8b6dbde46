import type { FetchedLine } from './batch.js';
import type { Matcher } from './filter.js';
import { createLineElement, fillLine, plainText } from './render.js';
import { LineStore, type Entry } from './store.js';

export interface ViewHooks {
  /** Lines were added or left (the status bar's count). */
  changed(): void;
  /** Following started or stopped, or the count of lines waiting below changed; `live` is false while the page's end is not the file's. */
  followChanged(following: boolean, waiting: number, live: boolean): void;
}

export interface LogViewOptions {
  /** The element after the last line (the "load newer" control): lines go before it. */
  readonly end: HTMLElement;
  /** Where a line's "show in file" link points (a search view), or null for no link. */
  readonly linkOf: ((id: string) => string) | null;
}

// Lines put into the page per animation frame at most; a burst bigger than the page's bound
// skips straight to its newest VIEWER_MAX_LINES lines, since older ones would leave at once.
const FRAME_BUDGET = 2000;
const BOTTOM_SLACK_PX = 4;

/**
 * The list of lines: adds arriving lines once per animation frame, keeps at most `maxLines`,
 * follows the end while the reader is at the bottom and counts what arrives while they are not.
 */
export class LogView {
  readonly store = new LineStore();
  private pending: Entry[] = [];
  private frame = 0;
  private matcher: Matcher | null = null;
  private following = true;
  /** The page's last line is the file's (the live stream adds below it); false after the newest lines were trimmed, or in a permalink's context. */
  private live = true;
  private waiting = 0;
  private trimmed = 0;
  private notices = 0;
  /** Every line the page received (the status bar's "received"). */
  received = 0;

  constructor(
    private readonly box: HTMLElement,
    private readonly trimmedNote: HTMLElement,
    private readonly maxLines: number,
    private readonly hooks: ViewHooks,
    private readonly opts: LogViewOptions,
  ) {
    box.addEventListener('scroll', () => this.onScroll(), { passive: true });
  }

  get isFollowing(): boolean {
    return this.following;
  }

  get isLive(): boolean {
    return this.live;
  }

  /** The page's end stops (false) or starts again (true) being the file's end; never follows by itself. */
  setLive(live: boolean): void {
    this.live = live;
    this.following = false;
    this.waiting = 0;
    this.hooks.followChanged(false, 0, live);
  }

  addLine(id: string, text: string): boolean {
    const entry = lineEntry(id, text);
    if (!this.store.append(entry)) return false;
    this.received++;
    this.pending.push(entry);
    this.schedule();
    return true;
  }

  addNotice(text: string): void {
    const entry: Entry = {
      key: `notice-${++this.notices}`,
      kind: 'notice',
      text,
      plain: text,
      el: null,
      raw: false,
      gone: false,
    };
    this.store.append(entry);
    this.pending.push(entry);
    this.schedule();
  }

  /**
   * Puts older lines above the first one, rendered at once, the line the reader looks at kept
   * where it is on screen; trims the newest lines past `maxLines` (the page then is no longer
   * live). Returns how many lines were added.
   */
  prepend(lines: readonly FetchedLine[]): number {
    const fresh = this.store.prepend(lines.map((l) => lineEntry(l.id, l.text)));
    if (fresh.length === 0) return 0;
    this.received += fresh.length;
    const cut = this.store.trimNewest(this.maxLines);
    const anchor = this.firstInView();
    const anchorTop = anchor?.getBoundingClientRect().top ?? 0;
    for (const e of cut) e.el?.remove();
    if (cut.length > 0) this.pending = this.pending.filter((e) => !e.gone);
    const frag = document.createDocumentFragment();
    for (const e of fresh) frag.appendChild(this.render(e));
    this.trimmedNote.after(frag);
    // Its count no longer says what is missing above: the control over it loads them.
    this.trimmedNote.hidden = true;
    // A reader at the live end stays there; one reading above keeps their line where it was.
    if (this.following) this.stick();
    else if (anchor !== null) this.box.scrollTop += anchor.getBoundingClientRect().top - anchorTop;
    if (cut.length > 0 && this.live) this.setLive(false);
    this.hooks.changed();
    return fresh.length;
  }

  /** Takes every line off the page (before the tail is loaded afresh). */
  reset(): void {
    for (const e of this.store) e.el?.remove();
    this.store.clear();
    this.pending = [];
    this.received = 0;
    this.trimmed = 0;
    this.trimmedNote.hidden = true;
    this.live = true;
    this.following = true;
    this.waiting = 0;
    this.hooks.followChanged(true, 0, true);
    this.hooks.changed();
  }

  /** Applies a filter to every line on the page and to those still to come. */
  setMatcher(matcher: Matcher | null): void {
    this.matcher = matcher;
    for (const e of this.store) {
      if (e.el === null) continue;
      this.show(e);
    }
    this.stick();
  }

  /** Re-renders one line (its raw form toggled). */
  refresh(entry: Entry): void {
    if (entry.el !== null) fillLine(entry.el, entry, this.matcher, this.linkFor(entry));
  }

  visible(entry: Entry): boolean {
    return entry.kind === 'notice' || this.matcher === null || this.matcher.shows(entry.plain);
  }

  toBottom(): void {
    if (!this.live) {
      this.box.scrollTop = this.box.scrollHeight;
      return;
    }
    this.following = true;
    this.waiting = 0;
    this.box.scrollTop = this.box.scrollHeight;
    this.hooks.followChanged(true, 0, true);
  }

  toTop(): void {
    this.box.scrollTop = 0;
    this.onScroll();
  }

  /** The entry a line element belongs to. */
  entryOf(el: Element): Entry | undefined {
    const id = el.closest<HTMLElement>('.l')?.dataset.id;
    return id === undefined ? undefined : this.store.get(id);
  }

  private show(e: Entry): void {
    const el = e.el;
    if (el === null) return;
    const shown = this.visible(e);
    el.hidden = !shown;
    // Only shown lines carry marks; hidden ones are refilled when the filter shows them again.
    if (shown && (this.matcher !== null || el.querySelector('mark') !== null))
      fillLine(el, e, this.matcher, this.linkFor(e));
  }

  private linkFor(e: Entry): string | null {
    return e.kind === 'line' && this.opts.linkOf !== null ? this.opts.linkOf(e.key) : null;
  }

  private render(e: Entry): HTMLElement {
    const el = createLineElement(e, this.matcher, this.linkFor(e));
    e.el = el;
    el.hidden = !this.visible(e);
    return el;
  }

  /** The first line element the reader can see: what must stay in place while lines go in above it. */
  private firstInView(): HTMLElement | null {
    const top = this.box.getBoundingClientRect().top;
    for (const e of this.store) {
      if (e.el === null || e.el.hidden || !e.el.isConnected) continue;
      if (e.el.getBoundingClientRect().bottom > top) return e.el;
    }
    return null;
  }

  private schedule(): void {
    if (this.frame === 0) this.frame = requestAnimationFrame(() => this.flush());
  }

  private flush(): void {
    this.frame = 0;
    const left = this.store.trimOldest(this.maxLines);
    // Read before the removal: how far what the reader is looking at will move up.
    let removedHeight = 0;
    if (!this.following) for (const e of left) if (e.el !== null && !e.el.hidden) removedHeight += e.el.offsetHeight;
    for (const e of left) {
      e.el?.remove();
      if (e.kind === 'line') this.trimmed++;
    }
    this.pending = this.pending.filter((e) => !e.gone);
    const batch = this.pending.splice(0, FRAME_BUDGET);
    const frag = document.createDocumentFragment();
    let shownNew = 0;
    for (const e of batch) {
      const el = this.render(e);
      if (!el.hidden && e.kind === 'line') shownNew++;
      frag.appendChild(el);
    }
    this.box.insertBefore(frag, this.opts.end);
    if (left.length > 0) {
      this.trimmedNote.hidden = false;
      this.trimmedNote.textContent = `${this.trimmed.toLocaleString('en')} older lines left the page to keep it fast (they are still in the file)`;
      // Keeps what the reader is looking at in place while lines above it leave.
      if (!this.following && removedHeight > 0) this.box.scrollTop -= removedHeight;
    }
    // Lines loaded below a page that is not live are the reader's own doing, not lines waiting.
    if (!this.following && this.live && shownNew > 0) {
      this.waiting += shownNew;
      this.hooks.followChanged(false, this.waiting, true);
    }
    // The hooks may change the page around the lines (the edges' controls): stick after them.
    this.hooks.changed();
    this.stick();
    if (this.pending.length > 0) this.schedule();
  }

  private stick(): void {
    if (this.following) this.box.scrollTop = this.box.scrollHeight;
  }

  private onScroll(): void {
    const b = this.box;
    // The bottom of a page that is not live is not the file's end: nothing to follow there.
    const atBottom = this.live && b.scrollTop + b.clientHeight >= b.scrollHeight - BOTTOM_SLACK_PX;
    if (atBottom === this.following) return;
    this.following = atBottom;
    if (atBottom) this.waiting = 0;
    this.hooks.followChanged(atBottom, this.waiting, this.live);
  }
}

const lineEntry = (id: string, text: string): Entry => ({
  key: id,
  kind: 'line',
  text,
  plain: plainText(text),
  el: null,
  raw: false,
  gone: false,
});
