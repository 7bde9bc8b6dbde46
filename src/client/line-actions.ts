import { copyText } from './copy.js';
import { parseJsonLine } from './json-line.js';
import type { Entry } from './store.js';
import type { LogView } from './view.js';

/** The selected line and its small toolbar (raw/pretty, copy, copy link), placed right under it. */
export class LineActions {
  private selected: Entry | null = null;
  private readonly bar = document.createElement('div');
  private readonly rawButton = document.createElement('button');
  private readonly copyButton = document.createElement('button');
  private readonly linkButton = document.createElement('button');

  constructor(
    private readonly view: LogView,
    box: HTMLElement,
    /** The absolute permalink of a line (`/view/<file>?at=<id>`). */
    private readonly permalink: (id: string) => string,
  ) {
    this.bar.className = 'acts';
    this.bar.setAttribute('role', 'toolbar');
    this.bar.setAttribute('aria-label', 'Line actions');
    for (const [b, label] of [
      [this.rawButton, 'raw'],
      [this.copyButton, 'copy'],
      [this.linkButton, 'link'],
    ] as const) {
      b.type = 'button';
      b.textContent = label;
      this.bar.appendChild(b);
    }
    this.rawButton.addEventListener('click', () => this.toggleRaw());
    this.copyButton.addEventListener('click', () => void this.copy());
    this.linkButton.title = 'copy link to this line';
    this.linkButton.setAttribute('aria-label', 'copy link to this line');
    this.linkButton.addEventListener('click', () => void this.copyLink());
    box.addEventListener('click', (e) => {
      if (!(e.target instanceof Element) || this.bar.contains(e.target)) return;
      // A reader selecting text to copy it is not clicking the line.
      if (!(getSelection()?.isCollapsed ?? true)) return;
      const entry = view.entryOf(e.target);
      if (entry !== undefined) this.select(entry);
    });
  }

  select(entry: Entry | null): void {
    this.selected?.el?.classList.remove('sel');
    this.selected = entry;
    if (entry === null || entry.el === null) {
      this.bar.remove();
      return;
    }
    entry.el.classList.add('sel');
    entry.el.after(this.bar);
    this.rawButton.hidden = parseJsonLine(entry.text) === null;
    this.rawButton.textContent = entry.raw ? 'pretty' : 'raw';
    entry.el.scrollIntoView({ block: 'nearest' });
  }

  /** j/k: the next or previous shown line. */
  move(step: 1 | -1): void {
    const shown = [...this.view.store].filter((e) => e.kind === 'line' && e.el !== null && !e.el.hidden);
    if (shown.length === 0) return;
    const at = this.selected === null ? -1 : shown.indexOf(this.selected);
    const next = at < 0 ? (step === 1 ? 0 : shown.length - 1) : Math.min(shown.length - 1, Math.max(0, at + step));
    this.select(shown[next] ?? null);
  }

  toggleRaw(): void {
    const e = this.selected;
    if (e === null || e.gone || parseJsonLine(e.text) === null) return;
    e.raw = !e.raw;
    this.view.refresh(e);
    this.select(e);
  }

  async copy(): Promise<void> {
    const e = this.selected;
    if (e !== null) await copyWithFeedback(this.copyButton, e.text);
  }

  /** l: the selected line's permalink to the clipboard. */
  async copyLink(): Promise<void> {
    const e = this.selected;
    if (e !== null) await copyWithFeedback(this.linkButton, this.permalink(e.key));
  }

  /** The selected line left the page: drop the toolbar with it. */
  prune(): void {
    if (this.selected?.gone === true) this.select(null);
  }
}

/** Copies, and says on the button whether it worked. */
async function copyWithFeedback(button: HTMLButtonElement, text: string): Promise<void> {
  const label = button.dataset.label ?? button.textContent ?? '';
  button.dataset.label = label;
  const ok = await copyText(text);
  button.textContent = ok ? 'copied' : 'copy failed';
  setTimeout(() => (button.textContent = label), 1500);
}
