/**
 * Trigger rules on SignalSample batches: edge-triggered, reverse-gated where
 * the issue says so, re-armed only by a real change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { TriggerRules } from '../../../src/recorder/TriggerRules.js';
import { VSS } from '../../../src/wire/signals.js';

const s = (path: string, value: number, ms: number) => ({ path, value, timestampUs: ms * 1000 });

test('a sensor below 0.3 m for 3 s while reversing is one trigger, not 90; coming back re-arms it', () => {
  const r = new TriggerRules();
  assert.deepEqual(r.evaluate([s(VSS.rearSensor.innerLeft, 0.2, 0)]), [], 'not reversing: nothing');
  const fired = [...r.evaluate([s(VSS.gear, -1, 10)])];
  for (let i = 0; i < 90; i++) fired.push(...r.evaluate([s(VSS.rearSensor.innerLeft, 0.2 - (i % 3) * 0.01, 20 + i * 33)]));
  assert.equal(fired.length, 1);
  assert.equal(fired[0]!.kind, 'sensor');
  assert.equal(fired[0]!.detail.zone, 'innerLeft');
  assert.equal(fired[0]!.atUs, 10_000, 'fired when reverse made the close sensor count');
  assert.deepEqual(r.evaluate([s(VSS.rearSensor.innerLeft, 0.32, 4000)]), [], 'inside the hysteresis: still one event');
  assert.deepEqual(r.evaluate([s(VSS.rearSensor.innerLeft, 0.2, 4100)]), []);
  r.evaluate([s(VSS.rearSensor.innerLeft, 1.0, 4200)]);
  assert.equal(r.evaluate([s(VSS.rearSensor.outerRight, 0.25, 4300)]).length, 1, 're-armed after a real retreat');
});

test('selected gear R counts as reversing; sensor rule off when sensorBelowM is null', () => {
  const r = new TriggerRules();
  assert.equal(r.evaluate([s(VSS.selectedGear, -1, 0), s(VSS.rearSensor.outerLeft, 0.1, 1)]).length, 1);
  const off = new TriggerRules({ sensorBelowM: null });
  assert.equal(off.evaluate([s(VSS.gear, -1, 0), s(VSS.rearSensor.outerLeft, 0.1, 1)]).length, 0);
});

test('hard deceleration while reversing (from Speed over time) triggers once; gentle braking does not', () => {
  const r = new TriggerRules({ decelerationMps2: 4 });
  r.evaluate([s(VSS.gear, -1, 0)]);
  const gentle = [];
  for (let i = 0; i <= 20; i++) gentle.push(...r.evaluate([s(VSS.speed, 8 - i * 0.36, i * 100)])); // 1 m/s²
  assert.equal(gentle.length, 0);
  const hard = [...r.evaluate([s(VSS.speed, 8, 3000)])];
  for (let i = 1; i <= 5; i++) hard.push(...r.evaluate([s(VSS.speed, Math.max(0, 8 - i * 3), 3300 + i * 50)])); // 8 km/h → 0 in 150 ms
  assert.equal(hard.length, 1);
  assert.equal(hard[0]!.kind, 'deceleration');
  assert.ok(Number(hard[0]!.detail.decelerationMps2) >= 4);
  const fwd = new TriggerRules();
  fwd.evaluate([s(VSS.gear, 1, 0), s(VSS.speed, 30, 0)]);
  assert.equal(fwd.evaluate([s(VSS.speed, 0, 300)]).length, 0, 'not while driving forward');
});

test('impact 0 → 1 triggers in any gear; manoeuvre (off by default) on entering R', () => {
  const r = new TriggerRules();
  assert.deepEqual(r.evaluate([s(VSS.impact, 1, 0)]).map((t) => t.kind), ['impact']);
  assert.equal(r.evaluate([s(VSS.impact, 1, 10)]).length, 0, 'held: no second trigger');
  assert.equal(r.evaluate([s(VSS.gear, -1, 20)]).length, 0, 'manoeuvre is off by default');
  const m = new TriggerRules({ manoeuvre: true, impact: false });
  assert.equal(m.evaluate([s(VSS.impact, 1, 0)]).length, 0);
  assert.deepEqual(m.evaluate([s(VSS.gear, -1, 5)]).map((t) => t.kind), ['manoeuvre']);
  assert.equal(m.evaluate([s(VSS.gear, 1, 9000), s(VSS.gear, -1, 9500)]).length, 1, 'each manoeuvre');
});
