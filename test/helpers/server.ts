/** Starts a real revcam server on an ephemeral loopback port for a test. */
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { startRevcam, type RevcamApp } from '../../src/app/startRevcam.js';
import { DEFAULT_CONFIG } from '../../src/config/defaults.js';
import { deepMerge, loadConfig } from '../../src/config/loadConfig.js';

/** The package root, from dist/test/helpers. */
export const ROOT = resolve(dirname(fileURLToPath(import.meta.url)), '../../..');

/** The default services without the recorder: a test that records says so (services, stateDir). */
export const SERVICES_WITHOUT_RECORDER = DEFAULT_CONFIG.services.filter((s) => s.manifest !== 'builtin:recorder');

export async function startTestServer(raw: Record<string, unknown> = {}): Promise<RevcamApp> {
  const config = loadConfig({ raw: deepMerge({ server: { port: 0 }, log: { level: 'warn' }, services: SERVICES_WITHOUT_RECORDER }, raw) });
  return startRevcam(config, { baseDir: ROOT });
}
