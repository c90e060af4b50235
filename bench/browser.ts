/**
 * Debian's Chromium for the bench's browser measurements, launched as the
 * end-to-end tests launch it (test/helpers/browser.ts): headless, no GPU, no
 * background networking, a fresh profile removed afterwards.
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { BrowserContext } from 'playwright-core';
import { SkipError } from './results.js';

export const CHROMIUM = '/usr/bin/chromium';

export interface BenchBrowser {
  context: BrowserContext;
  /** The browser's processes (the bench reports their CPU beside the server's). */
  close(): Promise<void>;
}

export async function launchBenchChromium(): Promise<BenchBrowser> {
  if (!existsSync(CHROMIUM)) throw new SkipError(`${CHROMIUM} not found (apt-get install chromium)`);
  const { chromium } = await import('playwright-core');
  const profileDir = mkdtempSync(join(tmpdir(), 'revcam-bench-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync'],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
