import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { AppState } from './context.js';

/** What one request's log line says. */
export interface RequestRecord {
  readonly method: string;
  readonly path: string;
  readonly status: number;
  /** process.hrtime.bigint() when the request came in. */
  readonly started: bigint;
  readonly bytes: number;
  /** Why a stream ended. */
  readonly ended?: string | undefined;
}

/**
 * One line per request, written when the response is over (for a stream,
 * when it ends). Only method, path, status, duration and bytes: never
 * headers, so no Authorization or token reaches the log.
 */
export function logRequest(logger: Logger, r: RequestRecord): void {
  const ms = Math.round(Number(process.hrtime.bigint() - r.started) / 1e5) / 10;
  const entry = { method: r.method, path: r.path, status: r.status, ms, bytes: r.bytes };
  logger.info(r.ended === undefined ? entry : { ...entry, ended: r.ended }, 'request');
}

/** The request log for every URL koa answers. */
export function requestLog(logger: Logger): Middleware<AppState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    ctx.res.once('close', () =>
      logRequest(logger, {
        method: ctx.method,
        path: ctx.path,
        status: ctx.status,
        started,
        bytes: ctx.state.bytesSent?.() ?? ctx.response.length ?? 0,
        ended: ctx.state.endReason,
      }),
    );
    await next();
  };
}
