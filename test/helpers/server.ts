import { mkdtemp, realpath, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import pino from 'pino';
import { parseConfig, readDefaults, type Config } from '../../src/config.js';
import { startServer, type RunningServer, type ServerOptions } from '../../src/server.js';

export interface TestServer {
  readonly url: string;
  readonly dir: string;
  readonly config: Config;
  readonly running: RunningServer;
  close(): Promise<void>;
}

/** A fresh temporary directory (real path) for one test's logs. */
export async function makeLogDir(prefix = 'comet-tail-test-'): Promise<string> {
  return realpath(await mkdtemp(path.join(tmpdir(), prefix)));
}

/** The real server on an ephemeral port over a temporary LOG_DIR; `options` are what no env variable sets (limits a test shortens). */
export async function startTestServer(
  env: Record<string, string> = {},
  dir?: string,
  options?: ServerOptions,
): Promise<TestServer> {
  const logDir = dir ?? (await makeLogDir());
  const config = parseConfig({
    ...readDefaults(),
    LOG_DIR: logDir,
    PORT: '0',
    HOST: '127.0.0.1',
    LOG_LEVEL: 'silent',
    ...env,
  });
  const running = await startServer(config, pino({ level: 'silent' }), options);
  return {
    url: `http://127.0.0.1:${running.port}${config.basePath}`,
    dir: logDir,
    config,
    running,
    async close() {
      await running.stop();
      running.server.closeAllConnections();
      if (dir === undefined) await rm(logDir, { recursive: true, force: true });
    },
  };
}
