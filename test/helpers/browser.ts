import { type Browser, chromium } from 'playwright-core';
import { requireDebianPackage } from './debian.js';

/** Debian's headless Chromium, as every browser test launches it (no sandbox as root, no network of its own). */
export function launchChromium(): Promise<Browser> {
  return chromium.launch({
    executablePath: requireDebianPackage('chromium', '/usr/bin/chromium'),
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
      '--no-first-run',
      '--disable-quic',
    ],
  });
}
