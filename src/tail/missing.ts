import { fsErrorToPathError, PathError } from '../files/errors.js';

/**
 * Whether a failure means "the file is not there, or may not be read": the
 * guard's 404, or a raw filesystem error it would map to one. Anything else
 * (EMFILE, EIO) is a failure of the server and must be reported, not taken for absence.
 */
export function isMissing(err: unknown): boolean {
  const mapped = fsErrorToPathError(err);
  return mapped instanceof PathError && mapped.status === 404;
}

/** `promise`'s value, or null when it failed because the file is missing; every other failure passes on. */
export const orMissing = <T>(promise: Promise<T>): Promise<T | null> =>
  promise.catch((err: unknown) => {
    if (isMissing(err)) return null;
    throw err;
  });
