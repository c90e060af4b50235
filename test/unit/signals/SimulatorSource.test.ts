import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import { createSignalSource } from '../../../src/signals/createSignalSource.js';
import { SignalBus } from '../../../src/signals/SignalBus.js';
import { SimulatorSource } from '../../../src/signals/SimulatorSource.js';
import { SELECTED_GEAR, VSS, type SignalSample } from '../../../src/wire/signals.js';

function setup(drive: 'park-left' | null = null) {
  let now = 1_700_000_000_000;
  const clock = () => now;
  const bus = new SignalBus({ staleAfterMs: 500, clock });
  // republishMs is long: the test calls tick() itself.
  const sim = new SimulatorSource(bus, { republishMs: 60_000, drive, clock });
  return { bus, sim, advance: (ms: number) => void (now += ms) };
}

test('the simulator starts parked with every watched signal present', async () => {
  const { bus, sim } = setup();
  await sim.start();
  try {
    assert.equal(bus.get(VSS.gear)?.value, 0);
    assert.equal(bus.get(VSS.selectedGear)?.value, SELECTED_GEAR.park);
    assert.equal(bus.get(VSS.rearSensor.innerLeft)?.value, 5);
    assert.deepEqual(bus.staleness(), []);
  } finally {
    await sim.stop();
  }
});

test('re-publishing keeps unchanged values from going stale', async () => {
  const { bus, sim, advance } = setup();
  await sim.start();
  try {
    sim.set([{ path: VSS.steeringWheelAngle, value: 90 }]);
    advance(400);
    sim.tick();
    advance(400);
    assert.deepEqual(bus.staleness(), [], 'the tick 400 ms ago refreshed everything');
    assert.equal(bus.get(VSS.steeringWheelAngle)?.value, 90, 'a value set by a client is kept');
    advance(200);
    assert.ok(bus.staleness().length > 0, 'without ticks values do go stale');
  } finally {
    await sim.stop();
  }
});

test('a drive scripts the values by the simulator clock; client input stops it', async () => {
  const { bus, sim, advance } = setup('park-left');
  await sim.start();
  try {
    assert.equal(sim.currentDrive, 'park-left');
    assert.equal(bus.get(VSS.selectedGear)?.value, SELECTED_GEAR.park);
    advance(6000);
    sim.tick();
    assert.equal(bus.get(VSS.gear)?.value, -1, 'reversing 6 s in');
    assert.ok((bus.get(VSS.steeringWheelAngle)?.value as number) > 0, 'wheel to the left');
    const changes: SignalSample[][] = [];
    bus.subscribe((c) => changes.push(c));
    sim.set([{ path: VSS.steeringWheelAngle, value: -200 }]);
    assert.equal(sim.currentDrive, null, 'manual input took over');
    advance(1000);
    sim.tick();
    assert.equal(bus.get(VSS.steeringWheelAngle)?.value, -200, 'the drive no longer moves the wheel');
    sim.drive('park-left');
    assert.equal(bus.get(VSS.selectedGear)?.value, SELECTED_GEAR.park, 'a restarted drive begins at its start');
  } finally {
    await sim.stop();
  }
});

test('createSignalSource builds the simulator by default, with the configured drive', async () => {
  const bus = new SignalBus({ staleAfterMs: 500 });
  const source = await createSignalSource({ ...DEFAULT_CONFIG.signals, drive: 'park-left' }, bus);
  assert.equal(source.kind, 'simulator');
  assert.ok(source instanceof SimulatorSource);
  await source.start();
  try {
    assert.equal(source.input?.currentDrive, 'park-left');
  } finally {
    await source.stop();
  }
});
