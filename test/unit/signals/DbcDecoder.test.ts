import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { DEFAULT_CAN_MAP } from '../../../src/config/defaults.js';
import { parseCandumpLine, type CanFrame } from '../../../src/signals/can/candump.js';
import { DbcDecoder, DbcError } from '../../../src/signals/can/DbcDecoder.js';
import { VSS } from '../../../src/wire/signals.js';
import { EXAMPLE_DBC } from './fixtures.js';

const dbcText = readFileSync(EXAMPLE_DBC, 'utf8');
const frame = (line: string) => parseCandumpLine(line) as CanFrame;
const decoded = (d: DbcDecoder, line: string) => d.decode(frame(line)).map((s) => [s.path, s.value]);

test('signed little-endian signals with a 0.1 factor decode to exact tenths, both signs', () => {
  const d = new DbcDecoder(dbcText, DEFAULT_CAN_MAP);
  // 0xFB2E = -1234 -> -123.4 deg (right); 0x04D2 = 1234 -> +123.4 deg (left)
  assert.deepEqual(decoded(d, '(1.0) vcan0 0C5#2EFB'), [[VSS.steeringWheelAngle, -123.4]]);
  assert.deepEqual(decoded(d, '(1.0) vcan0 0C5#D204'), [[VSS.steeringWheelAngle, 123.4]]);
  assert.deepEqual(decoded(d, '(1.0) vcan0 0C5#0300'), [[VSS.steeringWheelAngle, 0.3]]);
});

test('gear bytes are signed VSS values; speed uses a 0.01 factor; sensor cm scale to metres', () => {
  const d = new DbcDecoder(dbcText, DEFAULT_CAN_MAP);
  assert.deepEqual(decoded(d, '(1.0) vcan0 1F5#FFFF'), [[VSS.selectedGear, -1], [VSS.gear, -1]]);
  assert.deepEqual(decoded(d, '(1.0) vcan0 1F5#7F02'), [[VSS.selectedGear, 127], [VSS.gear, 2]]);
  assert.deepEqual(decoded(d, '(1.0) vcan0 0D0#0F06'), [[VSS.speed, 15.51]]);
  assert.deepEqual(decoded(d, '(1.0) vcan0 3A0#1E002300FFFFF401'), [
    [VSS.rearSensor.outerLeft, 0.3],
    [VSS.rearSensor.innerLeft, 0.35],
    [VSS.rearSensor.innerRight, 5],
    [VSS.rearSensor.outerRight, 5],
  ]);
});

test('unmapped ids, short frames, remote frames are not decoded and are counted', () => {
  const d = new DbcDecoder(dbcText, DEFAULT_CAN_MAP);
  assert.deepEqual(decoded(d, '(1.0) vcan0 100#0102030405060708'), []);
  assert.deepEqual(decoded(d, '(1.0) vcan0 3A0#1E00'), []);
  assert.deepEqual(decoded(d, '(1.0) vcan0 0C5#R'), []);
  assert.deepEqual(d.stats, { decoded: 0, unknownId: 1, badLength: 1, skipped: 1 });
  assert.equal(d.decode(frame('(1.0) vcan0 0C5#2EFB'), 123)[0]?.timestampUs, 123);
});

test('a mapping may select a subset and rescale', () => {
  const d = new DbcDecoder(dbcText, [{ signal: 'PDC_Rear.InnerLeftDistance', path: VSS.rearSensor.innerLeft, scale: 0.01 }]);
  assert.deepEqual(decoded(d, '(1.0) vcan0 3A0#1E002300FFFFF401'), [[VSS.rearSensor.innerLeft, 0.35]]);
  assert.deepEqual(d.ids, [{ id: 0x3a0, extended: false, message: 'PDC_Rear' }]);
});

test('a mapping naming a message or signal the DBC lacks is refused with what exists', () => {
  assert.throws(() => new DbcDecoder(dbcText, [{ signal: 'BRAKE_Status.Pressure', path: VSS.speed, scale: 1 }]), (e: unknown) => {
    assert.ok(e instanceof DbcError);
    assert.match(e.message, /no message BRAKE_Status.*TRANS_Status/);
    return true;
  });
  assert.throws(() => new DbcDecoder(dbcText, [{ signal: 'VEH_Speed.Speed', path: VSS.speed, scale: 1 }]), /VEH_Speed has no signal Speed; it has VehicleSpeed/);
});

test('a DBC that does not parse is refused', () => {
  assert.throws(() => new DbcDecoder('BO_ 12 nonsense without colon\n SG_ ?? :', DEFAULT_CAN_MAP), DbcError);
});
