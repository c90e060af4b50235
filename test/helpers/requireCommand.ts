/**
 * A test that needs a system program skips loudly on a developer machine
 * without it, and fails under CI=true, where .ci/run must have installed it.
 */
import { spawnSync } from 'node:child_process';
import type { TestContext } from 'node:test';

export function hasCommand(cmd: string): boolean {
  return spawnSync('sh', ['-c', `command -v ${cmd}`], { stdio: 'ignore' }).status === 0;
}

export function requireCommand(t: TestContext, cmd: string): boolean {
  if (hasCommand(cmd)) return true;
  const reason = `"${cmd}" is not installed: install it (apt-get install ${cmd}) to run this test`;
  if (process.env.CI === 'true') throw new Error(`CI=true and ${reason}`);
  process.stderr.write(`\n!!! SKIPPED: ${reason}\n\n`);
  t.skip(reason);
  return false;
}
