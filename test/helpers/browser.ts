// The init script below runs inside Chromium: tsconfig.browser.json checks this file with the DOM types, tsconfig.test.json leaves it out.
import { type Browser, type BrowserContext, type BrowserContextOptions, chromium, type Page } from 'playwright-core';
import { requireDebianPackage } from './debian.js';

/** Debian's headless Chromium, as every browser test launches it (no sandbox as root, no network of its own). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireDebianPackage('chromium', '/usr/bin/chromium'),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}

/** What a checked context adds to every page's window. */
export type CheckedWindow = Window & {
  /** Reports a CSP violation to the test (a binding: it works in every frame, whatever the page logs). */
  __cometTailReport?: (what: string) => Promise<void>;
  /** The last report's delivery: a test that provokes a violation awaits it before reading `problems`. */
  __cometTailReported?: Promise<void>;
  /** Every connection state the viewer's status bar showed, in order. */
  __states?: string[];
};

export interface CheckedContext {
  readonly context: BrowserContext;
  /** CSP violations (from any frame), console errors and uncaught page errors, from every page of the context. */
  readonly problems: string[];
}

/** Playwright's wait for a selector or function, unless a test says otherwise. */
const DEFAULT_TIMEOUT = 30_000;

/**
 * A browser context whose every page reports what went wrong into `problems` (pass an array to
 * collect several contexts' problems into one), and records the viewer's states in `window.__states`.
 */
export async function newCheckedContext(
  browser: Browser,
  options: BrowserContextOptions = {},
  problems: string[] = [],
): Promise<CheckedContext> {
  const context = await browser.newContext({ viewport: { width: 1000, height: 700 }, ...options });
  context.setDefaultTimeout(DEFAULT_TIMEOUT);
  await context.exposeBinding('__cometTailReport', (source, what: string) => {
    problems.push(`securitypolicyviolation in ${source.frame.url()}: ${what}`);
  });
  // Runs in every frame, before the page's own script.
  await context.addInitScript(() => {
    const w = window as CheckedWindow;
    document.addEventListener(
      'securitypolicyviolation',
      (e) => {
        w.__cometTailReported = w.__cometTailReport?.(
          `${e.violatedDirective} blocked=${e.blockedURI} sample=${e.sample}`,
        );
      },
      true,
    );
    w.__states = [];
    new MutationObserver(() => {
      const s = document.getElementById('conn')?.dataset.state;
      if (s !== undefined && w.__states?.at(-1) !== s) w.__states?.push(s);
    }).observe(document, { subtree: true, childList: true, attributes: true, attributeFilter: ['data-state'] });
  });
  // Every page, the first and any a test or a click opens, is watched from its creation.
  context.on('page', (page) => watch(page, problems));
  return { context, problems };
}

function watch(page: Page, problems: string[]): void {
  page.on('console', (m) => {
    const url = m.location().url;
    // The index has no icon of its own: the browser's /favicon.ico guess is a 404, not a page's concern.
    if (url.endsWith('/favicon.ico')) return;
    if (m.type() === 'error' || /content security policy|refused to/i.test(m.text()))
      problems.push(`console ${m.type()}: ${m.text()}${url === '' ? '' : ` (${url})`}`);
  });
  page.on('pageerror', (err) => problems.push(`pageerror: ${err.message}`));
}
