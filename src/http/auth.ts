import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Config } from '../config.js';
import type { AppState } from './context.js';
import { AnswerError } from './errors.js';

// Hashing first gives equal-length inputs, so the comparison time says nothing about the secret's length.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const same = (a: string, b: Buffer): boolean => timingSafeEqual(digest(a), b);

/** Whether a request may pass: by its path (the probes are open) and its Authorization header. */
export interface AuthCheck {
  allows(path: string, authorization: string | undefined): boolean;
  /** The 401 for one that may not. */
  refusal(): AnswerError;
}

/**
 * HTTP Basic auth (AUTH_USER + AUTH_PASSWORD) and/or a bearer token
 * (AUTH_TOKEN) on every URL but the probes. Null when neither is set.
 */
export function authCheck(config: Config): AuthCheck | null {
  if (config.auth === null && config.authToken === null) return null;
  const user = config.auth === null ? null : digest(config.auth.user);
  const password = config.auth === null ? null : digest(config.auth.password);
  const token = config.authToken === null ? null : digest(config.authToken);
  const open = new Set([`${config.basePath}/healthz`, `${config.basePath}/readyz`]);

  const allowed = (header: string): boolean => {
    const space = header.indexOf(' ');
    const scheme = header.slice(0, space).toLowerCase();
    const value = header.slice(space + 1).trim();
    if (scheme === 'bearer' && token !== null) return same(value, token);
    if (scheme === 'basic' && user !== null && password !== null) {
      const decoded = Buffer.from(value, 'base64').toString('utf8');
      const colon = decoded.indexOf(':');
      if (colon < 0) return false;
      // Both compared, always, so a wrong user and a wrong password take the same time.
      const userOk = same(decoded.slice(0, colon), user);
      const passwordOk = same(decoded.slice(colon + 1), password);
      return userOk && passwordOk;
    }
    return false;
  };

  return {
    allows: (path, authorization) => open.has(path) || allowed(authorization ?? ''),
    refusal: () =>
      new AnswerError(401, 'Unauthorized: credentials required', {
        'WWW-Authenticate': user !== null ? 'Basic realm="comet-tail", charset="UTF-8"' : 'Bearer realm="comet-tail"',
      }),
  };
}

/** The auth check as koa middleware, for every URL koa answers. */
export function authGuard(check: AuthCheck): Middleware<AppState> {
  return async (ctx, next) => {
    if (check.allows(ctx.path, ctx.get('Authorization'))) return next();
    throw check.refusal();
  };
}
