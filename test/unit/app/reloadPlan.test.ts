/** The live-reload plan (src/app/reload/reloadPlan.ts): what is live, what waits for a restart, and no secret in a line. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { planReload } from '../../../src/app/reload/reloadPlan.js';
import { deepMerge, loadConfig } from '../../../src/config/loadConfig.js';

const SECRET = 'a-secret-token-0123456789';
const base = { auth: { devices: [{ id: 'hu', role: 'head-unit', token: SECRET }] } };
const config = (over: Record<string, unknown> = {}) => loadConfig({ raw: deepMerge(base, over) });

test('the same config plans nothing', () => {
  const plan = planReload(config(), config());
  assert.deepEqual([plan.live, plan.restartOnly], [[], []]);
  assert.equal(plan.auth || plan.limits || plan.services || plan.tls, false);
});

test('live settings are listed as live, one line each, old → new', () => {
  const plan = planReload(config(), config({ limits: { maxViewers: 10 }, server: { allowedOrigins: ['https://hu.local'], trustProxy: ['10.0.0.1'] }, display: { maxFrameAgeMs: 150 }, log: { level: 'debug' } }));
  assert.deepEqual(plan.live, ['server.trustProxy: [] → ["10.0.0.1"]', 'server.allowedOrigins: [] → ["https://hu.local"]', 'limits.maxViewers: 512 → 10', 'display.maxFrameAgeMs: 200 → 150', 'log.level: "info" → "debug"']);
  assert.deepEqual(plan.restartOnly, []);
  assert.ok(plan.auth && plan.origins && plan.limits && plan.display && plan.log);
});

test('restart-only settings are named, never ignored', () => {
  const plan = planReload(config(), config({ server: { port: 9000, host: '127.0.0.2' }, signals: { staleAfterMs: 900 }, reverse: { holdMs: 1 }, stateDir: '/var/lib/x' }));
  assert.deepEqual(plan.restartOnly, [
    'server.host: "127.0.0.1" → "127.0.0.2" (restart to apply)',
    'server.port: 8080 → 9000 (restart to apply)',
    'signals.staleAfterMs: 500 → 900 (restart to apply)',
    'reverse.holdMs: 4000 → 1 (restart to apply)',
    'stateDir: "./state" → "/var/lib/x" (restart to apply)',
  ]);
  assert.deepEqual(plan.live, []);
});

test('TLS switched on is restart-only; a certificate under TLS is re-read live', () => {
  const on = config({ server: { tls: { certFile: 'a.crt', keyFile: 'a.key' } } });
  assert.deepEqual(planReload(config(), on).restartOnly, ['server.tls: off → on (restart to apply)']);
  const rotated = planReload(on, config({ server: { tls: { certFile: 'b.crt', keyFile: 'b.key' } } }));
  assert.equal(rotated.tls, true);
  assert.deepEqual(rotated.restartOnly, []);
});

test('devices are named by id, never with their credential', () => {
  const plan = planReload(config(), config({ auth: { devices: [{ id: 'hu', role: 'cluster', token: `${SECRET}-new` }, { id: 'ops', role: 'admin', token: SECRET }] } }));
  assert.deepEqual(plan.live, ['auth.devices: hu role head-unit → cluster, credential replaced', 'auth.devices: ops added']);
  assert.ok(!plan.live.join('\n').includes(SECRET));
});

test('cameras added, removed and changed are listed; the services are reconciled', () => {
  const plan = planReload(config(), config({ cameras: { rear: { guidelines: false }, hitch: {} } }));
  assert.deepEqual(plan.live, ['cameras.front: removed', 'cameras.left: removed', 'cameras.right: removed', 'cameras.cabin: removed', 'cameras.rear.guidelines: true → false', 'cameras.hitch: added']);
  assert.equal(plan.services, true);
});
