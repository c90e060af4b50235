/**
 * revcam under systemd (issue 17 §2, docs/deploy.md): the units in
 * deploy/systemd/ pass `systemd-analyze verify`; the test plays the service
 * manager on a NOTIFY_SOCKET datagram socket of its own and sees READY=1 once
 * revcam serves with its reverse-gear service running, WATCHDOG=1 at half the
 * watchdog period, no ping while the event loop is blocked on purpose (the
 * test-only hook REVCAM_TEST_HOOKS=1 + SIGUSR2) nor for the late loop just
 * after, and STOPPING=1 at SIGTERM; outside systemd nothing is sent.
 *
 * Node has no unix datagram socket: the manager's side is Debian's python3
 * (/usr/bin/python3; the python3 on PATH may be another build). It answers
 * systemd-notify's BARRIER=1 as systemd does, by closing the fd it was sent.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { chmodSync, existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import type { TestContext } from 'node:test';
import { startCliServer, type CliServer } from '../helpers/cliServer.js';
import { requireCommand } from '../helpers/requireCommand.js';
import { ROOT } from '../helpers/server.js';
import { PYTHON, startManager } from '../helpers/notifyManager.js';

const UNITS = join(ROOT, 'deploy', 'systemd');
/** The path the units run revcam from (npm install -g --prefix /usr/local). */
const INSTALLED_BIN = '/usr/local/bin/revcam';
/** Resolves with the time `text` first appears in the server's output. */
async function waitForOutput(server: CliServer, text: string, timeoutMs: number): Promise<number> {
  const deadline = performance.now() + timeoutMs;
  while (!server.output().includes(text)) {
    assert.ok(performance.now() < deadline, `revcam never said "${text}":\n${server.output()}`);
    await new Promise((r) => setTimeout(r, 5));
  }
  return performance.now();
}

function requireSystemdTools(t: TestContext): boolean {
  return requireCommand(t, 'systemd-analyze') && requireCommand(t, 'systemd-notify') && requireCommand(t, PYTHON);
}

