import Router from '@koa/router';
import parseRange from 'range-parser';
import type { AppDeps, AppState } from '../http/context.js';
import { pathParam } from './path-param.js';

/** `/download/<file>`: the file as it is now, with Range (range-parser) and conditional requests. */
export function downloadRoutes(deps: AppDeps): Router<AppState> {
  const { guard } = deps;
  const router = new Router<AppState>();

  router.get('/download/{*path}', async (ctx) => {
    const located = await guard.file(pathParam(ctx));
    const { handle, stat } = await guard.open(located.abs);
    let handed = false;
    try {
      const size = stat.size;
      const etag = `W/"${stat.ino.toString(16)}-${size.toString(16)}-${Math.floor(stat.mtimeMs).toString(16)}"`;
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
      const ifRange = ctx.get('If-Range');
      // A Range is honoured only while the file is the one the client saw (If-Range), as RFC 9110 says.
      if (range !== '' && (ifRange === '' || ifRange === etag || ifRange === stat.mtime.toUTCString())) {
        const ranges = parseRange(size, range, { combine: true });
        if (ranges === -1) {
          ctx.throw(416, 'Range Not Satisfiable: the range lies outside the file', { headers: { 'Content-Range': `bytes */${size}` } });
        }
        // A malformed header (-2) or several ranges: the whole file, which RFC 9110 allows.
        if (Array.isArray(ranges) && ranges.type === 'bytes' && ranges.length === 1) {
          const [r] = ranges;
          start = r!.start;
          end = r!.end;
          ctx.status = 206;
          ctx.set('Content-Range', `bytes ${start}-${end}/${size}`);
        }
      }
      if (end < start) {
        ctx.body = '';
        return;
      }
      // koa destroys a stream body when the response finishes (HEAD included), which closes the handle.
      ctx.body = handle.createReadStream({ start, end, autoClose: true });
      ctx.length = end - start + 1;
      handed = true;
    } finally {
      if (!handed) await handle.close();
    }
  });
  return router;
}
