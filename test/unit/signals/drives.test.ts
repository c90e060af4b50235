import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.js';
import { DRIVE_NAMES, DRIVES, driveStateAt, type DriveState } from '../../../src/signals/drives.js';
import { SignalBus } from '../../../src/signals/SignalBus.js';
import { vehicleInputSamples } from '../../../src/signals/vehicleInput.js';
import { distinctRuns } from './fixtures.js';

/** One loop of a drive sampled at 10 Hz. */
function sampled(name: keyof typeof DRIVES): DriveState[] {
  const d = DRIVES[name];
  const out: DriveState[] = [];
  for (let i = 0; i * 0.1 < d.durationS; i++) out.push(driveStateAt(d, i * 0.1));
  return out;
}

test('park-left: P, then reverse, then P again', () => {
  assert.deepEqual(distinctRuns(sampled('park-left').map((s) => s.gear)), ['P', 'R', 'P']);
});

test('park-left: in reverse the sensor distances shrink from about 2.5 m to about 0.3 m, never growing', () => {
  const reverse = sampled('park-left').filter((s) => s.gear === 'R');
  for (const zone of ['outerLeft', 'innerLeft', 'innerRight', 'outerRight'] as const) {
    const d = reverse.map((s) => s.sensors[zone]);
    assert.ok(d[0]! >= 2.4 && d[0]! <= 2.6, `${zone} starts near 2.5 m, got ${d[0]}`);
    assert.ok(d.at(-1)! <= 0.35, `${zone} ends near 0.3 m, got ${d.at(-1)}`);
    assert.ok(d.every((v, i) => i === 0 || v <= d[i - 1]!), `${zone} never grows while reversing`);
  }
});

test('park-left: the wheel sweeps left (positive) then straightens; speed stays at walking pace', () => {
  const reverse = sampled('park-left').filter((s) => s.gear === 'R');
  const steering = reverse.map((s) => s.steeringDeg);
  assert.ok(Math.max(...steering) >= 300, 'turned well to the left');
  assert.ok(Math.min(...steering) >= 0, 'never to the right');
  assert.deepEqual(distinctRuns(steering.map(Math.sign)), [0, 1, 0]);
  const moving = reverse.map((s) => s.speedKmh).filter((v) => v > 0);
  assert.ok(Math.max(...moving) >= 3 && Math.max(...moving) <= 5, `top speed ${Math.max(...moving)}`);
  const parked = sampled('park-left').filter((s) => s.gear === 'P');
  assert.ok(parked.every((s) => s.speedKmh === 0), 'stationary whenever in P');
});

test('drives loop: a time past the end is the same state as that time into the loop', () => {
  const d = DRIVES['park-left'];
  assert.deepEqual(driveStateAt(d, d.durationS + 4.2), driveStateAt(d, 4.2));
  assert.deepEqual(driveStateAt(d, 3 * d.durationS), driveStateAt(d, 0));
});

test('park-right mirrors park-left: wheel to the right, left and right sensors swapped', () => {
  const left = sampled('park-left');
  const right = sampled('park-right');
  right.forEach((r, i) => {
    const l = left[i]!;
    assert.equal(r.gear, l.gear);
    assert.equal(r.steeringDeg, l.steeringDeg === 0 ? 0 : -l.steeringDeg);
    assert.equal(r.sensors.outerLeft, l.sensors.outerRight);
    assert.equal(r.sensors.innerRight, l.sensors.innerLeft);
  });
});

test('every state of every drive is valid on the signal bus', () => {
  const bus = new SignalBus({ staleAfterMs: 500 });
  for (const name of DRIVE_NAMES) for (const s of sampled(name)) bus.set(vehicleInputSamples(s));
});

test('the config schema accepts exactly the drives that exist', () => {
  const drive = configSchema.properties.signals.properties.drive.anyOf[1];
  assert.deepEqual([...drive.enum].sort(), [...DRIVE_NAMES].sort());
});
