import { readFileSync, realpathSync, statSync } from 'node:fs';
import { parse as parseDotenv } from 'dotenv';

/** Everything the process may be configured with, validated once at start. */
export interface Config {
  readonly port: number;
  readonly host: string;
  /** Real path (symlinks resolved) of the only directory served. */
  readonly logDir: string;
  /** '' or a prefix such as '/logs', without a trailing slash. */
  readonly basePath: string;
  readonly tailLines: number;
  readonly maxTailLines: number;
  readonly auth: { readonly user: string; readonly password: string } | null;
  readonly authToken: string | null;
  readonly showHidden: boolean;
  readonly polling: boolean;
  readonly pollIntervalMs: number;
  readonly maxStreams: number;
  readonly maxLineBytes: number;
  readonly clientBufferBytes: number;
  readonly heartbeatMs: number;
  /** Lines the browser viewer keeps on its page. */
  readonly viewerMaxLines: number;
  readonly logLevel: LogLevel;
  /** The longest one backlog search (grep, before, at, a .gz file) may scan. */
  readonly searchTimeoutMs: number;
}

export const LOG_LEVELS = ['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent'] as const;
export type LogLevel = (typeof LOG_LEVELS)[number];

type Env = Readonly<Record<string, string | undefined>>;

/** A value that does not parse; its message is the one line printed at start. */
export class ConfigError extends Error {
  constructor(variable: string, value: string, expected: string) {
    super(`${variable}=${JSON.stringify(value)} is invalid: ${expected}`);
    this.name = 'ConfigError';
  }
}

const DEFAULTS_URL = new URL('../config/defaults.json', import.meta.url);

export function readDefaults(): Record<string, string> {
  return JSON.parse(readFileSync(DEFAULTS_URL, 'utf8')) as Record<string, string>;
}

/** Reads `.env` from `cwd` if present; variables in `env` win over it. */
export function loadConfig(env: Env, cwd: string = process.cwd()): Config {
  let fromFile: Record<string, string> = {};
  try {
    fromFile = parseDotenv(readFileSync(`${cwd}/.env`));
  } catch (err) {
    if ((err as NodeJS.ErrnoException).code !== 'ENOENT') throw err;
  }
  return parseConfig({ ...readDefaults(), ...fromFile, ...definedOnly(env) });
}

function definedOnly(env: Env): Record<string, string> {
  const out: Record<string, string> = {};
  for (const [k, v] of Object.entries(env)) if (v !== undefined) out[k] = v;
  return out;
}

export function parseConfig(vars: Env): Config {
  const get = (name: string): string => (vars[name] ?? '').trim();
  const user = get('AUTH_USER');
  // Secrets are taken as they are: a space at either end is part of the password, never trimmed away.
  const password = vars.AUTH_PASSWORD ?? '';
  const authToken = bearerToken(vars, 'AUTH_TOKEN');
  if ((user === '') !== (password === '')) {
    const [name, value] = user === '' ? ['AUTH_USER', user] : ['AUTH_PASSWORD', password];
    // Half of a credential pair would silently leave the server open.
    throw new ConfigError(name, value, 'AUTH_USER and AUTH_PASSWORD must be set together');
  }
  const tailLines = integer(vars, 'TAIL_LINES', 0, 1_000_000);
  const maxTailLines = integer(vars, 'MAX_TAIL_LINES', 1, 1_000_000);
  if (tailLines > maxTailLines) {
    throw new ConfigError('TAIL_LINES', get('TAIL_LINES'), `must not exceed MAX_TAIL_LINES (${maxTailLines})`);
  }
  const logLevel = get('LOG_LEVEL').toLowerCase();
  if (!(LOG_LEVELS as readonly string[]).includes(logLevel)) {
    throw new ConfigError('LOG_LEVEL', get('LOG_LEVEL'), `must be one of ${LOG_LEVELS.join(', ')}`);
  }
  return Object.freeze({
    port: integer(vars, 'PORT', 0, 65535),
    host: nonEmpty(vars, 'HOST'),
    logDir: directory(vars, 'LOG_DIR'),
    basePath: basePath(vars, 'BASE_PATH'),
    tailLines,
    maxTailLines,
    auth: user === '' ? null : Object.freeze({ user, password }),
    authToken,
    showHidden: boolean(vars, 'SHOW_HIDDEN'),
    polling: boolean(vars, 'POLLING'),
    pollIntervalMs: integer(vars, 'POLL_INTERVAL_MS', 10, 3_600_000),
    maxStreams: integer(vars, 'MAX_STREAMS', 1, 10_000_000),
    maxLineBytes: integer(vars, 'MAX_LINE_BYTES', 256, 64 * 1024 * 1024),
    clientBufferBytes: integer(vars, 'CLIENT_BUFFER_BYTES', 4096, 1024 * 1024 * 1024),
    heartbeatMs: integer(vars, 'HEARTBEAT_MS', 100, 3_600_000),
    viewerMaxLines: integer(vars, 'VIEWER_MAX_LINES', 100, 1_000_000),
    logLevel: logLevel as LogLevel,
    searchTimeoutMs: integer(vars, 'SEARCH_TIMEOUT_MS', 1, 3_600_000),
  });
}

function integer(vars: Env, name: string, min: number, max: number): number {
  const raw = (vars[name] ?? '').trim();
  const n = /^\d+$/.test(raw) ? Number(raw) : NaN;
  if (!Number.isSafeInteger(n) || n < min || n > max) {
    throw new ConfigError(name, raw, `must be an integer from ${min} to ${max}`);
  }
  return n;
}

/**
 * Not trimmed either; but a token with whitespace at an end could never be sent
 * (HTTP drops it around a header value and between `Bearer` and the token), so it is refused.
 */
function bearerToken(vars: Env, name: string): string | null {
  const raw = vars[name] ?? '';
  if (raw === '') return null;
  if (raw.trim() !== raw)
    throw new ConfigError(
      name,
      raw,
      'must not begin or end with whitespace (it could not be sent in an Authorization header)',
    );
  return raw;
}

function boolean(vars: Env, name: string): boolean {
  const raw = (vars[name] ?? '').trim().toLowerCase();
  if (['true', '1', 'yes', 'on'].includes(raw)) return true;
  if (['false', '0', 'no', 'off', ''].includes(raw)) return false;
  throw new ConfigError(name, raw, 'must be true or false');
}

function nonEmpty(vars: Env, name: string): string {
  const raw = (vars[name] ?? '').trim();
  if (raw === '') throw new ConfigError(name, raw, 'must not be empty');
  return raw;
}

function directory(vars: Env, name: string): string {
  const raw = (vars[name] ?? '').trim();
  if (!raw.startsWith('/')) throw new ConfigError(name, raw, 'must be an absolute path');
  try {
    const real = realpathSync(raw);
    if (!statSync(real).isDirectory()) throw new ConfigError(name, raw, 'is not a directory');
    return real;
  } catch (err) {
    if (err instanceof ConfigError) throw err;
    throw new ConfigError(name, raw, `cannot be opened (${(err as NodeJS.ErrnoException).code ?? 'error'})`);
  }
}

function basePath(vars: Env, name: string): string {
  const raw = (vars[name] ?? '').trim();
  const trimmed = raw.replace(/\/+$/, '');
  if (trimmed === '') return '';
  if (!/^(\/[A-Za-z0-9._~-]+)+$/.test(trimmed) || trimmed.split('/').some((s) => s === '.' || s === '..')) {
    throw new ConfigError(name, raw, "must be a URL path such as '/logs'");
  }
  return trimmed;
}
