import type { ParameterizedContext } from 'koa';
import { badPath } from '../files/errors.js';

/**
 * The `<path>` of a URL as the router decoded it (once). The router leaves a
 * malformed escape such as '%E0%A4%A' as it is, which would name a different
 * file: that is refused here instead.
 */
export function pathParam(ctx: ParameterizedContext & { params: Record<string, string | undefined> }): string {
  decodePath(ctx.path);
  return ctx.params.path ?? '';
}

/** A still percent-encoded path, decoded once; a malformed escape is refused. */
export function decodePath(raw: string): string {
  try {
    return decodeURIComponent(raw);
  } catch {
    throw badPath('malformed percent-encoding in the path');
  }
}
