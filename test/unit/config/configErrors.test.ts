/** A config a newcomer can write (issue 17, section 4): optional fields left out, and one line per mistake. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../src/config/loadConfig.js';
import { closest } from '../../../src/config/configErrors.js';

/** The lines loadConfig refuses `raw` with. */
function mistakes(raw: unknown): string[] {
  try {
    loadConfig({ raw });
  } catch (err) {
    assert.ok(err instanceof ConfigError, String(err));
    for (const line of err.lines) assert.match(line, /^invalid config: \/\S*: /);
    return err.lines.map((l) => l.replace(/^invalid config: /, ''));
  }
  assert.fail(`accepted ${JSON.stringify(raw)}`);
}

test('server.tls { certFile, keyFile } is plain HTTPS: caFile and requestClientCert default', () => {
  const c = loadConfig({ raw: { server: { tls: { certFile: 'cert.pem', keyFile: 'key.pem' } } } });
  assert.deepEqual(c.server.tls, { certFile: 'cert.pem', keyFile: 'key.pem', caFile: null, requestClientCert: false });
});

test('objects that default to null take only what differs: nats.tls, a policy, trueMount, a CAN mapping', () => {
  const c = loadConfig({
    raw: {
      nats: { tls: { caFile: 'ca.pem' } },
      auth: { roles: { viewer: { stream: { services: ['*'] }, policy: { parked: true } } } },
      cameras: { rear: { calibration: { mount: { yawDeg: 5 } }, synthetic: { trueMount: { pitchDeg: 35 } } } },
      signals: { can: { map: [{ signal: 'VEH_Speed.VehicleSpeed', path: 'Vehicle.Speed' }] } },
    },
  });
  assert.deepEqual(c.nats.tls, { caFile: 'ca.pem', certFile: null, keyFile: null });
  assert.deepEqual(c.auth.roles.viewer?.policy, { parked: true, consent: false });
  assert.deepEqual(c.auth.roles.viewer?.stream, { services: ['*'], cameras: [], vehicles: [] });
  // trueMount's left-out fields are the calibrated mount's.
  assert.deepEqual(c.cameras.rear?.synthetic.trueMount, { heightM: 1, pitchDeg: 35, yawDeg: 5, rollDeg: 0, lateralM: 0, longitudinalM: 0 });
  assert.equal(c.signals.can.map[0]?.scale, 1);
  assert.deepEqual(loadConfig({ raw: { services: [{ manifest: 'builtin:reversing' }] } }).services[0], { manifest: 'builtin:reversing', standby: 'cold', idleStopMs: 10_000, restart: { initialDelayMs: 100, maxDelayMs: 5_000 } });
});

test('the messages: pointer, what was found, what is allowed; never an anyOf list', () => {
  assert.deepEqual(mistakes({ server: { port: 70000 } }), ['/server/port: 70000 is not an integer from 0 to 65535']);
  assert.deepEqual(mistakes({ server: { tls: { certFile: 'c.pem', keyFile: 'k.pem', caFile: 42 } } }), ['/server/tls/caFile: expected a file path or null, got 42']);
  assert.deepEqual(mistakes({ server: { tls: { keyFile: 'k.pem' } } }), ['/server/tls/certFile: missing; expected a file path']);
  assert.deepEqual(mistakes({ server: { tls: 'on' } }), ['/server/tls: expected an object or null, got "on"']);
  assert.deepEqual(mistakes({ cameras: { rear: { fsp: 15 } } }), ['/cameras/rear/fsp: unknown property (did you mean "fps"?)']);
  assert.deepEqual(mistakes({ server: null }), ['/server: expected an object, got null']);
  assert.deepEqual(mistakes({ signals: { drive: 'park' } }), ['/signals/drive: "park" is not one of park-left, park-right or null']);
  assert.deepEqual(mistakes({ reverse: { codec: 'vp8' } }), ['/reverse/codec: "vp8" is not one of jpeg, h264']);
  assert.deepEqual(mistakes({ cameras: {} }), ['/cameras: expected at least one camera (name: settings), got an empty object']);
  assert.deepEqual(mistakes({ signals: { can: { map: [{ signal: 'A.B', path: 'Vehicle.X', scale: 0 }] } } }), ['/signals/can/map/0/scale: 0 is not a non-zero number']);
  assert.deepEqual(mistakes({ cameras: { Rear: {} } }), ['/cameras/Rear: "Rear" is not a valid name; expected a name: a lower-case letter, then a-z, 0-9 or -, at most 64']);
  assert.deepEqual(mistakes({ auth: { roles: { phone: { stream: { services: ['Maps'] } } } } }), [
    '/auth/roles/phone/stream/services/0: "Maps" is not "*" or a name: a lower-case letter, then a-z, 0-9 or -, at most 64',
  ]);
  assert.deepEqual(mistakes({ nats: { url: 'nats://user:pw@host:4222' } }), [
    '/nats/url: "nats://***@host:4222" is not a NATS URL, nats://host:port (several: comma-separated; no credentials) or null',
  ]);
  assert.deepEqual(mistakes([1, 2]), ['/: expected an object of settings, got a list']);
});

test('several mistakes: one line each, in the config\'s order', () => {
  const lines = mistakes({ server: { port: -1, hots: 'x' }, log: { level: 'loud' }, auth: { roles: { phone: { policy: { parked: 'yes' } } } } });
  assert.deepEqual(lines, [
    '/server/port: -1 is not an integer from 0 to 65535',
    '/server/hots: unknown property (did you mean "host"?)',
    '/auth/roles/phone/policy/parked: expected true or false, got "yes"',
    '/log/level: "loud" is not one of fatal, error, warn, info, debug, trace, silent',
  ]);
});

test('a secret is never echoed, only its length; devices are checked one line per mistake', () => {
  assert.deepEqual(mistakes({ auth: { devices: [{ id: 'hu', role: 'head-unit', token: 'hunter2' }] } }), ['/auth/devices/0/token: a secret of 7 characters is not a string of 16 to 512 characters']);
  assert.deepEqual(mistakes({ nats: { pass: '' } }), ['/nats/pass: a secret of 0 characters is not a non-empty string or null']);
  assert.deepEqual(
    mistakes({ auth: { devices: [{ id: 'a', role: 'nobody', certCommonName: 'a' }, { id: 'b', role: 'phone' }] } }),
    ['/auth/devices/0/role: no role named "nobody" (roles: head-unit, cluster, probe, phone, remote, controller, admin, local)', '/auth/devices/1: a device needs tokenHash, token or certCommonName'],
  );
});

test('did you mean: a close known name, or none', () => {
  assert.equal(closest('fsp', ['fps', 'width']), 'fps');
  assert.equal(closest('certfile', ['certFile', 'keyFile']), 'certFile');
  assert.equal(closest('colour', ['fps', 'width']), undefined);
});