test('every unit in deploy/systemd passes systemd-analyze verify, without a warning', (t) => {
  if (!requireSystemdTools(t)) return;
  const units = readdirSync(UNITS).filter((f) => f.endsWith('.service'));
  assert.deepEqual(units.sort(), ['revcam-gateway.service', 'revcam-host@.service', 'revcam.service']);
  // verify checks that ExecStart's program exists and is executable: the units name the installed /usr/local/bin/revcam,
  // so they are verified as copies naming this checkout's bin (package.json's, the file npm links there) and nothing else changed.
  const dir = mkdtempSync(join(tmpdir(), 'revcam-units-'));
  try {
    const bin = join(ROOT, (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { bin: { revcam: string } }).bin.revcam);
    const names: string[] = [];
    for (const unit of units) {
      const text = readFileSync(join(UNITS, unit), 'utf8');
      assert.match(text, new RegExp(`^ExecStart=${INSTALLED_BIN} `, 'm'), `${unit} runs ${INSTALLED_BIN}`);
      for (const line of ['Type=notify', 'NotifyAccess=all', 'WatchdogSec=10s', 'Restart=on-failure', 'DynamicUser=yes', 'ProtectSystem=strict', 'NoNewPrivileges=yes', 'CapabilityBoundingSet=', 'DevicePolicy=closed', 'PrivateTmp=yes', 'ConfigurationDirectory=revcam']) {
        assert.match(text, new RegExp(`^${line}$`, 'm'), `${unit} lacks ${line}`);
      }
      assert.match(text, /^StateDirectory=revcam/m, `${unit} has no StateDirectory`);
      // An instance of the template: verify does not load a bare template.
      const name = unit.replace('@.service', '@veh-a.service');
      writeFileSync(join(dir, name), text.split(INSTALLED_BIN).join(bin));
      names.push(name);
    }
    assert.match(readFileSync(join(UNITS, 'revcam.service'), 'utf8'), /^DeviceAllow=char-video4linux rw$/m);
    const r = spawnSync('systemd-analyze', ['verify', ...names], { cwd: dir, encoding: 'utf8' });
    // verify exits 0 on unknown keys and unparsable values ("ignoring"): any word from it is a failure.
    assert.equal(r.status, 0, r.stderr);
    assert.equal(`${r.stdout}${r.stderr}`.trim(), '', 'systemd-analyze verify had something to say');
    for (const name of names) {
      const sec = spawnSync('systemd-analyze', ['security', '--offline=yes', name], { cwd: dir, encoding: 'utf8' });
      const score = /Overall exposure level for \S+: ([\d.]+)/.exec(sec.stdout)?.[1];
      if (score) console.log(`${name}: systemd-analyze security exposure ${score}`);
    }
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('as the service manager: READY=1 once serving, WATCHDOG=1 every half period, none while the loop is blocked, STOPPING=1 at SIGTERM', { timeout: 60_000 }, async (t) => {
  if (!requireSystemdTools(t)) return;
  const dir = mkdtempSync(join(tmpdir(), 'revcam-notify-'));
  const manager = await startManager(dir);
  let server: CliServer | undefined;
  try {
    const started = performance.now();
    server = await startCliServer([], { NOTIFY_SOCKET: manager.socket, WATCHDOG_USEC: '1000000', REVCAM_TEST_HOOKS: '1', REVCAM_TEST_BLOCK_MS: '3000', REVCAM_LOG_LEVEL: 'warn' });
    const ready = await manager.waitFor('READY=1', 10_000);
    assert.ok(ready.at > started);
    assert.equal(manager.received.filter((r) => r.line === 'READY=1').length, 1);
    // Ready means the reverse-gear service is up, not only the port.
    const services = (await (await fetch(`${server.url}/api/services`)).json()) as Array<{ id: string; state: string }> | { services: Array<{ id: string; state: string }> };
    const list = Array.isArray(services) ? services : services.services;
    assert.equal(list.find((s) => s.id === 'reversing')?.state, 'running', JSON.stringify(services));

    // The rate: WATCHDOG_USEC 1 s → a ping every 500 ms.
    const from = performance.now();
    await new Promise((r) => setTimeout(r, 3000));
    const pings = manager.received.filter((r) => r.line === 'WATCHDOG=1' && r.at >= from).map((r) => r.at);
    assert.ok(pings.length >= 4 && pings.length <= 8, `${pings.length} pings in 3 s (expected ~6)`);
    const gaps = pings.slice(1).map((p, i) => p - pings[i]!).sort((a, b) => a - b);
    const median = gaps[Math.floor(gaps.length / 2)]!;
    assert.ok(median > 350 && median < 750, `median ping interval ${median.toFixed(0)} ms (expected ~500)`);

    // The loop blocked on purpose for 3 s: no ping during it, none for the late loop right after, then pings again.
    const blockAsked = performance.now();
    server.child.kill('SIGUSR2');
    const blocked = await waitForOutput(server, 'blocking the event loop', 2000);
    const freed = await waitForOutput(server, 'event loop free again', 6000);
    assert.ok(freed - blocked >= 2500, `blocked for only ${(freed - blocked).toFixed(0)} ms`);
    // A systemd-notify spawned just before the block may still deliver its ping early in it.
    const during = manager.received.filter((r) => r.line === 'WATCHDOG=1' && r.at > Math.max(blockAsked, blocked) + 200 && r.at < freed);
    assert.deepEqual(during, [], 'pinged while the event loop was blocked');
    const resumed = await manager.waitFor('WATCHDOG=1', 3000, freed);
    assert.ok(resumed.at - freed >= 300, `pinged ${(resumed.at - freed).toFixed(0)} ms after the block: the late loop was not skipped`);
    await new Promise((r) => setTimeout(r, 1500));
    assert.ok(manager.received.filter((r) => r.line === 'WATCHDOG=1' && r.at > freed).length >= 3, 'pings did not resume after the block');

    // SIGTERM: STOPPING=1, a clean exit, no ping after STOPPING.
    server.child.kill('SIGTERM');
    const stopping = await manager.waitFor('STOPPING=1', 3000);
    assert.equal(await server.exited, 0, server.output());
    await new Promise((r) => setTimeout(r, 300));
    assert.deepEqual(manager.received.filter((r) => r.line === 'WATCHDOG=1' && r.at > stopping.at + 100), [], 'pinged after STOPPING=1');
    assert.doesNotMatch(server.output(), /systemd: cannot run|systemd-notify failed/);
  } finally {
    if (server && server.child.exitCode === null) server.child.kill('SIGKILL');
    manager.stop();
    rmSync(dir, { recursive: true, force: true });
  }
});

test('outside systemd (no NOTIFY_SOCKET) nothing is sent and no systemd-notify runs; with it, the same run would', { timeout: 30_000 }, async () => {
  // A systemd-notify first on PATH that only records its calls: the control run shows it would be called.
  const dir = mkdtempSync(join(tmpdir(), 'revcam-nonotify-'));
  const calls = join(dir, 'calls');
  const fake = join(dir, 'systemd-notify');
  writeFileSync(fake, `#!/bin/sh\necho "$@" >> '${calls}'\n`);
  chmodSync(fake, 0o755);
  const path = `${dir}:${process.env.PATH ?? ''}`;
  const runFor = async (env: Record<string, string>): Promise<string> => {
    rmSync(calls, { force: true });
    const server = await startCliServer([], { PATH: path, WATCHDOG_USEC: '400000', REVCAM_LOG_LEVEL: 'warn', ...env });
    await new Promise((r) => setTimeout(r, 1200));
    server.child.kill('SIGTERM');
    assert.equal(await server.exited, 0, server.output());
    return existsSync(calls) ? readFileSync(calls, 'utf8') : '';
  };
  try {
    assert.equal(await runFor({ NOTIFY_SOCKET: '' }), '', 'systemd-notify ran without NOTIFY_SOCKET');
    const control = await runFor({ NOTIFY_SOCKET: join(dir, 'nobody-listens.sock') });
    assert.match(control, /^READY=1$/m);
    assert.match(control, /^WATCHDOG=1$/m);
    assert.match(control, /^STOPPING=1$/m);
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
