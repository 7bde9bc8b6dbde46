import { spawn, type ChildProcessWithoutNullStreams } from 'node:child_process';
import path from 'node:path';
import { requireDebianPackage } from './debian.js';

const MAIN = path.resolve(import.meta.dirname, '../../src/main.ts');
// Resolved here, so the child finds tsx whatever its working directory.
const TSX = import.meta.resolve('tsx');

/** The real entry point as its own process, with exactly this environment (and, if given, at most `nofile` descriptors). */
export function spawnMain(
  env: Record<string, string>,
  cwd: string,
  limits: { nofile?: number } = {},
): ChildProcessWithoutNullStreams {
  const node = [process.execPath, '--import', TSX, MAIN];
  // prlimit execs the command, so the child's pid is node's own.
  const [command, ...args] =
    limits.nofile === undefined
      ? node
      : [requireDebianPackage('util-linux', '/usr/bin/prlimit'), `--nofile=${limits.nofile}:${limits.nofile}`, ...node];
  return spawn(command ?? process.execPath, args, {
    cwd,
    env: { PATH: process.env.PATH ?? '', HOST: '127.0.0.1', PORT: '0', ...env },
    stdio: ['pipe', 'pipe', 'pipe'],
  });
}

/** Waits for the server's 'listening' log line and returns the port it bound. */
export function listeningPort(child: ChildProcessWithoutNullStreams): Promise<number> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString();
      for (const line of out.split('\n')) {
        if (!line.includes('"listening"')) continue;
        child.stdout.off('data', onData);
        resolve((JSON.parse(line) as { port: number }).port);
        return;
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`server exited with ${code} before listening: ${out}`)));
  });
}

export function exitCode(child: ChildProcessWithoutNullStreams): Promise<number | null> {
  if (child.exitCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** The real entry point as its own process, listening: its port and pid, all it has logged so far, and a SIGTERM stop. */
export interface MainProcess {
  readonly child: ChildProcessWithoutNullStreams;
  readonly port: number;
  readonly pid: number;
  log(): string;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

export async function startMain(
  env: Record<string, string>,
  cwd: string,
  limits: { nofile?: number } = {},
): Promise<MainProcess> {
  const child = spawnMain(env, cwd, limits);
  let log = '';
  child.stdout.on('data', (c: Buffer) => (log += c.toString()));
  const port = await listeningPort(child);
  return {
    child,
    port,
    pid: child.pid ?? 0,
    log: () => log,
    stop() {
      child.kill('SIGTERM');
      return exitCode(child);
    },
  };
}
