// The viewer page's script: reads its settings from #viewer's data- attributes and builds the viewer there.
import { fetchBatch } from './batch.js';
import { byId, typingIn } from './dom.js';
import { FilterBox } from './filter-box.js';
import { LineActions } from './line-actions.js';
import { ModeBar } from './mode-bar.js';
import { Pager } from './pager.js';
import { StatusBar } from './status.js';
import { LiveStream, type NoticeKind } from './stream.js';
import { setUpTheme } from './theme.js';
import { encodeFile, filterFromUrl, grepParams, viewHref, viewModeFromUrl, type ViewMode } from './url-state.js';
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
  const int = (v: string | undefined, fallback: number): number =>
    v !== undefined && /^\d+$/.test(v) ? Number(v) : fallback;
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

// Lines per "load older/newer" request: the page's own `lines`, within sensible bounds for the page's size.
const batchSize = (cfg: ViewerSettings): number =>
  Math.max(1, Math.min(Math.max(cfg.tailLines, 50), Math.floor(cfg.maxLines / 2)));

function main(): void {
  const root = byId('viewer', HTMLElement);
  const cfg = settings(root);
  root.hidden = false;
  document.body.classList.add('has-viewer');

  let mode: ViewMode = viewModeFromUrl(location.search);
  const compressed = /\.gz$/i.test(cfg.file);
  const box = byId('lines', HTMLDivElement);
  const jump = byId('jump', HTMLButtonElement);
  const banner = byId('banner', HTMLElement);
  const status = new StatusBar(
    byId('conn', HTMLElement),
    byId('st-size', HTMLElement),
    byId('st-count', HTMLElement),
    compressed ? 'complete (compressed file): every line shown, nothing more will come' : 'complete: every line shown',
  );
  const modeBar = new ModeBar(byId('mode', HTMLElement), viewHref(location.href, cfg.base, cfg.file));
  const headerSize = document.getElementById('size');
  const tailBase = `${cfg.base}/tail/${encodeFile(cfg.file)}`;
  const permalink = (id: string): string => viewHref(location.href, cfg.base, cfg.file, { at: id });
  let actions: LineActions | null = null;
  let pager: Pager | null = null;
  let stream: LiveStream | null = null;
  const view: LogView = new LogView(
    box,
    byId('trimmed', HTMLDivElement),
    cfg.maxLines,
    {
      changed() {
        status.lines(view.store.lines, view.received);
        if (mode.kind === 'search') modeBar.search(mode.spec, view.store.lines);
        actions?.prune();
        pager?.update();
      },
      followChanged(following, waiting, live) {
        jump.hidden = following;
        jump.textContent = !live
          ? 'jump to the live end ↓'
          : waiting > 0
            ? `${waiting.toLocaleString('en')} new ↓`
            : 'jump to end ↓';
        // The end of a page that is not live is not the file's: the stream stops until the reader goes back to it.
        if (!live && stream !== null) {
          stopStream();
          status.still('paused on older lines: newer lines are not shown (jump to the live end)');
        }
        pager?.update();
      },
    },
    // In a search view each result links to its place in the file.
    { end: byId('newer', HTMLParagraphElement), linkOf: mode.kind === 'search' ? permalink : null },
  );
  actions = new LineActions(view, box, permalink);
  const filter = new FilterBox(
    {
      input: byId('filter', HTMLInputElement),
      regex: byId('regex', HTMLButtonElement),
      caseSensitive: byId('case', HTMLButtonElement),
      invert: byId('invert', HTMLButtonElement),
      error: byId('filter-error', HTMLElement),
      search: byId('search', HTMLButtonElement),
    },
    (m) => view.setMatcher(m),
    {
      initial: mode.kind === 'search' ? mode.spec : filterFromUrl(location.search),
      inUrl: mode.kind !== 'search',
      enterSearches: mode.kind === 'search',
      onSearch: (spec) =>
        location.assign(viewHref(location.href, cfg.base, cfg.file, grepParams({ kind: 'search', spec }))),
    },
  );
  const showProblem = (message: string): void => {
    banner.hidden = false;
    banner.textContent = message;
  };
  pager = new Pager(
    view,
    {
      older: byId('older', HTMLParagraphElement),
      olderButton: byId('older-button', HTMLButtonElement),
      olderText: byId('older-start', HTMLElement),
      newer: byId('newer', HTMLParagraphElement),
      newerButton: byId('newer-button', HTMLButtonElement),
    },
    {
      tailUrl: (params) =>
        `${tailBase}?${new URLSearchParams({ format: 'sse', follow: '0', ...grepParams(mode), ...params })}`,
      batch: batchSize(cfg),
      reachedEnd: () => {
        // The reader paged down to the file's end: follow from the last line shown, no gap, no jump.
        view.setLive(true);
        if (mode.kind === 'at') modeBar.permalink('following');
        startStream();
      },
      failed: (why) => showProblem(`Could not load more lines: ${why}`),
      partial: () => {
        modeBar.markPartial();
        if (mode.kind === 'search') modeBar.search(mode.spec, view.store.lines);
      },
    },
  );
  setUpTheme(byId('theme', HTMLButtonElement));
  const wrap = byId('wrap', HTMLButtonElement);
  wrap.addEventListener('click', () => {
    const on = wrap.getAttribute('aria-pressed') !== 'true';
    wrap.setAttribute('aria-pressed', String(on));
    box.classList.toggle('nowrap', !on);
  });

  function stopStream(): void {
    stream?.stop();
    stream = null;
  }
  /** Follows the file (or the search) from the last line the page holds, or its tail when it holds none. */
  function startStream(): void {
    stopStream();
    stream = new LiveStream(
      {
        tailUrl: tailBase,
        lines: cfg.tailLines,
        params: grepParams(mode),
        heartbeatMs: cfg.heartbeatMs,
        lastId: () => view.store.lastLineId(),
      },
      {
        line(id, text) {
          // A page whose newest lines were trimmed takes none below them: that would leave a gap.
          if (!view.isLive || !view.addLine(id, text)) return;
          status.arrived(1);
          const offset = offsetOf(id);
          // A search's lines are not the file's end: its size is not theirs to say.
          if (offset !== null && mode.kind === 'live') {
            status.bytes(offset);
            if (headerSize !== null) headerSize.hidden = true;
          }
        },
        notice: (kind, text) => {
          if (kind === 'partial') modeBar.markPartial();
          view.addNotice(`${NOTICE_PREFIX[kind]}: ${text}`);
        },
        state: (s) => status.state(s),
      },
    );
    stream.start();
  }
  /** Back to the live end: the tail loaded afresh (a permalink's URL becomes the plain view's). */
  function goLive(): void {
    if (view.isLive) {
      view.toBottom();
      return;
    }
    stopStream();
    if (mode.kind === 'at') {
      mode = { kind: 'live' };
      modeBar.clear();
      const url = new URL(location.href);
      url.searchParams.delete('at');
      history.pushState(null, '', url);
    }
    view.reset();
    startStream();
  }
  /** A permalink: the line with the lines around it, marked and in view; the page stays there (it does not follow) until the reader asks. */
  async function openAt(id: string): Promise<void> {
    view.setLive(false);
    status.state({ kind: 'connecting' });
    const got = await fetchBatch(
      `${tailBase}?${new URLSearchParams({ format: 'sse', follow: '0', at: id, lines: String(batchSize(cfg)) })}`,
    );
    if (!got.ok) {
      status.state({ kind: 'ended', why: got.why });
      modeBar.permalink('missing');
      showProblem(
        got.status === 404
          ? `This line is not in the file any more (it may have been rotated away or truncated): ${got.why}`
          : `Could not open this line: ${got.why}`,
      );
      return;
    }
    view.prepend(got.lines);
    const line = view.store.get(id)?.el ?? null;
    modeBar.permalink(line === null ? 'missing' : 'found');
    status.still('not following: a permalink (jump to the live end to follow)');
    if (got.partial) view.addNotice(`${NOTICE_PREFIX.partial}: the lines around it were not all read`);
    if (line === null) {
      showProblem('The lines around this place are shown, but no line ends exactly there.');
      return;
    }
    line.setAttribute('aria-current', 'true');
    line.scrollIntoView({ block: 'center' });
    pager?.update();
  }

  jump.addEventListener('click', () => goLive());
  if (mode.kind === 'at') void openAt(mode.id);
  else startStream();
  if (mode.kind === 'search') modeBar.search(mode.spec, 0);
  addEventListener('online', () => stream?.retryNow());
  document.addEventListener('visibilitychange', () => {
    if (document.visibilityState === 'visible') stream?.retryNow();
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
      End: () => goLive(),
      G: () => goLive(),
      j: () => actions?.move(1),
      k: () => actions?.move(-1),
      r: () => actions?.toggleRaw(),
      c: () => void actions?.copy(),
      l: () => void actions?.copyLink(),
    };
    const fn = act[e.key];
    if (fn === undefined) return;
    e.preventDefault();
    fn();
  });
}

main();
