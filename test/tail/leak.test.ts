import assert from 'node:assert/strict';
import { execFile } from 'node:child_process';
import path from 'node:path';
import { test } from 'node:test';
import { promisify } from 'node:util';

const run = promisify(execFile);
const CHURN = path.resolve(import.meta.dirname, '../fixtures/wait-churn.ts');

interface Churn {
  names: number;
  growth: number;
  stats: { files: number; streams: number };
}

async function churn(names: number): Promise<Churn> {
  const { stdout } = await run(process.execPath, ['--expose-gc', '--import', 'tsx', CHURN, String(names)], {
    cwd: path.dirname(CHURN),
  });
  return JSON.parse(stdout) as Churn;
}

test('distinct wait=1 names asked for and abandoned leave nothing behind', async () => {
  const [some, many] = await Promise.all([churn(1000), churn(3000)]);
  assert.deepEqual(many.stats, { files: 0, streams: 0 });
  // What each further name costs, from the slope between 1,000 and 3,000 names (a warm-up is in both baselines).
  // Before the fix: about 1,100 bytes a name (chokidar kept every unwatched path); after: under 100.
  const perName = (many.growth - some.growth) / 2000;
  assert.ok(
    perName < 400,
    `the heap keeps ${perName.toFixed(0)} bytes per abandoned name (${some.growth} for 1,000, ${many.growth} for 3,000)`,
  );
});
