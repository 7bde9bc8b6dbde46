import { execFileSync } from 'node:child_process';
import { existsSync } from 'node:fs';

/**
 * Makes sure a Debian package's binary is here: installs the package with
 * apt-get when running as root, otherwise fails naming it. Never skips.
 */
export function requireDebianPackage(pkg: string, binary: string): string {
  if (existsSync(binary)) return binary;
  const root = process.getuid?.() === 0;
  if (!root || !existsSync('/usr/bin/apt-get')) {
    throw new Error(
      `this test needs the Debian package '${pkg}' (${binary}); install it with: apt-get install -y ${pkg}`,
    );
  }
  const env = { ...process.env, DEBIAN_FRONTEND: 'noninteractive' };
  try {
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env, stdio: 'ignore' });
  } catch {
    execFileSync('apt-get', ['update', '-qq'], { env, stdio: 'ignore' });
    execFileSync('apt-get', ['install', '-y', '-qq', '--no-install-recommends', pkg], { env, stdio: 'ignore' });
  }
  if (!existsSync(binary)) throw new Error(`installing the Debian package '${pkg}' did not provide ${binary}`);
  return binary;
}
