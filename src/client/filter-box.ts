import { compileFilter, type FilterSpec, type Matcher } from './filter.js';
import { filterFromUrl, urlWithFilter } from './url-state.js';

export interface FilterBoxElements {
  readonly input: HTMLInputElement;
  readonly regex: HTMLButtonElement;
  readonly caseSensitive: HTMLButtonElement;
  readonly invert: HTMLButtonElement;
  readonly error: HTMLElement;
}

const pressed = (b: HTMLButtonElement): boolean => b.getAttribute('aria-pressed') === 'true';

/** The filter box and its toggles: compiles what the reader types once per frame, reports a bad expression, keeps it all in the URL. */
export class FilterBox {
  private frame = 0;

  constructor(
    private readonly els: FilterBoxElements,
    private readonly onChange: (matcher: Matcher | null) => void,
  ) {
    const spec = filterFromUrl(location.search);
    els.input.value = spec.text;
    els.regex.setAttribute('aria-pressed', String(spec.regex));
    els.caseSensitive.setAttribute('aria-pressed', String(spec.caseSensitive));
    els.invert.setAttribute('aria-pressed', String(spec.invert));
    els.input.addEventListener('input', () => this.schedule());
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
    history.replaceState(history.state, '', urlWithFilter(location.href, spec));
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
