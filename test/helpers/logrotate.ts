import { execFile } from 'node:child_process';
import { writeFile } from 'node:fs/promises';
import path from 'node:path';
import { promisify } from 'node:util';
import { requireDebianPackage } from './debian.js';

const run = promisify(execFile);

/** Rotates `file` once with the real logrotate binary in the given mode (installed on first use). */
export async function logrotate(file: string, mode: 'create' | 'copytruncate'): Promise<void> {
  const bin = requireDebianPackage('logrotate', '/usr/sbin/logrotate');
  const dir = path.dirname(file);
  const conf = path.join(dir, `.logrotate-${path.basename(file)}-${mode}.conf`);
  await writeFile(conf, `${file} {\n  rotate 9\n  ${mode}\n  missingok\n  nocompress\n}\n`);
  await run(bin, ['-f', '-s', path.join(dir, `.logrotate-${path.basename(file)}.state`), conf]);
}
