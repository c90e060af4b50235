/**
 * Test-only hooks, off unless REVCAM_TEST_HOOKS=1 (docs/deploy.md, "Readiness
 * and watchdog"): SIGUSR2 blocks the event loop on purpose for
 * $REVCAM_TEST_BLOCK_MS (default 3000) ms, so a test can see the watchdog
 * pings stop. With REVCAM_TEST_SIGUSR2=gc (and node's --expose-gc) SIGUSR2
 * runs a full garbage collection instead: the bench measures a stalled
 * viewer's memory after one (case 4, T11), not the heap's own growth. Never
 * set it in production: any process allowed to signal revcam could freeze
 * its rear view.
 */
import { performance } from 'node:perf_hooks';

export function installTestHooks(env: NodeJS.ProcessEnv = process.env): void {
  if (env.REVCAM_TEST_HOOKS !== '1') return;
  const gc = (globalThis as { gc?: () => void }).gc;
  if (env.REVCAM_TEST_SIGUSR2 === 'gc' && gc) {
    process.on('SIGUSR2', () => gc());
    return;
  }
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
