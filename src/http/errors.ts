import type { Middleware } from 'koa';
import type { AppState } from './context.js';

interface HttpishError {
  status?: number;
  expose?: boolean;
  message?: string;
  headers?: Record<string, string>;
}

/**
 * Every error answer is one line of text: the message of an error meant for
 * clients (expose), a generic phrase otherwise. Never a stack or a path.
 */
export function errorAnswers(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) ctx.throw(404, 'Not Found: no such URL');
    } catch (caught) {
      const err = (caught ?? {}) as HttpishError;
      const status = typeof err.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
      if (status >= 500) ctx.app.emit('error', caught, ctx);
      if (ctx.headerSent || !ctx.writable) return;
      // As koa's own ctx.onerror: whatever the route had set (a stream's CSP, an ETag, a Content-Disposition)
      // describes an answer that is not being sent; then only the error's own headers.
      for (const name of ctx.res.getHeaderNames()) ctx.res.removeHeader(name);
      if (err.headers !== undefined) ctx.set(err.headers);
      ctx.set('X-Content-Type-Options', 'nosniff');
      ctx.status = status;
      ctx.type = 'text/plain; charset=utf-8';
      ctx.body = `${err.expose === true && err.message ? firstLine(err.message) : defaultMessage(status)}\n`;
    }
  };
}

const firstLine = (s: string): string => s.split('\n', 1)[0] ?? '';

const defaultMessage = (status: number): string => (status >= 500 ? 'Internal Server Error' : `Error ${status}`);
