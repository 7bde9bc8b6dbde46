import type { Context } from 'koa';
import type { ResolvedPath } from '../files/guard.js';
import type { AppDeps } from '../http/context.js';
import { EventStream } from '../http/event-stream.js';
import { TooManyStreamsError } from '../http/stream-registry.js';

/**
 * The live index of one directory: an `entry` event when an entry appears or
 * changes, `removed` when it goes. A stream for MAX_STREAMS like any other;
 * the directory's one watch is shared with every other client of it.
 */
export async function liveIndex(deps: AppDeps, ctx: Context, dir: ResolvedPath): Promise<void> {
  if (deps.streams.full()) throw new TooManyStreamsError();
  ctx.status = 200;
  ctx.type = 'text/event-stream; charset=utf-8';
  ctx.set({ 'X-Accel-Buffering': 'no', 'X-Content-Type-Options': 'nosniff' });
  if (ctx.method === 'HEAD') return;
  // From here on the response is written by hand: see StreamWriter for why.
  ctx.respond = false;
  const stream = new EventStream(ctx.res, deps.config);
  deps.streams.add(stream);
  ctx.state.bytesSent = () => stream.bytesSent;
  let unsubscribe: (() => void) | null = null;
  stream.onEnd((reason) => {
    ctx.state.endReason = reason;
    unsubscribe?.();
  });
  try {
    unsubscribe = await deps.dirWatchers.watch(dir, {
      change: (c) => (c.type === 'entry' ? stream.send('entry', c.entry) : stream.send('removed', { path: c.path })),
      closed: () => stream.end('error'),
    });
  } catch (err) {
    // Nothing has gone out yet (the directory went, the server is out of descriptors): a plain error answer.
    stream.discard();
    ctx.respond = true;
    throw err;
  }
  // Headers go out only now: a client that has them hears of every later change.
  stream.begin();
  if (stream.closed()) unsubscribe();
}
