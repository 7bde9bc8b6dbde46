import { createServer, type Server } from 'node:http';
import type { Logger } from 'pino';
import { createHandler } from './app.js';
import type { Config } from './config.js';
import { DirWatchers } from './files/dir-watch.js';
import { FileGuard } from './files/guard.js';
import { DEFAULT_LIMITS, type AppLimits } from './http/context.js';
import { Metrics } from './http/metrics.js';
import { StreamRegistry } from './http/stream-registry.js';
import { TailEngine } from './tail/engine.js';

export interface RunningServer {
  readonly server: Server;
  readonly engine: TailEngine;
  readonly streams: StreamRegistry;
  readonly dirWatchers: DirWatchers;
  /** The port actually bound (useful with PORT=0). */
  readonly port: number;
  /** Ends every stream with its closing chunk, closes every connection and the engine. */
  stop(): Promise<void>;
}

/** What the config does not hold: the contract's fixed limits, which a test may shorten. */
export interface ServerOptions {
  readonly limits?: Partial<AppLimits>;
}

/** Builds everything from the config and listens; used by main and by the tests. */
export async function startServer(config: Config, logger: Logger, options: ServerOptions = {}): Promise<RunningServer> {
  const guard = new FileGuard(config.logDir, config.showHidden);
  const engine = new TailEngine({
    open: (abs) => guard.open(abs),
    polling: config.polling,
    pollIntervalMs: config.pollIntervalMs,
    maxLineBytes: config.maxLineBytes,
    clientBufferBytes: config.clientBufferBytes,
    onError: (err, context) => logger.error({ err, ...context }, 'tail engine error'),
  });
  const streams = new StreamRegistry(config.maxStreams);
  const metrics = new Metrics(streams, engine);
  const limits: AppLimits = { ...DEFAULT_LIMITS, ...options.limits };
  const dirWatchers = new DirWatchers(guard, {
    polling: config.polling,
    pollIntervalMs: config.pollIntervalMs,
    changeIntervalMs: 1000,
    onError: (err) => logger.warn({ err }, 'directory watcher error'),
  });
  const server = createServer(createHandler({ config, limits, logger, guard, engine, streams, metrics, dirWatchers }));
  // Streams are long-lived; the default request timeout would cut them.
  server.requestTimeout = 0;
  server.headersTimeout = 60_000;
  server.keepAliveTimeout = 5_000;
  await new Promise<void>((resolve, reject) => {
    server.once('error', reject);
    server.listen(config.port, config.host, () => resolve());
  });
  const address = server.address();
  const port = typeof address === 'object' && address !== null ? address.port : config.port;
  return {
    server,
    engine,
    streams,
    dirWatchers,
    port,
    async stop() {
      const closed = new Promise<void>((resolve) => server.close(() => resolve()));
      streams.endAll();
      server.closeIdleConnections();
      dirWatchers.close();
      await engine.close();
      // Whatever is still open after the closing chunks had a moment to go is cut.
      const force = setTimeout(() => server.closeAllConnections(), 1000);
      await closed;
      clearTimeout(force);
    },
  };
}
