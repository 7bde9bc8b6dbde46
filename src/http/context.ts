import type { Logger } from 'pino';
import type { Config } from '../config.js';
import type { FileGuard } from '../files/guard.js';
import type { TailEngine } from '../tail/engine.js';
import type { Metrics } from './metrics.js';
import type { StreamRegistry } from './stream-registry.js';

/** Limits the contract fixes (no env variable sets them); a test may shorten them. */
export interface AppLimits {
  /** A download whose client takes nothing for this long is closed. */
  readonly downloadIdleMs: number;
}

export const DEFAULT_LIMITS: AppLimits = Object.freeze({ downloadIdleMs: 60_000 });

/** What the routes are wired from: made once at start and passed down. */
export interface AppDeps {
  readonly config: Config;
  readonly limits: AppLimits;
  readonly logger: Logger;
  readonly guard: FileGuard;
  readonly engine: TailEngine;
  readonly streams: StreamRegistry;
  readonly metrics: Metrics;
}

/** Per-request state the middleware share. */
export interface AppState {
  /** Set by a stream so the request log can report what it sent. */
  bytesSent?: () => number;
  /** Set by a stream: why it ended. */
  endReason?: string;
}
