import Router from '@koa/router';
import type { Context } from 'koa';
import type { Config } from '../config.js';
import { badPath, notFound } from '../files/errors.js';
import type { FormatName } from '../format/formatter.js';
import { HTML_STREAM_CSP } from '../format/html.js';
import { createFormatter } from '../format/index.js';
import type { AppDeps, AppState } from '../http/context.js';
import { TooManyStreamsError } from '../http/stream-registry.js';
import { StreamWriter } from '../http/stream-writer.js';
import { EngineClosedError, FileUnavailableError } from '../tail/engine.js';
import { parsePositionToken, type Position } from '../tail/feed.js';
import { GrepSink } from '../tail/grep-sink.js';
import { grepBacklog, prepareSearch } from '../tail/search-run.js';
import { pathParam } from './path-param.js';
import { currentLine, isSearch, parseSearchParams, searchErrorAnswer, searchRequest } from './tail-search.js';

export interface TailParams {
  readonly lines: number;
  readonly format: FormatName;
  readonly follow: boolean;
  readonly wait: boolean;
  readonly from: Position | null;
}

type QueryValue = string | string[] | undefined;

const single = (name: string, raw: QueryValue): string | undefined => {
  if (Array.isArray(raw)) throw badPath(`${name} is given more than once`);
  return raw;
};

export function parseLines(raw: QueryValue, config: Config): number {
  const value = single('lines', raw);
  if (value === undefined) return config.tailLines;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n <= config.maxTailLines)) throw badPath(`lines must be an integer from 0 to ${config.maxTailLines}`);
  return n;
}

function parseFlag(name: string, raw: QueryValue, fallback: boolean): boolean {
  const value = single(name, raw);
  if (value === undefined) return fallback;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw badPath(`${name} must be 0 or 1`);
}

function parseFormat(ctx: Context): FormatName {
  const value = single('format', ctx.query.format);
  if (value === undefined) {
    const best = ctx.accepts('text/plain', 'text/event-stream', 'text/html');
    return best === 'text/event-stream' ? 'sse' : best === 'text/html' ? 'html' : 'text';
  }
  if (value === 'text' || value === 'html' || value === 'sse') return value;
  throw badPath('format must be text, html or sse');
}

function parseFrom(ctx: Context): Position | null {
  const value = single('from', ctx.query.from) ?? (ctx.get('Last-Event-ID') || undefined);
  if (value === undefined) return null;
  const pos = parsePositionToken(value);
  if (pos === null) throw badPath('from must be a line id such as 1234-5678');
  return pos;
}

export function parseTailParams(ctx: Context, config: Config): TailParams {
  return {
    lines: parseLines(ctx.query.lines, config),
    format: parseFormat(ctx),
    follow: parseFlag('follow', ctx.query.follow, true),
    wait: parseFlag('wait', ctx.query.wait, false),
    from: parseFrom(ctx),
  };
}

/** `/tail/<file>`: the backlog, then every line appended, for as long as the client stays. */
export function tailRoutes(deps: AppDeps): Router<AppState> {
  const { config, guard, engine, streams } = deps;
  const router = new Router<AppState>();

  router.get('/tail/{*path}', async (ctx) => {
    const params = parseTailParams(ctx, config);
    const search = parseSearchParams(ctx.query, params.from);
    const rel = pathParam(ctx);
    const file = params.wait && params.follow ? await guard.fileOrAbsent(rel) : await guard.file(rel);
    if (streams.full()) throw new TooManyStreamsError();

    const formatter = createFormatter(params.format, {
      title: file.rel,
      maxLineBytes: config.maxLineBytes,
      current: currentLine(search),
    });
    ctx.status = 200;
    ctx.type = formatter.contentType;
    ctx.vary('Accept');
    ctx.set({ 'Cache-Control': 'no-cache', 'X-Accel-Buffering': 'no', 'X-Content-Type-Options': 'nosniff' });
    if (params.format === 'html') ctx.set('Content-Security-Policy', HTML_STREAM_CSP);
    if (ctx.method === 'HEAD') return;
    // From here on the response is written by hand: see StreamWriter for why.
    ctx.respond = false;
    const writer = new StreamWriter(ctx.res, params.format, formatter, config, deps.metrics);
    streams.add(writer);
    ctx.state.bytesSent = () => writer.bytesSent;
    let unsubscribe: (() => void) | null = null;
    writer.onEnd((reason) => {
      ctx.state.endReason = reason;
      unsubscribe?.();
    });

    try {
      // Searches (grep, before, at, .gz files) end: see src/tail/search-run.ts.
      if (isSearch(search, params.follow, file.rel)) {
        const run = await prepareSearch(file.abs, searchRequest(search, params.lines, params.from, config), (abs) =>
          guard.open(abs),
        );
        writer.begin();
        await run(writer);
        writer.end('eof');
        return;
      }
      if (search.matcher !== null) {
        const grep = grepBacklog(search.matcher, params.lines, config.searchTimeoutMs, config.maxLineBytes);
        unsubscribe = await engine.follow(
          file.abs,
          { ...params, backlog: grep },
          new GrepSink(writer, search.matcher, config.maxLineBytes),
        );
        writer.begin();
        if (writer.closed()) unsubscribe();
        return;
      }
      if (!params.follow) {
        await engine.read(file.abs, params, writer);
        writer.end('eof');
        return;
      }
      unsubscribe = await engine.follow(file.abs, params, writer);
      writer.begin();
      if (writer.closed()) unsubscribe();
    } catch (err) {
      if (!writer.started) {
        // Nothing has gone out yet: a file that vanished since the guard saw it is a plain 404, any other failure (EMFILE) a 5xx.
        writer.discard();
        ctx.respond = true;
        if (err instanceof EngineClosedError)
          ctx.throw(503, 'Service Unavailable: the server is shutting down', {
            expose: true,
            headers: { 'Retry-After': '5' },
          });
        throw err instanceof FileUnavailableError ? notFound() : searchErrorAnswer(err);
      }
      deps.logger.error({ err, path: ctx.path }, 'stream failed');
      writer.end('error');
    }
  });
  return router;
}
