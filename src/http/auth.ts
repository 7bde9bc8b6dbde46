import { createHash, timingSafeEqual } from 'node:crypto';
import type { Middleware } from 'koa';
import type { Config } from '../config.js';
import type { AppState } from './context.js';

// Hashing first gives equal-length inputs, so the comparison time says nothing about the secret's length.
const digest = (s: string): Buffer => createHash('sha256').update(s, 'utf8').digest();
const same = (a: string, b: Buffer): boolean => timingSafeEqual(digest(a), b);

/**
 * HTTP Basic auth (AUTH_USER + AUTH_PASSWORD) and/or a bearer token
 * (AUTH_TOKEN) on every URL but the probes. Does nothing when neither is set.
 */
export function authGuard(config: Config): Middleware<AppState> | null {
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

  return async (ctx, next) => {
    if (open.has(ctx.path) || allowed(ctx.get('Authorization'))) return next();
    if (user !== null) ctx.set('WWW-Authenticate', 'Basic realm="comet-tail", charset="UTF-8"');
    else ctx.set('WWW-Authenticate', 'Bearer realm="comet-tail"');
    ctx.status = 401;
    ctx.type = 'text/plain; charset=utf-8';
    ctx.body = 'Unauthorized: credentials required\n';
  };
}
