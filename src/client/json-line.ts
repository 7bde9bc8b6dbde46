import { normalizeLevel, type Level } from './levels.js';

/** A structured log line (pino, bunyan, winston, zap, logrus shapes) taken apart for reading. */
export interface JsonLine {
  readonly time: string | null;
  readonly level: Level | null;
  /** The level as the line wrote it, upper-cased: `WARN`, `50` becomes `ERROR`. */
  readonly levelText: string | null;
  readonly msg: string | null;
  /** Every other field, in the line's order, values as text. */
  readonly fields: ReadonlyArray<readonly [string, string]>;
}

const TIME_KEYS = ['time', 'ts', 'timestamp', '@timestamp'];
const LEVEL_KEYS = ['level', 'lvl', 'severity'];
const MSG_KEYS = ['msg', 'message'];

/** Epoch numbers in s, ms, µs or ns (zap writes float seconds, pino ms) → ISO time. */
function epochToIso(n: number): string | null {
  const ms = n > 1e17 ? n / 1e6 : n > 1e14 ? n / 1e3 : n > 1e11 ? n : n * 1000;
  const d = new Date(ms);
  return Number.isNaN(d.getTime()) ? null : d.toISOString();
}

const asText = (v: unknown): string => (typeof v === 'string' ? v : (JSON.stringify(v) ?? String(v)));

function firstKey(obj: Record<string, unknown>, keys: readonly string[]): string | null {
  for (const k of keys) if (k in obj) return k;
  return null;
}

/** The line as a JSON log record, or null when it is not a JSON object. */
export function parseJsonLine(text: string): JsonLine | null {
  const t = text.trim();
  if (!t.startsWith('{') || !t.endsWith('}')) return null;
  let parsed: unknown;
  try {
    parsed = JSON.parse(t);
  } catch {
    return null;
  }
  if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed)) return null;
  const obj = parsed as Record<string, unknown>;
  const timeKey = firstKey(obj, TIME_KEYS);
  const levelKey = firstKey(obj, LEVEL_KEYS);
  const msgKey = firstKey(obj, MSG_KEYS);
  const timeValue = timeKey === null ? undefined : obj[timeKey];
  const levelValue = levelKey === null ? undefined : obj[levelKey];
  const level = normalizeLevel(levelValue);
  const levelText =
    levelValue === undefined
      ? null
      : typeof levelValue === 'number' && level !== null
        ? level.toUpperCase()
        : asText(levelValue).toUpperCase();
  const time =
    timeValue === undefined ? null : typeof timeValue === 'number' ? epochToIso(timeValue) : asText(timeValue);
  const used = new Set([timeKey, levelKey, msgKey]);
  return {
    time,
    level,
    levelText,
    msg: msgKey === null ? null : asText(obj[msgKey]),
    fields: Object.entries(obj)
      .filter(([k]) => !used.has(k))
      .map(([k, v]) => [k, asText(v)] as const),
  };
}
