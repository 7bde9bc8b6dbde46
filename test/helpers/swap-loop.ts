import { spawn } from 'node:child_process';
import { once } from 'node:events';
import path from 'node:path';

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
