import type { IncomingMessage, ServerResponse } from 'node:http';
import { parse as parseQuery } from 'node:querystring';
import accepts from 'accepts';
import type { Config } from '../config.js';
import { badPath, notFound } from '../files/errors.js';
import type { FormatName } from '../format/formatter.js';
import { HTML_STREAM_CSP } from '../format/html.js';
import { createFormatter } from '../format/index.js';
import type { AuthCheck } from '../http/auth.js';
import type { AppDeps } from '../http/context.js';
import { AnswerError, errorAnswer, sendErrorAnswer } from '../http/errors.js';
import { logRequest } from '../http/request-log.js';
import { TooManyStreamsError } from '../http/stream-registry.js';
import { StreamWriter } from '../http/stream-writer.js';
import { EngineClosedError, FileUnavailableError } from '../tail/engine.js';
import type { Position } from '../tail/feed.js';
import { GrepSink } from '../tail/grep-sink.js';
import { grepBacklog, prepareSearch } from '../tail/search-run.js';
import { decodePath } from './path-param.js';
import { flag, lineId, oneOf, type Query, single } from './query.js';
import { currentLine, isSearch, parseSearchParams, searchErrorAnswer, searchRequest } from './tail-search.js';

export interface TailParams {
  readonly lines: number;
  readonly format: FormatName;
  readonly follow: boolean;
  readonly wait: boolean;
  readonly from: Position | null;
}

export function parseLines(query: Query, config: Config): number {
  const value = single(query, 'lines');
  if (value === undefined) return config.tailLines;
  const n = /^\d{1,9}$/.test(value) ? Number(value) : NaN;
  if (!(n <= config.maxTailLines)) throw badPath(`lines must be an integer from 0 to ${config.maxTailLines}`);
  return n;
}

function parseFormat(req: IncomingMessage, query: Query): FormatName {
  const format = oneOf(query, 'format', ['text', 'html', 'sse'] as const);
  if (format !== undefined) return format;
  const best = accepts(req).type(['text/plain', 'text/event-stream', 'text/html']);
  return best === 'text/event-stream' ? 'sse' : best === 'text/html' ? 'html' : 'text';
}

function parseFrom(req: IncomingMessage, query: Query): Position | null {
  const header = req.headers['last-event-id'];
  return lineId('from', single(query, 'from') ?? (typeof header === 'string' && header !== '' ? header : undefined));
}

export function parseTailParams(req: IncomingMessage, query: Query, config: Config): TailParams {
  return {
    lines: parseLines(query, config),
    format: parseFormat(req, query),
    follow: flag(query, 'follow', true),
    wait: flag(query, 'wait'),
    from: parseFrom(req, query),
  };
}

/** A route answered outside koa, by plain node:http. */
export interface PlainRoute {
  /** Whether the request is this route's, by its URL alone. */
  matches(req: IncomingMessage): boolean;
  serve(req: IncomingMessage, res: ServerResponse): void;
}

/** What the request log says of one answer. */
interface Outcome {
  bytes: () => number;
  ended: string | undefined;
}

/**
 * `/tail/<file>`: the backlog, then every line appended, for as long as the
 * client stays. Answered by plain node:http rather than koa: a stream is held
 * for hours, and koa's per-request context (with on-finished's listeners)
 * would cost ~4.5 KB more per held stream than the stream itself. Auth, the
 * error answers and the request log are the same functions koa's middleware use.
 */
