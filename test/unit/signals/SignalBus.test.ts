import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevcamError } from '../../../src/errors/RevcamError.js';
import { SignalBus, WATCHED_PATHS } from '../../../src/signals/SignalBus.js';
import { VSS, type SignalSample } from '../../../src/wire/signals.js';

function fakeClock(start = 1_700_000_000_000) {
  let now = start;
  return { now: () => now, advance: (ms: number) => void (now += ms) };
}

function busWithClock(staleAfterMs = 500) {
  const clock = fakeClock();
  return { clock, bus: new SignalBus({ staleAfterMs, clock: clock.now }) };
}

function rejects(fn: () => unknown, pattern: RegExp): void {
  assert.throws(fn, (err: unknown) => {
    assert.ok(err instanceof RevcamError, 'a RevcamError');
    assert.equal(err.code, 'SIGNAL_INVALID');
    assert.equal(err.status, 422);
    assert.match(err.message, pattern);
    return true;
  });
}

test('set stores values with the bus clock as timestamp unless one is given; get and snapshot return them', () => {
  const { bus, clock } = busWithClock();
  const stored = bus.set([
    { path: VSS.gear, value: -1 },
    { path: VSS.speed, value: 3.5, timestampUs: 42 },
  ]);
  assert.deepEqual(stored, [
    { path: VSS.gear, value: -1, timestampUs: clock.now() * 1000 },
    { path: VSS.speed, value: 3.5, timestampUs: 42 },
  ]);
  assert.deepEqual(bus.get(VSS.gear), stored[0]);
  assert.equal(bus.get(VSS.steeringWheelAngle), undefined);
  assert.deepEqual(bus.snapshot(), stored);
});

test('an unknown path is refused with SIGNAL_INVALID naming it, and nothing in the batch is applied', () => {
  const { bus } = busWithClock();
  rejects(() => bus.set([{ path: VSS.gear, value: -1 }, { path: 'Vehicle.Cabin.Door.IsOpen', value: 1 }]), /samples\[1\].*Vehicle\.Cabin\.Door\.IsOpen/);
  assert.equal(bus.get(VSS.gear), undefined);
  assert.deepEqual(bus.snapshot(), []);
});

test('values are checked for type and range per path', () => {
  const { bus } = busWithClock();
  const bad: [string, unknown, RegExp][] = [
    [VSS.gear, 1.5, /integer/],
    [VSS.gear, -9, /outside -8\.\.16/],
    [VSS.gear, 126, /outside/], // Park exists only on SelectedGear
    [VSS.gear, 'R', /finite number/],
    [VSS.selectedGear, 125, /126, 127/],
    [VSS.steeringWheelAngle, 1080.5, /outside -1080\.\.1080 deg/],
    [VSS.speed, -0.1, /outside 0\.\.400 km\/h/],
    [VSS.rearSensor.innerLeft, 5.01, /outside 0\.\.5 m/],
    [VSS.rearSensor.outerRight, Number.NaN, /finite number/],
    [VSS.speed, true, /finite number/],
  ];
  for (const [path, value, pattern] of bad) {
    rejects(() => bus.set([{ path, value: value as number }]), pattern);
  }
  rejects(() => bus.set([{ path: VSS.speed, value: 1, timestampUs: -5 }]), /timestampUs/);
  assert.deepEqual(bus.snapshot(), [], 'nothing was stored');
  const good = bus.set([
    { path: VSS.gear, value: -2 },
    { path: VSS.selectedGear, value: 126 },
    { path: VSS.selectedGear, value: 127 },
    { path: VSS.steeringWheelAngle, value: -1080 },
    { path: VSS.rearSensor.innerLeft, value: 5 },
    { path: VSS.rearSensor.innerRight, value: 0 },
  ]);
  assert.equal(good.length, 6);
  assert.equal(bus.get(VSS.selectedGear)?.value, 127, 'the last sample of a path in a batch wins');
});

test('subscribers get only what changed; unsubscribe stops delivery', () => {
  const { bus } = busWithClock();
  const calls: SignalSample[][] = [];
  const off = bus.subscribe((changed) => calls.push(changed));
  bus.set([{ path: VSS.gear, value: -1 }, { path: VSS.speed, value: 2 }]);
  bus.set([{ path: VSS.gear, value: -1 }, { path: VSS.speed, value: 3 }]);
  bus.set([{ path: VSS.gear, value: -1 }]);
  assert.deepEqual(
    calls.map((c) => c.map((s) => [s.path, s.value])),
    [
      [[VSS.gear, -1], [VSS.speed, 2]],
      [[VSS.speed, 3]],
    ],
  );
  off();
  bus.set([{ path: VSS.gear, value: 1 }]);
  assert.equal(calls.length, 2);
});

