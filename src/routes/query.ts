import { badPath } from '../files/errors.js';
import { parsePositionToken, type Position } from '../tail/feed.js';

/** A parsed query string, as node's querystring and koa give it. */
export type Query = Readonly<Record<string, string | string[] | undefined>>;

/** A parameter given at most once (twice is a 400, not a guess at which one was meant). */
export function single(query: Query, name: string): string | undefined {
  const raw = query[name];
  if (Array.isArray(raw)) throw badPath(`${name} is given more than once`);
  return raw;
}

/** A 0/1 (or false/true) parameter; `fallback` when it is not given. */
export function flag(query: Query, name: string, fallback = false): boolean {
  const value = single(query, name);
  if (value === undefined) return fallback;
  if (value === '1' || value === 'true') return true;
  if (value === '0' || value === 'false') return false;
  throw badPath(`${name} must be 0 or 1`);
}

/** One of a fixed set of words, or undefined when not given. */
export function oneOf<T extends string>(query: Query, name: string, allowed: readonly T[]): T | undefined {
  const value = single(query, name);
  if (value === undefined) return undefined;
  const found = allowed.find((a) => a === value);
  if (found === undefined)
    throw badPath(`${name} must be ${allowed.slice(0, -1).join(', ')} or ${allowed.at(-1) ?? ''}`);
  return found;
}

/** A line id (`value`: the parameter's, or one from elsewhere, such as a header), as a place in a file. */
export function lineId(name: string, value: string | undefined): Position | null {
  if (value === undefined) return null;
  const pos = parsePositionToken(value);
  if (pos === null) throw badPath(`${name} must be a line id such as 1234-5678`);
  return pos;
}
