type Theme = 'light' | 'dark';
const KEY = 'comet-tail.theme';

function stored(): Theme | null {
  try {
    const v = localStorage.getItem(KEY);
    return v === 'light' || v === 'dark' ? v : null;
  } catch {
    return null; // storage disabled: follow the system
  }
}

const system = (): Theme => (matchMedia('(prefers-color-scheme: dark)').matches ? 'dark' : 'light');

/** The theme follows prefers-color-scheme until the reader picks one with the button; the pick is remembered. */
export function setUpTheme(button: HTMLButtonElement): void {
  const root = document.documentElement;
  const apply = (theme: Theme | null): void => {
    if (theme === null) delete root.dataset.theme;
    else root.dataset.theme = theme;
    const now = theme ?? system();
    const other = now === 'dark' ? 'light' : 'dark';
    button.textContent = other;
    button.setAttribute('aria-label', `Switch to the ${other} theme`);
    button.title = `Switch to the ${other} theme`;
  };
  apply(stored());
  matchMedia('(prefers-color-scheme: dark)').addEventListener('change', () => apply(stored()));
  button.addEventListener('click', () => {
    const next: Theme = (stored() ?? system()) === 'dark' ? 'light' : 'dark';
    try {
      localStorage.setItem(KEY, next);
    } catch {
      // not remembered, still applied
    }
    apply(next);
  });
}
