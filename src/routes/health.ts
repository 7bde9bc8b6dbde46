import Router from '@koa/router';
import { access, constants, readdir } from 'node:fs/promises';
import type { AppDeps, AppState } from '../http/context.js';

/** Liveness (`/healthz`) and readiness (`/readyz`): the probes of Docker and Kubernetes. */
export function healthRoutes(deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/healthz', (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.body = { status: 'ok' };
  });
  router.get('/readyz', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    try {
      await access(deps.config.logDir, constants.R_OK | constants.X_OK);
      await readdir(deps.config.logDir);
      ctx.body = { status: 'ready' };
    } catch (err) {
      ctx.status = 503;
      ctx.body = {
        status: 'unavailable',
        reason: `the log directory cannot be read (${(err as NodeJS.ErrnoException).code ?? 'error'})`,
      };
    }
  });
  return router;
}
