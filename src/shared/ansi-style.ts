/**
 * The look of the ansi-* classes that src/shared/ansi.ts gives a line's segments,
 * for every page that shows lines (the html stream and the viewer: one palette). Each theme's 16 colours have a contrast of at
 * least 4.5:1 with its page background, so a colour is readable as text on the
 * page and the page colour readable as text on it (a background class).
 * Order matters: inverse, then backgrounds, then foregrounds, so an explicit colour wins.
 */
const LIGHT = {
  black: '#24292f',
  red: '#c4221a',
  green: '#1a7f37',
  yellow: '#875d00',
  blue: '#0a5ad0',
  magenta: '#8e3bb0',
  cyan: '#0b7285',
  white: '#6b7178',
  'bright-black': '#5c636b',
  'bright-red': '#b3261e',
  'bright-green': '#287a30',
  'bright-yellow': '#7a5a00',
  'bright-blue': '#2f5fbd',
  'bright-magenta': '#a2329e',
  'bright-cyan': '#087f8c',
  'bright-white': '#73787e',
} as const;

const DARK: Record<keyof typeof LIGHT, string> = {
  black: '#868e98',
  red: '#f0605a',
  green: '#4fb84f',
  yellow: '#d4a02c',
  blue: '#5b93ee',
  magenta: '#c873d6',
  cyan: '#3bb4c6',
  white: '#c5c8c6',
  'bright-black': '#9aa1aa',
  'bright-red': '#ff7b72',
  'bright-green': '#6fd66f',
  'bright-yellow': '#f4d35e',
  'bright-blue': '#79aaff',
  'bright-magenta': '#e38cf0',
  'bright-cyan': '#6fdcec',
  'bright-white': '#ffffff',
};

const names = Object.keys(LIGHT);
const vars = (palette: Record<keyof typeof LIGHT, string>): string =>
  Object.entries(palette)
    .map(([name, colour]) => `--ansi-${name}:${colour}`)
    .join(';');

export const ANSI_STYLE = [
  `:root{${vars(LIGHT)}}`,
  // Dark by the system's preference unless the viewer's toggle chose light, or by the toggle.
  `@media (prefers-color-scheme:dark){:root:not([data-theme=light]){${vars(DARK)}}}`,
  `:root[data-theme=dark]{${vars(DARK)}}`,
  '.ansi-bold{font-weight:bold}.ansi-dim{opacity:.7}.ansi-italic{font-style:italic}',
  '.ansi-underline{text-decoration:underline}.ansi-strike{text-decoration:line-through}.ansi-underline.ansi-strike{text-decoration:underline line-through}',
  '.ansi-inverse{color:var(--bg);background-color:var(--fg)}',
  names.map((n) => `.ansi-${n}-bg{background-color:var(--ansi-${n});color:var(--bg)}`).join(''),
  names.map((n) => `.ansi-${n}-fg{color:var(--ansi-${n})}`).join(''),
].join('\n');
