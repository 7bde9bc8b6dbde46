import type { RequestListener } from 'node:http';
import Router from '@koa/router';
import Koa from 'koa';
import { type AuthCheck, authCheck, authGuard } from './http/auth.js';
import type { AppDeps, AppState } from './http/context.js';
import { errorAnswers } from './http/errors.js';
import { requestLog } from './http/request-log.js';
import { Assets, assetRoutes, PUBLIC_DIR } from './routes/assets.js';
import { downloadRoutes } from './routes/download.js';
import { healthRoutes } from './routes/health.js';
import { metricsRoutes } from './routes/metrics.js';
import { pageRoutes } from './routes/pages.js';
import { tailRoute } from './routes/tail.js';

/**
 * What the server answers every request with: `/tail` streams by plain node:http
 * (see src/routes/tail.ts for why), everything else by the koa app.
 */
export function createHandler(deps: AppDeps): RequestListener {
  const auth = authCheck(deps.config);
  const tail = tailRoute(deps, auth);
  const koa = createApp(deps, auth).callback();
  return (req, res) => {
    if (tail.matches(req)) tail.serve(req, res);
    else void koa(req, res);
  };
}

/** The Koa application, wired from its dependencies; it never listens (main does). */
export function createApp(deps: AppDeps, auth: AuthCheck | null): Koa<AppState> {
  const app = new Koa<AppState>();
  // A client going away mid-answer is normal; everything else reaching here is a server error.
  app.on('error', (err: NodeJS.ErrnoException) => {
    if (err.code === 'ECONNRESET' || err.code === 'EPIPE' || err.code === 'ERR_STREAM_PREMATURE_CLOSE') {
      deps.logger.debug({ err }, 'client went away');
    } else {
      deps.logger.error({ err }, 'request failed');
    }
  });

  const assets = Assets.load(PUBLIC_DIR);
  if (assets.fileName('viewer.js') === null)
    deps.logger.warn(
      { dir: PUBLIC_DIR },
      'no browser bundle (run npm run build): the viewer works without script only',
    );
  const root = new Router<AppState>({ prefix: deps.config.basePath === '' ? undefined : deps.config.basePath });
  for (const routes of [
    healthRoutes(deps),
    metricsRoutes(deps),
    pageRoutes(deps, assets),
    assetRoutes(assets),
    downloadRoutes(deps),
  ]) {
    root.use(routes.routes(), routes.allowedMethods());
  }

  app.use(requestLog(deps.logger));
  app.use(errorAnswers());
  if (auth !== null) app.use(authGuard(auth));
  app.use(root.routes());
  app.use(root.allowedMethods());
  return app;
}
