import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdir, rm, symlink, writeFile } from 'node:fs/promises';
import path from 'node:path';
import { makeLogDir } from './server.js';

const SCRIPT = path.resolve(import.meta.dirname, 'rename-exchange.py');

export interface SwapLoop {
  /** Ends the loop with both names back where they were; resolves with the number of swaps made. */
  stop(): Promise<number>;
}

/** A separate process swapping two names (renameat2 RENAME_EXCHANGE) as fast as it can, until stopped. */
export async function startSwapLoop(a: string, b: string): Promise<SwapLoop> {
  const child = spawn('python3', [SCRIPT, a, b], { stdio: ['pipe', 'pipe', 'pipe'] });
  let out = '';
  let err = '';
  child.stdout.setEncoding('utf8').on('data', (c: string) => (out += c));
  child.stderr.setEncoding('utf8').on('data', (c: string) => (err += c));
  const exited = once(child, 'exit');
  await new Promise<void>((resolve, reject) => {
    const onData = (): void => {
      if (!out.startsWith('ready\n')) return;
      child.stdout.off('data', onData);
      resolve();
    };
    child.stdout.on('data', onData);
    void exited.then(([code]) => reject(new Error(`swap helper exited with ${String(code)}: ${err}`)));
  });
  return {
    async stop() {
      child.stdin.end();
      const [code] = await exited;
      if (code !== 0) throw new Error(`swap helper exited with ${String(code)}: ${err}`);
      return Number(out.slice('ready\n'.length).trim());
    },
  };
}

export interface SwappedParent {
  /** The directory outside the root that `sub2` leads to. */
  readonly outside: string;
  stop(): Promise<number>;
}

/**
 * Under `root`: `sub/a.log` holding `harmless`, and `sub2`, a symlink to an outside
 * directory whose `a.log` holds `secret`; the two names swapped in a loop, so
 * `root/sub/a.log` is now and then the outside file.
 */
export async function swapParentWithLinkOut(root: string, harmless: string, secret: string): Promise<SwappedParent> {
  const outside = await makeLogDir('comet-tail-race-outside-');
  await writeFile(path.join(outside, 'a.log'), secret);
  await mkdir(path.join(root, 'sub'));
  await writeFile(path.join(root, 'sub', 'a.log'), harmless);
  await symlink(outside, path.join(root, 'sub2'));
  const loop = await startSwapLoop(path.join(root, 'sub'), path.join(root, 'sub2'));
  return {
    outside,
    async stop() {
      const swaps = await loop.stop();
      await rm(outside, { recursive: true, force: true });
      return swaps;
    },
  };
}
