/**
 * Test-only hooks, off unless REVCAM_TEST_HOOKS=1 (docs/deploy.md, "Readiness
 * and watchdog"): SIGUSR2 blocks the event loop on purpose for
 * $REVCAM_TEST_BLOCK_MS (default 3000) ms, so a test can see the watchdog
 * pings stop. Never set it in production: any process allowed to signal revcam
 * could freeze its rear view.
 */
import { performance } from 'node:perf_hooks';

export function installTestHooks(env: NodeJS.ProcessEnv = process.env): void {
  if (env.REVCAM_TEST_HOOKS !== '1') return;
  process.on('SIGUSR2', () => {
    const ms = Number(env.REVCAM_TEST_BLOCK_MS ?? 3000);
    process.stderr.write(`revcam: test hook: blocking the event loop for ${ms} ms\n`);
    const end = performance.now() + ms;
    while (performance.now() < end) {
      // busy: nothing else runs
    }
    process.stderr.write('revcam: test hook: event loop free again\n');
  });
}
