import type { Middleware } from 'koa';
import type { Logger } from 'pino';
import type { AppState } from './context.js';

/**
 * One line per request, written when the response is over (for a stream,
 * when it ends). Only method, path, status, duration and bytes: never
 * headers, so no Authorization or token reaches the log.
 */
export function requestLog(logger: Logger): Middleware<AppState> {
  return async (ctx, next) => {
    const started = process.hrtime.bigint();
    ctx.res.once('close', () => {
      const ms = Number(process.hrtime.bigint() - started) / 1e6;
      const bytes = ctx.state.bytesSent?.() ?? ctx.response.length ?? 0;
      const entry = { method: ctx.method, path: ctx.path, status: ctx.status, ms: Math.round(ms * 10) / 10, bytes };
      logger.info(ctx.state.endReason === undefined ? entry : { ...entry, ended: ctx.state.endReason }, 'request');
    });
    await next();
  };
}
