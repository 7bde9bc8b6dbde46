import Router from '@koa/router';
import type { Context } from 'koa';
import { badPath } from '../files/errors.js';
import { listDirectory } from '../files/listing.js';
import type { AppDeps, AppState } from '../http/context.js';
import { arrangeEntries, matchesFilter } from '../shared/index-order.js';
import { INDEX_CSP, indexPage } from '../views/index-page.js';
import { VIEWER_CSP, viewerPage } from '../views/viewer-page.js';
import type { Assets } from './assets.js';
import { parseIndexQuery } from './index-query.js';
import { liveIndex } from './live-index.js';
import { pathParam } from './path-param.js';
import { parseLines } from './tail.js';
import { parseSearchParams } from './tail-search.js';

/** The directory index (`/`, `/browse/<dir>`), the viewer (`/view/<file>`) and the original `/comet-tail?<file>`. */
export function pageRoutes(deps: AppDeps, assets: Assets): Router<AppState> {
  const { config, guard } = deps;
  const router = new Router<AppState>();
  const base = config.basePath;

  // The index: HTML, JSON, or its live stream (sse), each sorted and filtered by the query.
  const index = async (ctx: Context, rel: string): Promise<void> => {
    const dir = await guard.dir(rel);
    const query = parseIndexQuery(ctx);
    ctx.vary('Accept');
    ctx.set('Cache-Control', 'no-cache');
    if (query.format === 'sse') return liveIndex(deps, ctx, dir);
    const now = Date.now();
    const entries = (await listDirectory(guard, dir)).filter((e) => matchesFilter(e.name, query.q));
    if (query.format === 'json') {
      ctx.body = { path: dir.rel, entries: arrangeEntries(entries, query.sort).flat() };
      return;
    }
    ctx.set('Content-Security-Policy', INDEX_CSP);
    ctx.type = 'text/html; charset=utf-8';
    const client = { script: assets.fileName('index.js'), style: assets.fileName('viewer.css') };
    ctx.body = indexPage({ base, rel: dir.rel, entries, sort: query.sort, q: query.q, now, client });
  };

  const viewer = async (ctx: Context, rel: string): Promise<void> => {
    const file = await guard.file(rel);
    const lines = parseLines(ctx.query, config);
    // A search or a permalink the stream would refuse (a bad expression, a malformed id) is a 400 with its reason here, not an empty page.
    parseSearchParams(ctx.query, null);
    // Opened, not only stat'ed, so the page answers as its stream will: 404 for a file that cannot be read, 5xx when the server cannot open files.
    const { handle, stat } = await guard.open(file.abs);
    await handle.close();
    ctx.set('Content-Security-Policy', VIEWER_CSP);
    ctx.type = 'text/html; charset=utf-8';
    ctx.set('Cache-Control', 'no-cache');
    ctx.body = viewerPage(
      base,
      { rel: file.rel, size: stat.size, lines },
      {
        script: assets.fileName('viewer.js'),
        style: assets.fileName('viewer.css'),
        maxLines: config.viewerMaxLines,
        heartbeatMs: config.heartbeatMs,
      },
    );
  };

  router.get('/', (ctx) => index(ctx, ''));
  router.get('/browse{/*path}', (ctx) => index(ctx, pathParam(ctx)));
  router.get('/view/{*path}', (ctx) => viewer(ctx, pathParam(ctx)));
  // The 2009 URL form: the whole query string is the file's path.
  router.get('/comet-tail', (ctx) => {
    let rel: string;
    try {
      rel = decodeURIComponent(ctx.querystring.replace(/\+/g, ' '));
    } catch {
      throw badPath('malformed percent-encoding in the query');
    }
    if (rel === '') throw badPath('name a file: /comet-tail?<path>');
    return viewer(ctx, rel);
  });
  return router;
}
