import Router from '@koa/router';
import type { AppDeps, AppState } from '../http/context.js';

/** `/metrics`: Prometheus text format (behind auth when auth is on, like every URL but the probes). */
export function metricsRoutes(deps: AppDeps): Router<AppState> {
  const router = new Router<AppState>();
  router.get('/metrics', async (ctx) => {
    ctx.set('Cache-Control', 'no-store');
    ctx.type = deps.metrics.registry.contentType;
    ctx.body = await deps.metrics.registry.metrics();
  });
  return router;
}
