import { compileFilter, type FilterSpec, type Matcher } from './filter.js';
import { urlWithFilter } from './url-state.js';

export interface FilterBoxElements {
  readonly input: HTMLInputElement;
  readonly regex: HTMLButtonElement;
  readonly caseSensitive: HTMLButtonElement;
  readonly invert: HTMLButtonElement;
  readonly error: HTMLElement;
  /** "search the whole file" with what the box holds. */
  readonly search: HTMLButtonElement;
}

export interface FilterBoxOptions {
  /** What the box starts with (the URL's filter, or a search view's grep). */
  readonly initial: FilterSpec;
  /** Kept in the page's URL as `filter` (a search view's URL is its search: left alone). */
  readonly inUrl: boolean;
  /** Plain Enter searches too (in a search view the box is the search's); else Ctrl/Cmd+Enter. */
  readonly enterSearches: boolean;
  readonly onSearch: (spec: FilterSpec) => void;
}

const pressed = (b: HTMLButtonElement): boolean => b.getAttribute('aria-pressed') === 'true';

/** The filter box and its toggles: compiles what the reader types once per frame, reports a bad expression, keeps it all in the URL. */
export class FilterBox {
  private frame = 0;

  constructor(
    private readonly els: FilterBoxElements,
    private readonly onChange: (matcher: Matcher | null) => void,
    private readonly opts: FilterBoxOptions,
  ) {
    const spec = opts.initial;
    els.input.value = spec.text;
    els.regex.setAttribute('aria-pressed', String(spec.regex));
    els.caseSensitive.setAttribute('aria-pressed', String(spec.caseSensitive));
    els.invert.setAttribute('aria-pressed', String(spec.invert));
    els.input.addEventListener('input', () => this.schedule());
    els.input.addEventListener('keydown', (e) => {
      if (e.key !== 'Enter' || !(opts.enterSearches || e.ctrlKey || e.metaKey)) return;
      e.preventDefault();
      this.search();
    });
    els.search.addEventListener('click', () => this.search());
    for (const b of [els.regex, els.caseSensitive, els.invert]) {
      b.addEventListener('click', () => {
        b.setAttribute('aria-pressed', String(!pressed(b)));
        this.schedule();
      });
    }
    this.apply();
  }

  focus(): void {
    this.els.input.focus();
    this.els.input.select();
  }

  clear(): void {
    this.els.input.value = '';
    this.apply();
  }

  /** Searches the whole file for what the box holds, if it holds a usable filter. */
  search(): void {
    const spec = this.spec();
    if (spec.text === '' || !compileFilter(spec).ok) {
      this.focus();
      return;
    }
    this.opts.onSearch(spec);
  }

  private spec(): FilterSpec {
    const { input, regex, caseSensitive, invert } = this.els;
    return { text: input.value, regex: pressed(regex), caseSensitive: pressed(caseSensitive), invert: pressed(invert) };
  }

  private schedule(): void {
    if (this.frame === 0) {
      this.frame = requestAnimationFrame(() => {
        this.frame = 0;
        this.apply();
      });
    }
  }

  private apply(): void {
    const spec = this.spec();
    const compiled = compileFilter(spec);
    const { input, error } = this.els;
    if (this.opts.inUrl) history.replaceState(history.state, '', urlWithFilter(location.href, spec));
    if (!compiled.ok) {
      // The lines stay as the last valid filter left them; the box says what is wrong.
      input.setAttribute('aria-invalid', 'true');
      error.hidden = false;
      error.textContent = `Invalid regular expression: ${compiled.error}`;
      return;
    }
    input.removeAttribute('aria-invalid');
    error.hidden = true;
    error.textContent = '';
    this.onChange(compiled.matcher);
  }
}
