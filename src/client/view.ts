import type { Matcher } from './filter.js';
import { createLineElement, fillLine, plainText } from './render.js';
import { LineStore, type Entry } from './store.js';

export interface ViewHooks {
  /** Lines were added or left (the status bar's count). */
  changed(): void;
  /** Following started or stopped, or the count of lines waiting below changed. */
  followChanged(following: boolean, waiting: number): void;
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
  ) {
    box.addEventListener('scroll', () => this.onScroll(), { passive: true });
  }

  get isFollowing(): boolean {
    return this.following;
  }

  addLine(id: string, text: string): boolean {
    const entry: Entry = { key: id, kind: 'line', text, plain: plainText(text), el: null, raw: false, gone: false };
    if (!this.store.append(entry)) return false;
    this.received++;
    this.pending.push(entry);
    this.schedule();
    return true;
  }

  addNotice(text: string): void {
    const entry: Entry = { key: `notice-${++this.notices}`, kind: 'notice', text, plain: text, el: null, raw: false, gone: false };
    this.store.append(entry);
    this.pending.push(entry);
    this.schedule();
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
    if (entry.el !== null) fillLine(entry.el, entry, this.matcher);
  }

  visible(entry: Entry): boolean {
    return entry.kind === 'notice' || this.matcher === null || this.matcher.shows(entry.plain);
  }

  toBottom(): void {
    this.following = true;
    this.waiting = 0;
    this.box.scrollTop = this.box.scrollHeight;
    this.hooks.followChanged(true, 0);
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
    if (shown && (this.matcher !== null || el.querySelector('mark') !== null)) fillLine(el, e, this.matcher);
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
      e.el = createLineElement(e, this.matcher);
      const shown = this.visible(e);
      e.el.hidden = !shown;
      if (shown && e.kind === 'line') shownNew++;
      frag.appendChild(e.el);
    }
    this.box.appendChild(frag);
    if (left.length > 0) {
      this.trimmedNote.hidden = false;
      this.trimmedNote.textContent = `${this.trimmed.toLocaleString('en')} older lines left the page to keep it fast (they are still in the file)`;
      // Keeps what the reader is looking at in place while lines above it leave.
      if (!this.following && removedHeight > 0) this.box.scrollTop -= removedHeight;
    }
    if (!this.following && shownNew > 0) {
      this.waiting += shownNew;
      this.hooks.followChanged(false, this.waiting);
    }
    this.stick();
    this.hooks.changed();
    if (this.pending.length > 0) this.schedule();
  }

  private stick(): void {
    if (this.following) this.box.scrollTop = this.box.scrollHeight;
  }

  private onScroll(): void {
    const b = this.box;
    const atBottom = b.scrollTop + b.clientHeight >= b.scrollHeight - BOTTOM_SLACK_PX;
    if (atBottom === this.following) return;
    this.following = atBottom;
    if (atBottom) this.waiting = 0;
    this.hooks.followChanged(atBottom, this.waiting);
  }
}
