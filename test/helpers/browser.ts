/**
 * Debian's Chromium for the end-to-end tests, launched the one way that works
 * on this closed network (no background networking, fresh profile).
 */
import { existsSync, mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { chromium, type BrowserContext } from 'playwright-core';

export const CHROMIUM = '/usr/bin/chromium';
export const haveChromium = existsSync(CHROMIUM);

export interface Browser {
  context: BrowserContext;
  close(): Promise<void>;
}

/** `ignoreHTTPSErrors`: accept the test's own CA-less certificates (HTTPS/WSS tests); `args`: more flags (e.g. --disable-3d-apis). */
export async function launchChromium(opts: { ignoreHTTPSErrors?: boolean; args?: string[] } = {}): Promise<Browser> {
  const profileDir = mkdtempSync(join(tmpdir(), 'revcam-chromium-'));
  const context = await chromium.launchPersistentContext(profileDir, {
    executablePath: CHROMIUM,
    headless: true,
    ...(opts.ignoreHTTPSErrors && { ignoreHTTPSErrors: true }),
    args: ['--no-sandbox', '--disable-gpu', '--disable-quic', '--no-first-run', '--disable-background-networking', '--disable-component-update', '--disable-sync', ...(opts.args ?? [])],
  });
  return {
    context,
    async close() {
      await context.close();
      rmSync(profileDir, { recursive: true, force: true });
    },
  };
}
