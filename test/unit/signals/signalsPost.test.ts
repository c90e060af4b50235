import { test } from 'node:test';
import assert from 'node:assert/strict';
import { RevcamError } from '../../../src/errors/RevcamError.js';
import { parseSignalsPost } from '../../../src/transport/signalsHttp.js';
import { VSS } from '../../../src/wire/signals.js';

function refused(body: unknown, code: string, pattern: RegExp): void {
  assert.throws(() => parseSignalsPost(body), (e: unknown) => {
    assert.ok(e instanceof RevcamError);
    assert.equal(e.code, code);
    assert.match(e.message, pattern);
    return true;
  }, JSON.stringify(body));
}

test('the convenience form becomes VSS samples: gear letter sets CurrentGear and SelectedGear', () => {
  const { samples } = parseSignalsPost({ gear: 'R', steeringDeg: 120.5, speedKmh: 3, sensors: { innerLeft: 0.8 } });
  assert.deepEqual(
    samples.map((s) => [s.path, s.value]),
    [
      [VSS.gear, -1],
      [VSS.selectedGear, -1],
      [VSS.steeringWheelAngle, 120.5],
      [VSS.speed, 3],
      [VSS.rearSensor.innerLeft, 0.8],
    ],
  );
  const gear = (g: string) => parseSignalsPost({ gear: g }).samples.map((s) => s.value);
  assert.deepEqual(gear('P'), [0, 126]);
  assert.deepEqual(gear('N'), [0, 0]);
  assert.deepEqual(gear('D'), [1, 127]);
});

test('raw samples and a drive command pass through', () => {
  const parsed = parseSignalsPost({ samples: [{ path: VSS.speed, value: 7, timestampUs: 5 }], drive: null });
  assert.deepEqual(parsed, { samples: [{ path: VSS.speed, value: 7, timestampUs: 5 }], drive: null });
  assert.equal(parseSignalsPost({ drive: 'park-left' }).drive, 'park-left');
});

test('schema errors are BAD_REQUEST naming the field', () => {
  refused({}, 'BAD_REQUEST', /must NOT have fewer than 1 properties/);
  refused([], 'BAD_REQUEST', /\/: must be object/);
  refused({ gear: 'X' }, 'BAD_REQUEST', /\/gear: .*allowed values.*"P", "R", "N", "D"/);
  refused({ steeringDeg: '90' }, 'BAD_REQUEST', /\/steeringDeg: must be number/);
  refused({ sensors: { rearMiddle: 1 } }, 'BAD_REQUEST', /\/sensors\/rearMiddle: must NOT have additional properties/);
  refused({ samples: [{ path: VSS.gear }] }, 'BAD_REQUEST', /\/samples\/0: must have required property 'value'/);
  refused({ turbo: true }, 'BAD_REQUEST', /\/turbo: must NOT have additional properties/);
  refused({ drive: 'park-moon' }, 'BAD_REQUEST', /\/drive/);
});

test('unknown paths and out-of-range values are SIGNAL_INVALID naming the field and path', () => {
  refused({ samples: [{ path: VSS.gear, value: 0 }, { path: 'Vehicle.Warp.Factor', value: 9 }] }, 'SIGNAL_INVALID', /samples\[1\]: unknown signal path "Vehicle\.Warp\.Factor"/);
  refused({ steeringDeg: 2000 }, 'SIGNAL_INVALID', /^steeringDeg: Vehicle\.Chassis\.SteeringWheel\.Angle: 2000 is outside -1080\.\.1080 deg/);
  refused({ sensors: { outerRight: 7 } }, 'SIGNAL_INVALID', /^sensors\.outerRight: .*OuterRight\.Distance: 7 is outside 0\.\.5 m/);
  refused({ speedKmh: -3 }, 'SIGNAL_INVALID', /^speedKmh:/);
});
