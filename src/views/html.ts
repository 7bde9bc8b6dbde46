import { createHash } from 'node:crypto';
import { htmlEscape } from 'escape-goat';

/** Markup that is already safe; anything else put into `html` is escaped. */
export class SafeHtml {
  constructor(readonly value: string) {}
  toString(): string {
    return this.value;
  }
}

/** Trusted markup written by this program (never anything from a file or a request). */
export const raw = (markup: string): SafeHtml => new SafeHtml(markup);

type Part = SafeHtml | string | number | null | undefined | false | readonly Part[];

function render(part: Part): string {
  if (part === null || part === undefined || part === false) return '';
  if (part instanceof SafeHtml) return part.value;
  if (Array.isArray(part)) return part.map(render).join('');
  return htmlEscape(String(part));
}

/** The escaping tagged template every page is built with: never string replacement into markup. */
export function html(strings: TemplateStringsArray, ...parts: Part[]): SafeHtml {
  let out = strings[0] ?? '';
  parts.forEach((p, i) => {
    out += render(p) + (strings[i + 1] ?? '');
  });
  return new SafeHtml(out);
}

/** Percent-encodes a relative path segment by segment, for use in a URL. */
export const encodePath = (rel: string): string => rel.split('/').map(encodeURIComponent).join('/');

const sha256 = (text: string): string => `'sha256-${createHash('sha256').update(text).digest('base64')}'`;

/** A page's Content-Security-Policy: no script but its own inline ones (by hash) and the given sources (`'self'`: our bundle). */
export function contentSecurityPolicy(
  inlineScripts: readonly string[],
  extra: readonly string[] = [],
  scriptSources: readonly string[] = [],
): string {
  const sources = [...scriptSources, ...inlineScripts.map(sha256)];
  const scripts = sources.length === 0 ? "'none'" : sources.join(' ');
  return [
    "default-src 'none'",
    `script-src ${scripts}`,
    "style-src 'self' 'unsafe-inline'",
    "img-src 'self' data:",
    "connect-src 'self'",
    "base-uri 'none'",
    "form-action 'self'",
    "frame-ancestors 'self'",
    ...extra,
  ].join('; ');
}

/** Shared look of every page. */
export const BASE_STYLE = `
:root{color-scheme:light dark;--fg:#1b1f24;--bg:#fff;--mute:#6a737d;--line:#e5e7eb;--link:#0b62c4}
@media (prefers-color-scheme:dark){:root{--fg:#d6dbe1;--bg:#111418;--mute:#8b949e;--line:#2a2f36;--link:#6cb6ff}}
body{margin:0;font:14px/1.45 system-ui,sans-serif;color:var(--fg);background:var(--bg)}
a{color:var(--link)}
`;

/** The start of every page's head: the same for the index, the viewer and the html stream. */
export const PAGE_HEAD = new SafeHtml(
  '<!doctype html><html lang="en"><head><meta charset="utf-8">' +
    '<meta name="viewport" content="width=device-width,initial-scale=1"><meta name="color-scheme" content="light dark">',
);
