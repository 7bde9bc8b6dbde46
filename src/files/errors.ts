/**
 * A request for a path that may not be read. `status` and `expose` follow the
 * http-errors convention, so koa answers with the one-line message as it is.
 */
export class PathError extends Error {
  readonly expose = true;
  constructor(
    readonly status: 400 | 404,
    message: string,
  ) {
    super(message);
    this.name = 'PathError';
  }
}

/** The one answer for anything that is missing or may not be read, so existence never leaks. */
export const notFound = (): PathError =>
  new PathError(404, 'Not Found: no such file or directory in the log directory');

export const badPath = (reason: string): PathError => new PathError(400, `Bad Request: ${reason}`);

const NOT_FOUND_CODES = new Set(['ENOENT', 'ENOTDIR', 'ENAMETOOLONG', 'ELOOP', 'EACCES', 'EPERM', 'EISDIR', 'ENXIO']);

/** Maps a filesystem error to the 404 every missing or unreadable path gets; other errors pass on. */
export function fsErrorToPathError(err: unknown): unknown {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code !== undefined && NOT_FOUND_CODES.has(code) ? notFound() : err;
}
