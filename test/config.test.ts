import assert from 'node:assert/strict';
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { after, before, describe, test } from 'node:test';
import { loadConfig } from '../src/config.js';
import { exitCode, listeningPort, spawnMain } from './helpers/process.js';

/** Runs the real entry point and returns its exit code and output. */
function run(
  env: Record<string, string>,
  cwd: string,
): Promise<{ code: number | null; stderr: string; stdout: string }> {
  return new Promise((resolve) => {
    const child = spawnMain(env, cwd);
    let stderr = '';
    let stdout = '';
    child.stderr.on('data', (c: Buffer) => (stderr += c.toString()));
    child.stdout.on('data', (c: Buffer) => (stdout += c.toString()));
    child.on('exit', (code) => resolve({ code, stderr, stdout }));
  });
}

describe('configuration', () => {
  let dir: string;
  before(async () => {
    dir = await mkdtemp(path.join(tmpdir(), 'comet-tail-config-'));
    await writeFile(path.join(dir, 'a-file'), 'x');
  });
  after(() => rm(dir, { recursive: true, force: true }));

  const cases: Array<[string, Record<string, string>, RegExp]> = [
    [
      'a port that is not a number',
      { PORT: 'abc' },
      /^comet-tail: PORT="abc" is invalid: must be an integer from 0 to 65535$/,
    ],
    ['a port out of range', { PORT: '70000' }, /^comet-tail: PORT="70000" is invalid/],
    [
      'a LOG_DIR that does not exist',
      { LOG_DIR: '/nonexistent/logs' },
      /^comet-tail: LOG_DIR="\/nonexistent\/logs" is invalid: cannot be opened \(ENOENT\)$/,
    ],
    [
      'a LOG_DIR that is a file',
      { LOG_DIR: '@/a-file' },
      /^comet-tail: LOG_DIR=".*a-file" is invalid: is not a directory$/,
    ],
    ['a relative LOG_DIR', { LOG_DIR: 'logs' }, /^comet-tail: LOG_DIR="logs" is invalid: must be an absolute path$/],
    ['a negative TAIL_LINES', { TAIL_LINES: '-3' }, /^comet-tail: TAIL_LINES="-3" is invalid: must be an integer/],
    [
      'TAIL_LINES above MAX_TAIL_LINES',
      { TAIL_LINES: '50', MAX_TAIL_LINES: '10' },
      /^comet-tail: TAIL_LINES="50" is invalid: must not exceed MAX_TAIL_LINES \(10\)$/,
    ],
    [
      'a boolean that is not one',
      { POLLING: 'sometimes' },
      /^comet-tail: POLLING="sometimes" is invalid: must be true or false$/,
    ],
    ['an unknown LOG_LEVEL', { LOG_LEVEL: 'loud' }, /^comet-tail: LOG_LEVEL="loud" is invalid/],
    [
      'half a credential pair',
      { AUTH_USER: 'admin' },
      /^comet-tail: AUTH_PASSWORD="" is invalid: AUTH_USER and AUTH_PASSWORD must be set together$/,
    ],
    ['a BASE_PATH that is not a path', { BASE_PATH: 'logs' }, /^comet-tail: BASE_PATH="logs" is invalid/],
    [
      'an AUTH_TOKEN with a space at an end',
      { AUTH_TOKEN: 'tok-1 ' },
      /^comet-tail: AUTH_TOKEN="tok-1 " is invalid: must not begin or end with whitespace/,
    ],
  ];
  for (const [what, env, expected] of cases) {
    test(`${what} stops the process with exit 1 and one line`, async () => {
      const resolved = Object.fromEntries(
        Object.entries({ LOG_DIR: dir, ...env }).map(([k, v]) => [k, v.replace('@', dir)]),
      );
      const { code, stderr, stdout } = await run(resolved, dir);
      assert.equal(code, 1);
      assert.equal(stdout, '', 'nothing started');
      const lines = stderr.trimEnd().split('\n');
      assert.equal(lines.length, 1, stderr);
      assert.match(lines[0] ?? '', expected);
    });
  }

  test('.env is read from the working directory and the environment wins over it', async () => {
    await writeFile(path.join(dir, '.env'), `# comment\nTAIL_LINES=7\nMAX_STREAMS=12\nLOG_DIR=${dir}\n`);
    const config = loadConfig({ MAX_STREAMS: '99' }, dir);
    assert.equal(config.tailLines, 7);
    assert.equal(config.maxStreams, 99);
    assert.equal(config.logDir, dir);
    assert.equal(config.port, 9999, 'defaults from config/defaults.json');
    assert.ok(Object.isFrozen(config));
    await rm(path.join(dir, '.env'));
  });

  test('AUTH_PASSWORD is taken as it is, spaces at its ends included, from the environment and from .env', async () => {
    assert.equal(loadConfig({ LOG_DIR: dir, AUTH_USER: 'admin', AUTH_PASSWORD: ' pw ' }, dir).auth?.password, ' pw ');
    await writeFile(path.join(dir, '.env'), `AUTH_USER=admin\nAUTH_PASSWORD=" pw "\nLOG_DIR=${dir}\n`);
    assert.equal(loadConfig({}, dir).auth?.password, ' pw ');
    await rm(path.join(dir, '.env'));
  });

  test('a valid configuration starts and logs JSON to stdout', async () => {
    const child = spawnMain({ LOG_DIR: dir }, dir);
    const port = await listeningPort(child);
    const res = await fetch(`http://127.0.0.1:${port}/healthz`);
    assert.deepEqual(await res.json(), { status: 'ok' });
    child.kill('SIGTERM');
    assert.equal(await exitCode(child), 0);
  });
});
