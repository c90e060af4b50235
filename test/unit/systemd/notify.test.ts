/** src/systemd/notify.ts with a recording stand-in for systemd-notify (the real manager's side: test/integration/systemd.test.ts). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { chmodSync, existsSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startSystemdNotify, watchdogMs } from '../../../src/systemd/notify.js';

test('watchdogMs reads WATCHDOG_USEC and honours WATCHDOG_PID', () => {
  assert.equal(watchdogMs({}), undefined);
  assert.equal(watchdogMs({ WATCHDOG_USEC: '10000000' }), 10_000);
  assert.equal(watchdogMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: String(process.pid) }), 10_000);
  assert.equal(watchdogMs({ WATCHDOG_USEC: '10000000', WATCHDOG_PID: '1' }), undefined, 'a watchdog for another process');
  assert.equal(watchdogMs({ WATCHDOG_USEC: '0' }), undefined);
  assert.equal(watchdogMs({ WATCHDOG_USEC: 'soon' }), undefined);
});

function recorder(): { dir: string; command: string; calls: () => string[] } {
  const dir = mkdtempSync(join(tmpdir(), 'revcam-notify-unit-'));
  const file = join(dir, 'calls');
  const command = join(dir, 'systemd-notify');
  writeFileSync(command, `#!/bin/sh\necho "$NOTIFY_SOCKET $*" >> '${file}'\n`);
  chmodSync(command, 0o755);
  return { dir, command, calls: () => (existsSync(file) ? readFileSync(file, 'utf8').trim().split('\n') : []) };
}

test('without NOTIFY_SOCKET nothing is started or sent', async () => {
  const r = recorder();
  try {
    assert.equal(startSystemdNotify({ env: { WATCHDOG_USEC: '100000' }, command: r.command }), undefined);
    await new Promise((res) => setTimeout(res, 200));
    assert.deepEqual(r.calls(), []);
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('READY=1 at once, WATCHDOG=1 while healthy, none while not, STOPPING=1 at the end', async () => {
  const r = recorder();
  let healthy = true;
  try {
    const n = startSystemdNotify({ env: { NOTIFY_SOCKET: '/run/x.sock', WATCHDOG_USEC: '200000' }, command: r.command, healthy: () => healthy })!;
    assert.equal(n.pingEveryMs, 100);
    await new Promise((res) => setTimeout(res, 450));
    const pings = r.calls().filter((c) => c === '/run/x.sock WATCHDOG=1').length;
    assert.equal(r.calls()[0], '/run/x.sock READY=1');
    assert.ok(pings >= 2, `${pings} pings in 450 ms at 100 ms`);
    healthy = false;
    await new Promise((res) => setTimeout(res, 150));
    const before = r.calls().length;
    await new Promise((res) => setTimeout(res, 400));
    assert.equal(r.calls().length, before, 'pinged while a service did not answer');
    await n.stopping();
    assert.equal(r.calls().at(-1), '/run/x.sock STOPPING=1');
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});

test('a watchdog meant for another PID is not served: READY only', async () => {
  const r = recorder();
  try {
    const n = startSystemdNotify({ env: { NOTIFY_SOCKET: '/run/x.sock', WATCHDOG_USEC: '200000', WATCHDOG_PID: '1' }, command: r.command })!;
    assert.equal(n.pingEveryMs, undefined);
    await new Promise((res) => setTimeout(res, 400));
    assert.deepEqual(r.calls(), ['/run/x.sock READY=1']);
    await n.stopping();
  } finally {
    rmSync(r.dir, { recursive: true, force: true });
  }
});