test('a throwing listener is caught and reported; the others still receive the change', () => {
  const errors: unknown[] = [];
  const bus = new SignalBus({ staleAfterMs: 500, onListenerError: (e) => errors.push(e) });
  const seen: number[] = [];
  bus.subscribe(() => {
    throw new Error('display bug');
  });
  bus.subscribe((changed) => seen.push(changed.length));
  assert.doesNotThrow(() => bus.set([{ path: VSS.gear, value: -1 }]));
  assert.deepEqual(seen, [1]);
  assert.equal(errors.length, 1);
  assert.match((errors[0] as Error).message, /display bug/);
  assert.equal(bus.listenerErrors, 1);
});

test('staleness lists watched paths that are missing, older than staleAfterMs, or invalid', () => {
  const { bus, clock } = busWithClock(500);
  assert.deepEqual(bus.staleness(), [...WATCHED_PATHS], 'nothing received yet: every watched path');
  bus.set(WATCHED_PATHS.map((path) => ({ path, value: path === VSS.gear ? 0 : 1 })));
  assert.deepEqual(bus.staleness(), []);
  clock.advance(500);
  assert.deepEqual(bus.staleness(), [], 'exactly staleAfterMs old is still fresh');
  clock.advance(1);
  assert.deepEqual(bus.staleness(), [...WATCHED_PATHS]);
  bus.set([{ path: VSS.gear, value: 0 }]);
  assert.deepEqual(bus.staleness(), WATCHED_PATHS.filter((p) => p !== VSS.gear));
  assert.deepEqual(bus.staleness(clock.now() + 10_000), [...WATCHED_PATHS], 'an explicit time is honoured');
  const steering = bus.health().find((h) => h.path === VSS.steeringWheelAngle);
  assert.deepEqual(steering, { path: VSS.steeringWheelAngle, state: 'stale', detail: '501 ms old' });
  assert.ok(!bus.staleness().includes(VSS.speed), 'speed is not watched');
});

test('a value that returns after going stale is delivered again even when unchanged', () => {
  const { bus, clock } = busWithClock(500);
  const calls: SignalSample[][] = [];
  bus.subscribe((c) => calls.push(c));
  bus.set([{ path: VSS.gear, value: -1 }]);
  clock.advance(100);
  bus.set([{ path: VSS.gear, value: -1 }]);
  clock.advance(600);
  bus.set([{ path: VSS.gear, value: -1 }]);
  assert.equal(calls.length, 2);
});

test('publish (the source side) applies good samples and marks a known path with a bad value invalid', () => {
  const { bus } = busWithClock(500);
  bus.set([{ path: VSS.rearSensor.innerLeft, value: 1.2 }]);
  const calls: SignalSample[][] = [];
  bus.subscribe((c) => calls.push(c));
  const result = bus.publish([
    { path: VSS.gear, value: -1 },
    { path: VSS.rearSensor.innerLeft, value: 99 },
    { path: 'Vehicle.Unknown', value: 1 },
  ]);
  assert.deepEqual(result.applied.map((s) => s.path), [VSS.gear]);
  assert.deepEqual(result.rejected.map((r) => r.path), [VSS.rearSensor.innerLeft, 'Vehicle.Unknown']);
  assert.equal(bus.get(VSS.rearSensor.innerLeft), undefined, 'an invalid value is not served');
  assert.ok(bus.staleness().includes(VSS.rearSensor.innerLeft));
  assert.equal(bus.health().find((h) => h.path === VSS.rearSensor.innerLeft)?.state, 'invalid');
  assert.ok(!bus.snapshot().some((s) => s.path === 'Vehicle.Unknown'));
  bus.publish([{ path: VSS.rearSensor.innerLeft, value: 1.2 }]);
  assert.equal(bus.get(VSS.rearSensor.innerLeft)?.value, 1.2);
  assert.deepEqual(calls.at(-1)?.map((s) => s.path), [VSS.rearSensor.innerLeft], 'recovery from invalid is delivered even with the old value');
});

test('an everySample listener sees unchanged values again (for freshness); a change listener does not', () => {
  const bus = new SignalBus({ staleAfterMs: 500 });
  const changes: SignalSample[][] = [];
  const every: SignalSample[][] = [];
  bus.subscribe((c) => changes.push(c));
  bus.subscribe((c) => every.push(c), { everySample: true });
  bus.set([{ path: VSS.speed, value: 3 }]);
  bus.set([{ path: VSS.speed, value: 3 }]);
  assert.equal(changes.length, 1, 'the unchanged value is not a change');
  assert.equal(every.length, 2, 'but it is a fresh sample');
});
