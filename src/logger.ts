import pino, { type Logger } from 'pino';
import type { LogLevel } from './config.js';

/** The server's own log: JSON lines on stdout. Secrets are never passed to it; redact is a second guard. */
export function createLogger(level: LogLevel): Logger {
  return pino({
    level,
    base: { service: 'comet-tail' },
    redact: { paths: ['*.authorization', '*.headers.authorization', '*.password', '*.token'], censor: '[redacted]' },
  });
}
