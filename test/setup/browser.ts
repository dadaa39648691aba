import { execFileSync } from 'node:child_process';
import { chromium, type Browser } from 'playwright-core';

/**
 * Headless Debian Chromium (scripts/browser.sh installs it when missing and root), driven by
 * playwright-core, whose own browser download cannot reach the internet. Playwright gives it a
 * fresh temporary profile; the flags keep it off the network (this machine refuses every
 * connection but loopback) and let it run as root. Each test opens its own context, so no
 * sessionStorage crosses from one test to another.
 */
export function launchChromium(): Promise<Browser> {
  const executablePath = execFileSync('bash', ['scripts/browser.sh'], { encoding: 'utf8', stdio: ['ignore', 'pipe', 'inherit'] }).trim();
  return chromium.launch({
    executablePath,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
}
