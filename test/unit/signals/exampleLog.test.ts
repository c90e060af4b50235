/** The shipped example: reverse-park.log decoded through revcam.dbc tells the story the generator wrote. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { execFileSync } from 'node:child_process';
import { readFileSync } from 'node:fs';
import { DEFAULT_CAN_MAP } from '../../../src/config/defaults.js';
import { parseCandumpLine } from '../../../src/signals/can/candump.js';
import { DbcDecoder } from '../../../src/signals/can/DbcDecoder.js';
import { SignalBus } from '../../../src/signals/SignalBus.js';
import { VSS } from '../../../src/wire/signals.js';
import { distinctRuns, EXAMPLE_DBC, EXAMPLE_LOG, ROOT } from './fixtures.js';

interface Row {
  path: string;
  value: number;
  /** Selected gear when this sample was decoded. */
  selected: number | undefined;
}

function decodeExample(): { rows: Row[]; decoder: DbcDecoder } {
  const decoder = new DbcDecoder(readFileSync(EXAMPLE_DBC, 'utf8'), DEFAULT_CAN_MAP);
  const rows: Row[] = [];
  let selected: number | undefined;
  for (const line of readFileSync(EXAMPLE_LOG, 'utf8').split('\n')) {
    const frame = parseCandumpLine(line);
    if (!frame) continue;
    for (const s of decoder.decode(frame)) {
      if (s.path === VSS.selectedGear) selected = s.value as number;
      rows.push({ path: s.path, value: s.value as number, selected });
    }
  }
  return { rows, decoder };
}

const valuesOf = (rows: Row[], path: string) => rows.filter((r) => r.path === path).map((r) => r.value);

test('the example log is what examples/can/generate-log.mjs writes (reproducible)', () => {
  const generated = execFileSync(process.execPath, ['examples/can/generate-log.mjs'], { cwd: ROOT, encoding: 'utf8' });
  assert.equal(generated, readFileSync(EXAMPLE_LOG, 'utf8'));
});

test('gears in order: P -> R -> N -> D, and CurrentGear 0 -> -1 -> 0 -> 1 -> 2', () => {
  const { rows } = decodeExample();
  assert.deepEqual(distinctRuns(valuesOf(rows, VSS.selectedGear)), [126, -1, 0, 127]);
  assert.deepEqual(distinctRuns(valuesOf(rows, VSS.gear)), [0, -1, 0, 1, 2]);
});

test('steering (signed, 0.1 deg) goes left to +380.5, back through straight to -25.3, then straight', () => {
  const { rows } = decodeExample();
  const steering = valuesOf(rows, VSS.steeringWheelAngle);
  assert.equal(Math.max(...steering), 380.5);
  assert.equal(Math.min(...steering), -25.3);
  assert.deepEqual(distinctRuns(steering.map(Math.sign)), [0, 1, -1, 0]);
  assert.ok(steering.every((v) => Number.isInteger(Math.round(v * 10)) && Math.abs(v * 10 - Math.round(v * 10)) < 1e-9), 'values are on the 0.1 deg grid');
  const firstLeft = rows.find((r) => r.path === VSS.steeringWheelAngle && r.value > 0);
  assert.equal(firstLeft?.selected, -1, 'the wheel turns while in reverse');
});

test('speed: walking pace in reverse, rising above 10 km/h only in D', () => {
  const { rows } = decodeExample();
  const speeds = rows.filter((r) => r.path === VSS.speed);
  const reverse = speeds.filter((r) => r.selected === -1).map((r) => r.value);
  assert.ok(Math.max(...reverse) >= 3 && Math.max(...reverse) <= 5, `reverse top speed ${Math.max(...reverse)}`);
  const fast = speeds.filter((r) => r.value > 10);
  assert.ok(fast.length > 0, 'the car drives off above 10 km/h');
  assert.ok(fast.every((r) => r.selected === 127), 'above 10 km/h only in D');
  assert.equal(speeds.at(-1)?.value, 15.5);
});

test('rear sensors (cm -> m) read "no obstacle" in P, then close in from 2.5 m to 0.3 m in reverse', () => {
  const { rows } = decodeExample();
  const inner = rows.filter((r) => r.path === VSS.rearSensor.innerLeft);
  assert.ok(inner.filter((r) => r.selected === 126).every((r) => r.value === 5), '0xFFFF decodes to the 5 m "no obstacle" value');
  const reverse = inner.filter((r) => r.selected === -1).map((r) => r.value);
  assert.equal(reverse[0], 2.5);
  assert.equal(reverse.at(-1), 0.3);
  assert.ok(reverse.every((v, i) => i === 0 || v <= reverse[i - 1]!), 'never moving away while reversing');
  const outer = rows.filter((r) => r.path === VSS.rearSensor.outerLeft && r.selected === -1).map((r) => r.value);
  assert.ok(outer.every((v, i) => v >= reverse[i]!), 'outer sensors read further than inner ones');
});

test('frames revcam does not map are ignored, the error frame skipped, and every decoded value is valid on the bus', () => {
  const { rows, decoder } = decodeExample();
  assert.ok(decoder.stats.unknownId > 0, 'the engine message 0x100 is on the bus but not mapped');
  assert.equal(decoder.stats.skipped, 1, 'one error frame');
  assert.equal(decoder.stats.badLength, 0);
  const bus = new SignalBus({ staleAfterMs: 500 });
  const { rejected } = bus.publish(rows.map(({ path, value }) => ({ path, value })));
  assert.deepEqual(rejected, []);
});
