import type { ServerResponse } from 'node:http';
import type { Middleware } from 'koa';
import type { AppState } from './context.js';

interface HttpishError {
  status?: number;
  expose?: boolean;
  message?: string;
  headers?: Record<string, string>;
}

/** An answer meant for the client: its status, its one-line message and its own headers (http-errors' shape, so koa's middleware and the stream route answer it as it is). */
export class AnswerError extends Error {
  readonly expose = true;
  constructor(
    readonly status: number,
    message: string,
    readonly headers: Readonly<Record<string, string>> = {},
  ) {
    super(message);
    this.name = 'AnswerError';
  }
}

/** A one-line error answer, whoever sends it (koa's middleware or the stream route). */
export interface ErrorAnswer {
  readonly status: number;
  /** The error's own headers (Retry-After, WWW-Authenticate); nothing the route had set. */
  readonly headers: Readonly<Record<string, string>>;
  readonly body: string;
}

/**
 * Every error answer is one line of text: the message of an error meant for
 * clients (expose), a generic phrase otherwise. Never a stack or a path.
 */
export function errorAnswer(caught: unknown): ErrorAnswer {
  const err = (caught ?? {}) as HttpishError;
  const status = typeof err.status === 'number' && err.status >= 400 && err.status < 600 ? err.status : 500;
  return {
    status,
    headers: { ...err.headers, 'X-Content-Type-Options': 'nosniff', 'Content-Type': 'text/plain; charset=utf-8' },
    body: `${err.expose === true && err.message ? firstLine(err.message) : defaultMessage(status)}\n`,
  };
}

export function errorAnswers(): Middleware<AppState> {
  return async (ctx, next) => {
    try {
      await next();
      if (ctx.status === 404 && ctx.body === undefined) ctx.throw(404, 'Not Found: no such URL');
    } catch (caught) {
      const answer = errorAnswer(caught);
      if (answer.status >= 500) ctx.app.emit('error', caught, ctx);
      if (ctx.headerSent || !ctx.writable) return;
      // As koa's own ctx.onerror: whatever the route had set (a stream's CSP, an ETag, a Content-Disposition)
      // describes an answer that is not being sent; then only the error's own headers.
      for (const name of ctx.res.getHeaderNames()) ctx.res.removeHeader(name);
      ctx.set(answer.headers);
      ctx.status = answer.status;
      ctx.body = answer.body;
    }
  };
}

const firstLine = (s: string): string => s.split('\n', 1)[0] ?? '';

const defaultMessage = (status: number): string => (status >= 500 ? 'Internal Server Error' : `Error ${status}`);

/** Sends an error answer on a response nothing has gone out on yet, outside koa (the stream route); returns the body bytes sent. */
export function sendErrorAnswer(res: ServerResponse, answer: ErrorAnswer, head: boolean): number {
  for (const name of res.getHeaderNames()) res.removeHeader(name);
  const length = Buffer.byteLength(answer.body);
  res.writeHead(answer.status, { ...answer.headers, 'Content-Length': String(length) });
  res.end(head ? undefined : answer.body);
  return head ? 0 : length;
}
