/**
 * Vehicle signals on the bus: the subject layout (VSS paths as subject
 * tails, reserved instance tokens) and the check every sample message from
 * the bus goes through before it may reach a signal bus.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { decodeSignal, encodeSignal } from '../../../src/nats/signalMessages.js';
import { instanceToken, subjects } from '../../../src/nats/subjects.js';
import { SIGNAL_SPECS, VSS } from '../../../src/wire/signals.js';

const NOW_US = 1_800_000_000_000_000;
const bytes = (s: string) => new TextEncoder().encode(s);

/** Does a NATS subscription subject (with * and >) match a concrete subject? */
function matches(pattern: string, subject: string): boolean {
  const p = pattern.split('.');
  const s = subject.split('.');
  for (let i = 0; i < p.length; i++) {
    if (p[i] === '>') return s.length > i;
    if (i >= s.length || (p[i] !== '*' && p[i] !== s[i])) return false;
  }
  return p.length === s.length;
}

test('a VSS path maps onto the subject as it is, under the vehicle', () => {
  assert.equal(subjects.vss('veh-a', VSS.speed), 'revcam.v1.veh-a.vss.Vehicle.Speed');
  assert.equal(subjects.vss('veh-a', VSS.gear), 'revcam.v1.veh-a.vss.Vehicle.Powertrain.Transmission.CurrentGear');
  assert.equal(subjects.vssAll('veh-a'), 'revcam.v1.veh-a.vss.>');
  assert.equal(subjects.signalsSet('veh-a'), 'revcam.v1.veh-a.signals.set');
  // Every catalogued path is a run of valid subject tokens.
  for (const path of Object.keys(SIGNAL_SPECS)) assert.match(path, /^[A-Za-z0-9]+(\.[A-Za-z0-9]+)+$/, path);
});

test('an instance named vss or signals cannot collide with the signal subjects (reserved tokens get a leading _)', () => {
  assert.equal(instanceToken('vss'), '_vss');
  assert.equal(instanceToken('signals'), '_signals');
  assert.equal(instanceToken('reversing'), 'reversing');
  assert.equal(instanceToken('reversing#2'), 'reversing_2');
  assert.equal(instanceToken('vss#2'), 'vss_2');
  for (const id of ['vss', 'signals', 'vss#2', 'reversing', 'signals#3']) {
    const prefix = subjects.prefix('veh-a', instanceToken(id));
    const serviceSubjects = [subjects.open(prefix), subjects.close(prefix), subjects.state(prefix), subjects.status(prefix, 'rear'), subjects.frames(prefix, 'rear', 'jpeg'), subjects.anyStatus(prefix)];
    for (const s of serviceSubjects) {
      assert.ok(!matches(subjects.vssAll('veh-a'), s), `${s} would reach the signal subscription`);
      assert.notEqual(s, subjects.signalsSet('veh-a'));
    }
    // ...and the service's own wildcard takes no signal.
    assert.ok(!matches(subjects.anyStatus(prefix), subjects.vss('veh-a', VSS.speed)));
  }
  // The per-vehicle subscription takes only its own vehicle.
  assert.ok(matches(subjects.vssAll('veh-a'), subjects.vss('veh-a', VSS.speed)));
  assert.ok(!matches(subjects.vssAll('veh-a'), subjects.vss('veh-ab', VSS.speed)));
  assert.ok(!matches(subjects.vssAll('veh-a'), subjects.vss('veh-b', VSS.speed)));
});

test('a good message decodes to the sample; encode and decode agree', () => {
  const data = bytes(encodeSignal({ value: -1, timestampUs: NOW_US - 5 }));
  assert.deepEqual(decodeSignal('veh-a', subjects.vss('veh-a', VSS.gear), data, NOW_US), { sample: { path: VSS.gear, value: -1, timestampUs: NOW_US - 5 } });
});

test('every malformed message is refused with a reason, never a sample', () => {
  const speed = subjects.vss('veh-a', VSS.speed);
  const cases: Array<[string, string, RegExp]> = [
    [speed, 'garbage', /not JSON/],
    [speed, '\uFFFD', /not JSON/],
    [speed, '[]', /must be object/],
    [speed, '{"value":3}', /timestampUs/],
    [speed, '{"value":"3","timestampUs":1}', /must be number/],
    [speed, '{"value":3,"timestampUs":1,"x":1}', /additional properties/],
    [speed, '{"value":3,"timestampUs":-1}', />= 0/],
    [speed, `{"value":9999,"timestampUs":${NOW_US}}`, /outside 0..400/],
    [speed, `{"value":3,"timestampUs":${NOW_US + 2 * 86_400_000_000}}`, /in the future/],
    [subjects.vss('veh-a', 'Vehicle.Nope'), `{"value":1,"timestampUs":${NOW_US}}`, /unknown signal path/],
    [subjects.vss('veh-a', 'constructor'), `{"value":1,"timestampUs":${NOW_US}}`, /unknown signal path/],
    [subjects.vss('veh-a', VSS.gear), `{"value":0.5,"timestampUs":${NOW_US}}`, /integer/],
    [subjects.vss('veh-b', VSS.speed), `{"value":3,"timestampUs":${NOW_US}}`, /not under revcam\.v1\.veh-a\.vss\./],
    [speed, `{"value":3,"timestampUs":${NOW_US},"pad":"${'x'.repeat(2000)}"}`, /bytes/],
  ];
  for (const [subject, payload, why] of cases) {
    const r = decodeSignal('veh-a', subject, bytes(payload), NOW_US);
    assert.ok('problem' in r, `${subject} ${payload.slice(0, 60)} was accepted`);
    assert.match(r.problem, why, payload.slice(0, 60));
  }
  // Invalid UTF-8 too.
  assert.ok('problem' in decodeSignal('veh-a', speed, new Uint8Array([0x7b, 0xff, 0xfe, 0x7d]), NOW_US));
});

test('property: decodeSignal never throws, and whatever it accepts is a catalogued path with an in-range value', () => {
  const paths = [...Object.keys(SIGNAL_SPECS), 'Vehicle.Nope', 'x', '__proto__'];
  fc.assert(
    fc.property(fc.constantFrom(...paths), fc.oneof(fc.uint8Array({ maxLength: 64 }), fc.json().map(bytes), fc.record({ value: fc.double(), timestampUs: fc.double() }).map((r) => bytes(JSON.stringify(r)))), (path, data) => {
      const r = decodeSignal('veh-a', subjects.vss('veh-a', path), data, NOW_US);
      if ('sample' in r) {
        const spec = SIGNAL_SPECS[r.sample.path];
        assert.ok(spec && Object.hasOwn(SIGNAL_SPECS, r.sample.path));
        const v = r.sample.value as number;
        assert.ok(Number.isFinite(v) && (spec.extra?.includes(v) || (v >= spec.min && v <= spec.max)));
      }
    }),
    { numRuns: 500 },
  );
});
