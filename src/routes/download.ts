import Router from '@koa/router';
import type { AppDeps, AppState } from '../http/context.js';
import { DownloadStream } from '../http/download-stream.js';
import { byteRange, ifRangeHolds, strongEtag } from '../http/ranges.js';
import { TooManyStreamsError } from '../http/stream-registry.js';
import { pathParam } from './path-param.js';

/** `/download/<file>`: the file as it is now, with Range and conditional requests; a stream for MAX_STREAMS. */
export function downloadRoutes(deps: AppDeps): Router<AppState> {
  const { guard, streams } = deps;
  const router = new Router<AppState>();

  router.get('/download/{*path}', async (ctx) => {
    const located = await guard.file(pathParam(ctx));
    if (streams.full()) throw new TooManyStreamsError();
    const { handle, stat } = await guard.open(located.abs);
    let handed = false;
    try {
      const size = stat.size;
      const etag = strongEtag(stat);
      ctx.set({ 'Accept-Ranges': 'bytes', 'Cache-Control': 'no-cache', 'X-Content-Type-Options': 'nosniff' });
      ctx.etag = etag;
      ctx.lastModified = stat.mtime;
      ctx.attachment(located.rel.slice(located.rel.lastIndexOf('/') + 1));
      ctx.type = 'application/octet-stream';
      ctx.status = 200;
      if (ctx.fresh) {
        ctx.status = 304;
        return;
      }

      let start = 0;
      let end = size - 1;
      const range = ctx.get('Range');
      if (range !== '' && ifRangeHolds(ctx.get('If-Range'), etag)) {
        const span = byteRange(size, range);
        if (span === 'unsatisfiable') {
          ctx.throw(416, 'Range Not Satisfiable: the range lies outside the file', {
            headers: { 'Content-Range': `bytes */${size}` },
          });
        } else if (span !== null) {
          ({ start, end } = span);
          ctx.status = 206;
          ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
        }
      }
      if (end < start) {
        ctx.body = '';
        return;
      }
      streams.add(new DownloadStream(ctx.res, deps.limits.downloadIdleMs));
      // koa destroys a stream body when the response finishes or is cut (HEAD included), which closes the handle.
      ctx.body = handle.createReadStream({ start, end, autoClose: true });
      ctx.length = end - start + 1;
      handed = true;
    } finally {
      if (!handed) await handle.close();
    }
  });
  return router;
}
