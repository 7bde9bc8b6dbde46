export const LEVELS = ['trace', 'debug', 'info', 'warn', 'error', 'fatal'] as const;
export type Level = (typeof LEVELS)[number];

const WORDS: Readonly<Record<string, Level>> = {
  trace: 'trace',
  verbose: 'trace',
  debug: 'debug',
  dbg: 'debug',
  info: 'info',
  information: 'info',
  notice: 'info',
  warn: 'warn',
  warning: 'warn',
  error: 'error',
  err: 'error',
  dpanic: 'error',
  fatal: 'fatal',
  panic: 'fatal',
  crit: 'fatal',
  critical: 'fatal',
  alert: 'fatal',
  emerg: 'fatal',
  emergency: 'fatal',
};

/** A level field's value (pino's and bunyan's numbers 10–60, or a word in any case) → its level. */
export function normalizeLevel(value: unknown): Level | null {
  if (typeof value === 'number') {
    if (value >= 60) return 'fatal';
    if (value >= 50) return 'error';
    if (value >= 40) return 'warn';
    if (value >= 30) return 'info';
    if (value >= 20) return 'debug';
    return value >= 10 ? 'trace' : null;
  }
  return typeof value === 'string' ? (WORDS[value.trim().toLowerCase()] ?? null) : null;
}

// An upper-case level word, a bracketed one (`[error]`, nginx), or logfmt's `level=warn`.
const PLAIN =
  /\b(FATAL|PANIC|CRIT(?:ICAL)?|ERROR|ERR|WARN(?:ING)?|INFO|DEBUG|TRACE)\b|\[(fatal|crit|error|warn|warning|info|notice|debug|trace)\]|\blevel=(\w+)/;

export interface LevelWord {
  readonly level: Level;
  /** Where the word is in the line's text. */
  readonly start: number;
  readonly end: number;
}

/** The first level word of a plain line, if any. */
export function plainLevel(text: string): LevelWord | null {
  const m = PLAIN.exec(text.length > 300 ? text.slice(0, 300) : text);
  if (m === null) return null;
  const word = m[1] ?? m[2] ?? m[3] ?? '';
  const level = normalizeLevel(word);
  return level === null ? null : { level, start: m.index, end: m.index + m[0].length };
}