export function tailRoute(deps: AppDeps, auth: AuthCheck | null): PlainRoute {
  const { config, guard, engine, streams, logger } = deps;
  const prefix = `${config.basePath}/tail/`.toLowerCase();

  async function answer(req: IncomingMessage, res: ServerResponse, path: string, search: string, outcome: Outcome) {
    if (auth !== null && !auth.allows(path, req.headers.authorization)) throw auth.refusal();
    if (req.method === 'OPTIONS') {
      res.writeHead(200, { Allow: 'HEAD, GET', 'Content-Length': '0' }).end();
      return;
    }
    if (req.method !== 'GET' && req.method !== 'HEAD')
      throw new AnswerError(405, 'Method Not Allowed: /tail takes GET and HEAD', { Allow: 'HEAD, GET' });
    const query = parseQuery(search);
    const params = parseTailParams(req, query, config);
    const searchParams = parseSearchParams(query, params.from);
    const rel = decodePath(path.slice(prefix.length));
    const file = params.wait && params.follow ? await guard.fileOrAbsent(rel) : await guard.file(rel);
    if (streams.full()) throw new TooManyStreamsError();

    const formatter = createFormatter(params.format, {
      title: file.rel,
      maxLineBytes: config.maxLineBytes,
      current: currentLine(searchParams),
    });
    res.statusCode = 200;
    res.setHeader('Content-Type', formatter.contentType);
    res.setHeader('Vary', 'Accept');
    res.setHeader('Cache-Control', 'no-cache');
    res.setHeader('X-Accel-Buffering', 'no');
    res.setHeader('X-Content-Type-Options', 'nosniff');
    if (params.format === 'html') res.setHeader('Content-Security-Policy', HTML_STREAM_CSP);
    if (req.method === 'HEAD') {
      res.end();
      return;
    }
    const writer = new StreamWriter(res, params.format, formatter, config, deps.metrics);
    streams.add(writer);
    outcome.bytes = () => writer.bytesSent;
    let unsubscribe: (() => void) | null = null;
    writer.onEnd((reason) => {
      outcome.ended = reason;
      unsubscribe?.();
    });

    try {
      // Searches (grep, before, at, .gz files) end: see src/tail/search-run.ts.
      if (isSearch(searchParams, params.follow, file.rel)) {
        const run = await prepareSearch(
          file.abs,
          searchRequest(searchParams, params.lines, params.from, config),
          (abs) => guard.open(abs),
        );
        writer.begin();
        await run(writer);
        writer.end('eof');
        return;
      }
      if (searchParams.matcher !== null) {
        const grep = grepBacklog(searchParams.matcher, params.lines, config.searchTimeoutMs, config.maxLineBytes);
        unsubscribe = await engine.follow(
          file.abs,
          { ...params, backlog: grep },
          new GrepSink(writer, searchParams.matcher, config.maxLineBytes),
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
        outcome.bytes = () => 0;
        if (err instanceof EngineClosedError)
          throw new AnswerError(503, 'Service Unavailable: the server is shutting down', { 'Retry-After': '5' });
        throw err instanceof FileUnavailableError ? notFound() : searchErrorAnswer(err);
      }
      logger.error({ err, path }, 'stream failed');
      writer.end('error');
    }
  }

  return {
    matches(req) {
      const url = req.url ?? '';
      // Case-insensitive, as koa-router matches every other URL.
      return url.length >= prefix.length && url.slice(0, prefix.length).toLowerCase() === prefix;
    },
    serve(req, res) {
      const started = process.hrtime.bigint();
      const url = req.url ?? '';
      const q = url.indexOf('?');
      const path = q < 0 ? url : url.slice(0, q);
      const outcome: Outcome = { bytes: () => 0, ended: undefined };
      res.once('close', () =>
        logRequest(logger, {
          method: req.method ?? '',
          path,
          status: res.statusCode,
          started,
          bytes: outcome.bytes(),
          ended: outcome.ended,
        }),
      );
      answer(req, res, path, q < 0 ? '' : url.slice(q + 1), outcome).catch((caught: unknown) => {
        const reply = errorAnswer(caught);
        if (reply.status >= 500) logger.error({ err: caught }, 'request failed');
        if (res.headersSent || res.destroyed) return;
        const sent = sendErrorAnswer(res, reply, req.method === 'HEAD');
        outcome.bytes = () => sent;
      });
    },
  };
}
