import type { Context } from 'koa';
import { badPath } from '../files/errors.js';
import { oneOf, single } from './query.js';
import { DEFAULT_SORT, SORT_KEYS, SORT_ORDERS, type IndexSort } from '../shared/index-order.js';

export type IndexFormat = 'html' | 'json' | 'sse';

export interface IndexQuery {
  readonly format: IndexFormat;
  readonly sort: IndexSort;
  /** The filter box's text ('' for none). */
  readonly q: string;
}

const MAX_FILTER_LENGTH = 1000;

/** `?sort=size&order=desc&q=nginx&format=json`; the format otherwise from Accept (an EventSource asks for text/event-stream). */
export function parseIndexQuery(ctx: Context): IndexQuery {
  const key = oneOf(ctx.query, 'sort', SORT_KEYS) ?? DEFAULT_SORT.key;
  // Sizes and times are most often wanted largest and newest first.
  const order = oneOf(ctx.query, 'order', SORT_ORDERS) ?? (key === 'name' ? 'asc' : 'desc');
  const q = single(ctx.query, 'q') ?? '';
  if (q.length > MAX_FILTER_LENGTH) throw badPath(`q must be at most ${MAX_FILTER_LENGTH} characters`);
  const accepted = ctx.accepts('html', 'json', 'text/event-stream');
  const format =
    oneOf(ctx.query, 'format', ['html', 'json', 'sse'] as const) ??
    (accepted === 'json' ? 'json' : accepted === 'text/event-stream' ? 'sse' : 'html');
  return { format, sort: { key, order }, q };
}
