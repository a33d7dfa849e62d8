import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

/**
 * Debian's Chromium (`apt-get install chromium`, which test/run-all.sh does), driven by playwright-core: no browser
 * download. Fails with what to install when it is missing, never skips.
 */
export async function launchChromium(): Promise<Browser> {
  let executablePath: string;
  try {
    executablePath = process.env.CHROMIUM_BIN ?? execFileSync('sh', ['-c', 'command -v chromium'], { encoding: 'utf8' }).trim();
  } catch {
    throw new Error('chromium is not installed: apt-get install chromium (or set CHROMIUM_BIN)');
  }
  // As root (CI) Chromium's own sandbox cannot start; the page is our own, served from loopback.
  return chromium.launch({ executablePath, args: ['--no-sandbox', '--disable-gpu', '--disable-dev-shm-usage'] });
}
