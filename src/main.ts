import { type Config, ConfigError, loadConfig } from './config.js';
import { createLogger } from './logger.js';
import { type RunningServer, startServer } from './server.js';

// The process edge: the only module that reads process.env, listens, handles signals and exits.
async function main(): Promise<void> {
  let config: Config;
  try {
    config = loadConfig(process.env);
  } catch (err) {
    if (!(err instanceof ConfigError)) throw err;
    process.stderr.write(`comet-tail: ${err.message}\n`);
    process.exit(1);
  }
  const logger = createLogger(config.logLevel);
  let running: RunningServer;
  try {
    running = await startServer(config, logger);
  } catch (err) {
    process.stderr.write(`comet-tail: cannot listen on ${config.host}:${config.port}: ${(err as Error).message}\n`);
    process.exit(1);
  }
  logger.info({ host: config.host, port: running.port, logDir: config.logDir, basePath: config.basePath }, 'listening');

  let stopping = false;
  const stop = (signal: string): void => {
    if (stopping) return;
    stopping = true;
    logger.info({ signal, streams: running.streams.size }, 'stopping');
    // Must exit within 5 s whatever a client does.
    setTimeout(() => process.exit(0), 4000).unref();
    void running.stop().then(() => {
      logger.info('stopped');
      process.exit(0);
    });
  };
  process.on('SIGTERM', () => stop('SIGTERM'));
  process.on('SIGINT', () => stop('SIGINT'));
}

void main();
