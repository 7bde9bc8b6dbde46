// The viewer page's script: reads its settings from #viewer's data- attributes and builds the viewer there.
import { byId, typingIn } from './dom.js';
import { FilterBox } from './filter-box.js';
import { LineActions } from './line-actions.js';
import { StatusBar } from './status.js';
import { LiveStream, type NoticeKind } from './stream.js';
import { setUpTheme } from './theme.js';
import { LogView } from './view.js';

interface ViewerSettings {
  readonly base: string;
  readonly file: string;
  readonly tailLines: number;
  readonly maxLines: number;
  readonly heartbeatMs: number;
}

function settings(root: HTMLElement): ViewerSettings {
  const d = root.dataset;
  const int = (v: string | undefined, fallback: number): number => (v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback);
  return {
    base: d.base ?? '',
    file: d.file ?? '',
    tailLines: int(d.tailLines, 100),
    maxLines: int(d.maxLines, 10_000),
    heartbeatMs: int(d.heartbeatMs, 15_000),
  };
}

const NOTICE_PREFIX: Record<NoticeKind, string> = {
  truncated: 'file truncated',
  rotated: 'file rotated',
  created: 'file created',
  missing: 'lines may be missing',
  partial: 'search stopped early',
};

const offsetOf = (id: string): number | null => {
  const m = /-(\d+)$/.exec(id);
  return m === null ? null : Number(m[1]);
};

function main(): void {
  const root = byId('viewer', HTMLElement);
  const cfg = settings(root);
  root.hidden = false;
  document.body.classList.add('has-viewer');

  const box = byId('lines', HTMLDivElement);
  const jump = byId('jump', HTMLButtonElement);
  const status = new StatusBar(byId('conn', HTMLElement), byId('st-size', HTMLElement), byId('st-count', HTMLElement));
  const headerSize = document.getElementById('size');
  let actions: LineActions | null = null;
  const view: LogView = new LogView(box, byId('trimmed', HTMLDivElement), cfg.maxLines, {
    changed() {
      status.lines(view.store.lines, view.received);
      actions?.prune();
    },
    followChanged(following, waiting) {
      jump.hidden = following;
      jump.textContent = waiting > 0 ? `${waiting.toLocaleString('en')} new ↓` : 'jump to end ↓';
    },
  });
  actions = new LineActions(view, box);
  const filter = new FilterBox(
    {
      input: byId('filter', HTMLInputElement),
      regex: byId('regex', HTMLButtonElement),
      caseSensitive: byId('case', HTMLButtonElement),
      invert: byId('invert', HTMLButtonElement),
      error: byId('filter-error', HTMLElement),
    },
    (m) => view.setMatcher(m),
  );
  setUpTheme(byId('theme', HTMLButtonElement));
  const wrap = byId('wrap', HTMLButtonElement);
  wrap.addEventListener('click', () => {
    const on = wrap.getAttribute('aria-pressed') !== 'true';
    wrap.setAttribute('aria-pressed', String(on));
    box.classList.toggle('nowrap', !on);
  });
  jump.addEventListener('click', () => view.toBottom());

  const stream = new LiveStream(
    {
      tailUrl: `${cfg.base}/tail/${cfg.file.split('/').map(encodeURIComponent).join('/')}`,
      lines: cfg.tailLines,
      heartbeatMs: cfg.heartbeatMs,
      lastId: () => view.store.lastLineId(),
    },
    {
      line(id, text) {
        if (!view.addLine(id, text)) return;
        status.arrived(1);
        const offset = offsetOf(id);
        if (offset !== null) {
          status.bytes(offset);
          if (headerSize !== null) headerSize.hidden = true;
        }
      },
      notice: (kind, text) => view.addNotice(`${NOTICE_PREFIX[kind]}: ${text}`),
      state: (s) => status.state(s),
    },
  );
  stream.start();
  addEventListener('online', () => stream.retryNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') stream.retryNow();
  });

  document.addEventListener('keydown', (e) => {
    if (e.ctrlKey || e.metaKey || e.altKey) return;
    if (e.key === 'Escape') {
      filter.clear();
      actions?.select(null);
      return;
    }
    if (typingIn(e.target)) return;
    const act: Record<string, () => void> = {
      '/': () => filter.focus(),
      Home: () => view.toTop(),
      g: () => view.toTop(),
      End: () => view.toBottom(),
      G: () => view.toBottom(),
      j: () => actions?.move(1),
      k: () => actions?.move(-1),
      r: () => actions?.toggleRaw(),
      c: () => void actions?.copy(),
    };
    const fn = act[e.key];
    if (fn === undefined) return;
    e.preventDefault();
    fn();
  });
}

main();
