import type { FilterSpec } from './filter.js';

/** The bar under the tools saying what the page is when it is not the plain tail: a search of the whole file, or a permalink. */
export class ModeBar {
  private partial = false;

  constructor(
    private readonly el: HTMLElement,
    /** The plain view of the file: the way back. */
    private readonly plainHref: string,
  ) {}

  /** A search view's header: what is searched for, how many results the page holds, whether the search stopped early. */
  search(spec: FilterSpec, results: number): void {
    const how = [
      spec.regex ? 'regular expression' : null,
      spec.caseSensitive ? 'case-sensitive' : null,
      spec.invert ? 'lines that do not match' : null,
    ].filter((w) => w !== null);
    const head = text('strong', 'Search of the whole file');
    const what = text('span', `for “${spec.text}”${how.length > 0 ? ` (${how.join(', ')})` : ''}:`);
    const count = text(
      'span',
      `${results.toLocaleString('en')} matching line${results === 1 ? '' : 's'} shown, new matches as they come`,
    );
    count.id = 'result-count';
    count.dataset.count = String(results);
    const parts: HTMLElement[] = [head, what, count];
    if (this.partial)
      parts.push(text('span', 'the search stopped at its time limit: older lines were not all searched', 'partial'));
    parts.push(link('back to the whole file', this.plainHref));
    this.show(parts);
  }

  /** The budget stopped a search: said in the header from now on. */
  markPartial(): void {
    this.partial = true;
  }

  /** A permalink's header: the line found (the view stays there), not found, or paged down to the end and following from there. */
  permalink(state: 'found' | 'missing' | 'following'): void {
    const say = {
      found:
        'A link to one line: it is marked, with the lines around it. The page stays here; it does not follow the file.',
      missing: 'A link to one line that could not be shown.',
      following: 'A link to one line; paged down to the end of the file, the page now follows it.',
    }[state];
    this.show([text('strong', 'Permalink'), text('span', say), link('follow the file live', this.plainHref)]);
  }

  /** Its parts, spaced as words (read aloud, copied) as well as by the layout. */
  private show(parts: readonly HTMLElement[]): void {
    this.el.replaceChildren(...parts.flatMap((p, i) => (i === 0 ? [p] : [document.createTextNode(' '), p])));
    this.el.hidden = false;
  }

  clear(): void {
    this.el.hidden = true;
    this.el.replaceChildren();
  }
}

function text(tag: string, content: string, cls = ''): HTMLElement {
  const el = document.createElement(tag);
  el.textContent = content;
  if (cls !== '') el.className = cls;
  return el;
}

function link(content: string, href: string): HTMLAnchorElement {
  const a = document.createElement('a');
  a.href = href;
  a.textContent = content;
  return a;
}
