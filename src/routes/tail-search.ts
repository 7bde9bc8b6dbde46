import type { Config } from '../config.js';
import { badPath, PathError } from '../files/errors.js';
import { compileGrep, GrepError, type LineMatcher } from '../search/matcher.js';
import { positionToken, type Position } from '../tail/feed.js';
import { LineNotFoundError, type SearchRequest } from '../tail/search-run.js';
import { flag, lineId, type Query, single } from './query.js';

/** The search parameters of `/tail` (grep, case, regex, invert, before, at), checked. */
export interface SearchParams {
  readonly matcher: LineMatcher | null;
  readonly before: Position | null;
  readonly at: Position | null;
}

export function parseSearchParams(query: Query, from: Position | null): SearchParams {
  const text = single(query, 'grep') ?? '';
  let matcher: LineMatcher | null = null;
  try {
    // An empty grep keeps every line: the same as none.
    if (text !== '')
      matcher = compileGrep({
        text,
        caseSensitive: flag(query, 'case'),
        regex: flag(query, 'regex'),
        invert: flag(query, 'invert'),
      });
  } catch (err) {
    throw err instanceof GrepError ? badPath(err.message) : err;
  }
  const before = lineId('before', single(query, 'before'));
  const at = lineId('at', single(query, 'at'));
  if (before !== null && at !== null) throw badPath('before and at cannot be combined');
  if (from !== null && (before !== null || at !== null))
    throw badPath(`from cannot be combined with ${before !== null ? 'before' : 'at'}`);
  return { matcher, before, at };
}

/** Whether the stream is a search that ends (before, at, grep without follow, a .gz file) rather than a tail. */
export const isSearch = (search: SearchParams, follow: boolean, rel: string): boolean =>
  search.before !== null || search.at !== null || /\.gz$/i.test(rel) || (!follow && search.matcher !== null);

export function searchRequest(
  search: SearchParams,
  lines: number,
  from: Position | null,
  config: Config,
): SearchRequest {
  return { ...search, lines, from, timeoutMs: config.searchTimeoutMs, maxLineBytes: config.maxLineBytes };
}

/** The id an html stream marks with aria-current. */
export const currentLine = (search: SearchParams): string | null =>
  search.at === null ? null : positionToken(search.at);

/** A line id that leads nowhere is a 404 with its reason. */
export const searchErrorAnswer = (err: unknown): unknown =>
  err instanceof LineNotFoundError ? new PathError(404, `Not Found: no such line (${err.message})`) : err;
