/** Matching across vehicles (a gateway on a NATS bus sees several): docs/protocol.md §3.1 `vehicle`. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Registry, type InstanceDescriptor } from '../../../src/registry/Registry.js';
import { RevcamError } from '../../../src/errors/RevcamError.js';

function instance(id: string, vehicle: string | undefined, location: 'local' | 'remote' = 'remote'): InstanceDescriptor {
  return {
    id,
    name: 'reversing',
    version: '1.0.0',
    kind: 'reversing',
    cameras: ['rear'],
    codecs: ['jpeg'],
    cameraInfo: { rear: { width: 1280, fps: 30 } },
    location,
    vehicle,
    health: () => 'running',
    viewers: () => 0,
  };
}

function errorOf(fn: () => unknown): RevcamError {
  try {
    fn();
  } catch (err) {
    assert.ok(err instanceof RevcamError);
    return err;
  }
  assert.fail('expected an error');
}

const req = { service: 'reversing', camera: 'rear', codec: 'jpeg' as const };

test('without a vehicle, the only vehicle offering the service is used', () => {
  const r = new Registry();
  r.register(instance('veh-a/reversing', 'veh-a'));
  assert.equal(r.match(req).id, 'veh-a/reversing');
});

test('a named vehicle selects its instance among several', () => {
  const r = new Registry();
  r.register(instance('veh-a/reversing', 'veh-a'));
  r.register(instance('veh-b/reversing', 'veh-b'));
  assert.equal(r.match({ ...req, vehicle: 'veh-b' }).id, 'veh-b/reversing');
  assert.equal(r.match({ ...req, vehicle: 'veh-a' }).id, 'veh-a/reversing');
});

test('several vehicles and no vehicle named: BAD_REQUEST naming them', () => {
  const r = new Registry();
  r.register(instance('veh-a/reversing', 'veh-a'));
  r.register(instance('veh-b/reversing', 'veh-b'));
  const e = errorOf(() => r.match(req));
  assert.equal(e.code, 'BAD_REQUEST');
  assert.match(e.message, /veh-a, veh-b/);
});

test('several vehicles and no vehicle named: the default vehicle (this process\'s own) when it offers the service', () => {
  const r = new Registry();
  r.register(instance('reversing', 'veh-a', 'local'));
  r.register(instance('veh-b/reversing', 'veh-b'));
  r.defaultVehicle = 'veh-a';
  assert.equal(r.match(req).id, 'reversing');
  r.defaultVehicle = 'veh-c'; // offers nothing: still ambiguous
  assert.equal(errorOf(() => r.match(req)).code, 'BAD_REQUEST');
});

test('a vehicle nobody serves: SERVICE_NOT_FOUND naming the vehicles that do', () => {
  const r = new Registry();
  r.register(instance('veh-a/reversing', 'veh-a'));
  const e = errorOf(() => r.match({ ...req, vehicle: 'veh-z' }));
  assert.equal(e.code, 'SERVICE_NOT_FOUND');
  assert.match(e.message, /veh-z/);
  assert.match(e.message, /veh-a/);
});

test('the embedded default names no vehicle and matches as before', () => {
  const r = new Registry();
  r.register(instance('reversing', undefined, 'local'));
  assert.equal(r.match(req).id, 'reversing');
  assert.equal(errorOf(() => r.match({ ...req, vehicle: 'veh-a' })).code, 'SERVICE_NOT_FOUND');
});
