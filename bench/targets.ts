// The processes a bench run starts: comet-tail (built), the floor, and the worker agents.
import { execFileSync, fork, spawn, type ChildProcess, type ChildProcessByStdio } from 'node:child_process';
import type { Readable } from 'node:stream';
import { existsSync, mkdtempSync, readdirSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { build } from 'esbuild';
import type { Reply, Request } from './agent.js';
import { clock } from './lib.js';

/** A child whose stdout the bench reads. */
type Piped = ChildProcessByStdio<null, Readable, null>;

const ROOT = path.resolve(import.meta.dirname, '..');

/** A server under test: where to reach it, how to stop it. */
export interface Target {
  readonly name: 'comet-tail' | 'floor';
  readonly pid: number;
  /** URL of a followed file's text stream. */
  url(file: string, query?: string): string;
  readonly child: ChildProcess;
  /** SIGTERM; resolves with the exit code. */
  stop(): Promise<number | null>;
}

const newest = (dir: string): number =>
  readdirSync(dir, { withFileTypes: true }).reduce((m, e) => {
    const p = path.join(dir, e.name);
    return Math.max(m, e.isDirectory() ? newest(p) : statSync(p).mtimeMs);
  }, 0);

/** Builds dist/ when it is missing or older than src/, as `npm start` does. */
export function ensureBuilt(): void {
  const dist = path.join(ROOT, 'dist');
  if (existsSync(path.join(dist, 'main.js')) && newest(path.join(ROOT, 'src')) <= newest(dist)) return;
  execFileSync(
    process.execPath,
    [path.join(ROOT, 'node_modules/typescript/bin/tsc'), '-p', path.join(ROOT, 'tsconfig.json')],
    { stdio: 'inherit' },
  );
}

let compiled: { floor: string; agent: string } | null = null;

/** The floor and the agent as plain JavaScript, so they run under bare node like dist/ does. */
async function compiledScripts(): Promise<{ floor: string; agent: string }> {
  if (compiled !== null) return compiled;
  const outdir = mkdtempSync(path.join(tmpdir(), 'comet-tail-bench-js-'));
  await build({
    entryPoints: { floor: path.join(ROOT, 'bench/floor.ts'), agent: path.join(ROOT, 'bench/agent.ts') },
    outdir,
    bundle: true,
    platform: 'node',
    format: 'esm',
    target: 'node20',
    outExtension: { '.js': '.mjs' },
    logLevel: 'warning',
  });
  compiled = { floor: path.join(outdir, 'floor.mjs'), agent: path.join(outdir, 'agent.mjs') };
  return compiled;
}

function exited(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Resolves with the first stdout JSON line that has `key`. */
function jsonLine<T>(child: Piped, test: (o: Record<string, unknown>) => T | undefined): Promise<T> {
  return new Promise((resolve, reject) => {
    let out = '';
    const onData = (c: Buffer): void => {
      out += c.toString();
      const lines = out.split('\n');
      out = lines.pop() ?? '';
      for (const line of lines) {
        let found: T | undefined;
        try {
          found = test(JSON.parse(line) as Record<string, unknown>);
        } catch {
          found = undefined;
        }
        if (found !== undefined) {
          child.stdout.off('data', onData);
          resolve(found);
          return;
        }
      }
    };
    child.stdout.on('data', onData);
    child.once('exit', (code) => reject(new Error(`exited with ${code} before listening`)));
  });
}

export interface CometOptions {
  /** Run src/ through tsx instead of dist/ (the smoke run in npm test). */
  readonly fromSource?: boolean;
  /** Write a V8 CPU profile here on exit. */
  readonly cpuProfDir?: string;
  readonly env?: Record<string, string>;
}

export async function startComet(dir: string, opts: CometOptions = {}): Promise<Target> {
  const args = [
    ...(opts.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`]),
    ...(opts.fromSource === true
      ? ['--import', 'tsx', path.join(ROOT, 'src/main.ts')]
      : [path.join(ROOT, 'dist/main.js')]),
  ];
  const env = {
    PATH: process.env.PATH ?? '',
    HOST: '127.0.0.1',
    PORT: '0',
    LOG_DIR: dir,
    MAX_STREAMS: '20000',
    ...opts.env,
  };
  const child = spawn(process.execPath, args, { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await jsonLine(child, (o) => (o.msg === 'listening' && typeof o.port === 'number' ? o.port : undefined));
  // The server logs a line per request: keep the pipe drained, or it blocks.
  child.stdout.on('data', () => undefined);
  return target(
    'comet-tail',
    child,
    (file, query) =>
      `http://127.0.0.1:${port}/tail/${encodeURIComponent(file)}?lines=0${query === undefined ? '' : `&${query}`}`,
  );
}

export async function startFloor(dir: string, opts: Pick<CometOptions, 'cpuProfDir'> = {}): Promise<Target> {
  const { floor } = await compiledScripts();
  const prof = opts.cpuProfDir === undefined ? [] : ['--cpu-prof', `--cpu-prof-dir=${opts.cpuProfDir}`];
  const child = spawn(process.execPath, [...prof, floor, dir], { stdio: ['ignore', 'pipe', 'inherit'] });
  const port = await jsonLine(child, (o) => (typeof o.port === 'number' ? o.port : undefined));
  return target('floor', child, (file) => `http://127.0.0.1:${port}/${encodeURIComponent(file)}`);
}

function target(name: Target['name'], child: Piped, url: Target['url']): Target {
  return {
    name,
    pid: child.pid ?? 0,
    url,
    child,
    stop() {
      child.kill('SIGTERM');
      return exited(child);
    },
  };
}

/** A forked worker (bench/agent.ts), one request at a time. */
export class Agent {
  private chain: Promise<unknown> = Promise.resolve();
  /** This agent's clock minus the bench's, from the ping with the shortest round trip. */
  offset = 0;

  private constructor(private readonly child: ChildProcess) {}

  static async start(): Promise<Agent> {
    const { agent } = await compiledScripts();
    const a = new Agent(fork(agent, [], { serialization: 'advanced', stdio: ['ignore', 'inherit', 'inherit', 'ipc'] }));
    await a.measureOffset();
    return a;
  }

  get pid(): number {
    return this.child.pid ?? 0;
  }

  request(req: Request): Promise<Reply> {
    const next = this.chain.then(
      () =>
        new Promise<Reply>((resolve, reject) => {
          const onExit = (): void => reject(new Error('bench agent exited'));
          this.child.once('exit', onExit);
          this.child.once('message', (r: Reply) => {
            this.child.off('exit', onExit);
            if (r.op === 'error') reject(new Error(`bench agent: ${r.message}`));
            else resolve(r);
          });
          this.child.send(req);
        }),
    );
    this.chain = next.catch(() => undefined);
    return next;
  }

  async measureOffset(): Promise<void> {
    let best = Number.POSITIVE_INFINITY;
    for (let i = 0; i < 20; i++) {
      const t0 = clock();
      const r = await this.request({ op: 'ping' });
      const t1 = clock();
      if (r.op === 'pong' && t1 - t0 < best) {
        best = t1 - t0;
        this.offset = r.t - (t0 + t1) / 2;
      }
    }
  }

  async stop(): Promise<void> {
    this.child.disconnect();
    await exited(this.child);
  }
}
