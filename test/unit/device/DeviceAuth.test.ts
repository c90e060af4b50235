import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ROLES } from '../../../src/config/defaults.js';
import type { DeviceConfig } from '../../../src/config/types.js';
import { DeviceAuth, isLoopback } from '../../../src/device/DeviceAuth.js';
import type { ClientContext } from '../../../src/device/clientContext.js';
import { hashToken } from '../../../src/device/tokenHash.js';
import { SELECTED_GEAR, VSS, type SignalValue } from '../../../src/wire/signals.js';

const devices: DeviceConfig[] = [{ id: 'head-unit', token: 'hu-secret-token-0123456789', role: 'head-unit' }];
const make = (anonymousLoopback: boolean, list: DeviceConfig[] = devices, signals?: Record<string, SignalValue>) =>
  new DeviceAuth({ anonymousLoopback, devices: list, roles: DEFAULT_ROLES }, signals ? { signals: () => (p) => signals[p] } : {});
const client = (token: string | undefined, address: string | undefined, extra: Partial<ClientContext> = {}): ClientContext => ({ token, address, forwarded: false, ...extra });

test('a known token identifies its device from anywhere', async () => {
  assert.equal((await make(false).authenticate(client('hu-secret-token-0123456789', '10.0.0.7'))).id, 'head-unit');
});

test('a wrong token is refused, even from loopback', async () => {
  await assert.rejects(make(true).authenticate(client('nope', '127.0.0.1')), { code: 'UNAUTHORIZED' });
});

test('no token: loopback only when anonymousLoopback is on, never from the network or through a proxy', async () => {
  const open = make(true);
  assert.equal((await open.authenticate(client(undefined, '127.0.0.1'))).anonymous, true);
  await assert.rejects(open.authenticate(client(undefined, '192.168.1.20')), { code: 'UNAUTHORIZED' });
  await assert.rejects(open.authenticate(client(undefined, '127.0.0.1', { forwarded: true })), { code: 'UNAUTHORIZED' });
  await assert.rejects(make(false).authenticate(client(undefined, '127.0.0.1')), { code: 'UNAUTHORIZED' });
});

test('loopback addresses are recognised in IPv4, IPv6 and mapped form', () => {
  for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', undefined]) assert.ok(!isLoopback(a), String(a));
});

test('every default role gets exactly its rights; a denial names the role and the right', () => {
  const auth = make(false);
  const dev = (role: string) => ({ id: role, role, anonymous: false });
  const allowed = (role: string, action: Parameters<DeviceAuth['authorize']>[1]) => {
    try {
      auth.authorize(dev(role), action);
      return true;
    } catch (err) {
      assert.equal((err as { code: string }).code, 'FORBIDDEN');
      assert.match((err as Error).message, new RegExp(`"${role}"`));
      return false;
    }
  };
  const stream = { kind: 'stream', service: 'reversing', camera: 'rear' } as const;
  const table: Record<string, [boolean, boolean, boolean, boolean, boolean]> = {
    //            stream read  write  calibrate admin
    'head-unit': [true, true, false, false, false],
    cluster: [true, true, false, false, false],
    probe: [true, true, false, false, false],
    phone: [false, true, false, false, false], // not parked, no consent: the policy refuses
    remote: [false, false, false, false, false],
    controller: [false, true, true, false, false],
    admin: [false, true, false, false, true],
    local: [true, true, true, true, true],
    system: [false, false, false, false, false],
  };
  for (const [role, want] of Object.entries(table)) {
    const got = [allowed(role, stream), allowed(role, { kind: 'readSignals' }), allowed(role, { kind: 'writeSignals' }), allowed(role, { kind: 'calibrate' }), allowed(role, { kind: 'admin' })];
    assert.deepEqual(got, want, role);
  }
  assert.throws(() => auth.authorize(dev('head-unit'), { kind: 'writeSignals' }), /role "head-unit" lacks the writeSignals right/);
});

test('stream lists restrict services, cameras and named vehicles', () => {
  const roles = { ...DEFAULT_ROLES, valet: { ...DEFAULT_ROLES['head-unit']!, stream: { services: ['reversing'], cameras: ['rear'], vehicles: ['VIN1'] } } };
  const auth = new DeviceAuth({ anonymousLoopback: false, devices: [], roles });
  const valet = { id: 'v', role: 'valet', anonymous: false };
  auth.authorize(valet, { kind: 'stream', service: 'reversing', camera: 'rear' });
  auth.authorize(valet, { kind: 'stream', service: 'reversing', camera: 'rear', vehicle: 'VIN1' });
  assert.throws(() => auth.authorize(valet, { kind: 'stream', service: 'cabin-view', camera: 'rear' }), /may not stream service "cabin-view"/);
  assert.throws(() => auth.authorize(valet, { kind: 'stream', service: 'reversing', camera: 'cabin' }), /may not stream camera "cabin"/);
  assert.throws(() => auth.authorize(valet, { kind: 'stream', service: 'reversing', camera: 'rear', vehicle: 'VIN2' }), /vehicle "VIN2"/);
});

test('a phone streams only while parked and with consent, as the signals say now', () => {
  const signals: Record<string, SignalValue> = { [VSS.selectedGear]: -1, [VSS.remoteViewConsent]: 1 };
  const auth = make(false, devices, signals);
  const phone = { id: 'p', role: 'phone', anonymous: false };
  const stream = { kind: 'stream', service: 'reversing', camera: 'rear' } as const;
  assert.throws(() => auth.authorize(phone, stream), /role "phone" may stream only while the vehicle is parked/);
  signals[VSS.selectedGear] = SELECTED_GEAR.park;
  auth.authorize(phone, stream);
  signals[VSS.remoteViewConsent] = 0;
  assert.throws(() => auth.authorize(phone, stream), /owner consents/);
});

test('a tokenHash device is found by its token; concurrent and later requests share one verification', async () => {
  const token = 'phone-token-abcdefghijklmnopqrstuvwxyz';
  // A budget of one verification: 200 concurrent requests with the same new token must not need more.
  const auth = new DeviceAuth({ anonymousLoopback: false, devices: [{ id: 'phone-1', role: 'phone', tokenHash: hashToken(token) }], roles: DEFAULT_ROLES }, { hashChecksPerSecond: 0.5, clock: () => 0 });
  const all = await Promise.all(Array.from({ length: 200 }, () => auth.authenticate(client(token, '10.0.0.9'))));
  assert.ok(all.every((d) => d.id === 'phone-1'));
  assert.equal((await auth.authenticate(client(token, '10.0.0.9'))).id, 'phone-1', 'cached: no budget needed');
  // The budget is spent, so a new wrong token is turned away without running scrypt.
  await assert.rejects(auth.authenticate(client('wrong-token-abcdefghijklmnopqrstuvwxyz', '10.0.0.9')), { code: 'CAPACITY_EXCEEDED' });
});

test('a wrong token is refused, remembered, and a flood of new ones runs into the budget, not the CPU', async () => {
  const auth = new DeviceAuth({ anonymousLoopback: false, devices: [{ id: 'd', role: 'phone', tokenHash: hashToken('right-token-abcdefghijklmnopqrstuvwxyz') }], roles: DEFAULT_ROLES }, { hashChecksPerSecond: 2, clock: () => 0 });
  const codes: string[] = [];
  for (let i = 0; i < 10; i++) {
    await auth.authenticate(client(`wrong-${i}-abcdefghijklmnopqrstuvwxyz`, '10.0.0.9')).catch((err: { code: string }) => codes.push(err.code));
  }
  assert.equal(codes.filter((c) => c === 'UNAUTHORIZED').length, 4, codes.join());
  assert.equal(codes.filter((c) => c === 'CAPACITY_EXCEEDED').length, 6, codes.join());
  // A token already found wrong is answered from the cache: UNAUTHORIZED, not CAPACITY_EXCEEDED.
  await assert.rejects(auth.authenticate(client('wrong-0-abcdefghijklmnopqrstuvwxyz', '10.0.0.9')), { code: 'UNAUTHORIZED' });
});

test('a verified certificate name identifies its device; a token of another device is refused', async () => {
  const list: DeviceConfig[] = [
    { id: 'hu', role: 'head-unit', certCommonName: 'hu.vehicle.local' },
    { id: 'cl', role: 'cluster', token: 'cluster-secret-token-0123456789' },
  ];
  const auth = make(false, list);
  assert.equal((await auth.authenticate(client(undefined, '10.0.0.2', { certCommonName: 'hu.vehicle.local' }))).id, 'hu');
  await assert.rejects(auth.authenticate(client('cluster-secret-token-0123456789', '10.0.0.2', { certCommonName: 'hu.vehicle.local' })), /different devices/);
  await assert.rejects(auth.authenticate(client(undefined, '10.0.0.2', { certCommonName: 'other' })), { code: 'UNAUTHORIZED' });
});

test('a plain token warns once at start-up, naming the device and never the token', () => {
  const lines: string[] = [];
  const log = { warn: (obj: object, msg: string) => void lines.push(JSON.stringify(obj) + msg) } as never;
  new DeviceAuth({ anonymousLoopback: false, devices, roles: DEFAULT_ROLES }, { log });
  assert.equal(lines.length, 1);
  assert.match(lines[0]!, /head-unit/);
  assert.doesNotMatch(lines[0]!, /hu-secret-token/);
});

test('a malformed tokenHash is a config error naming the device entry', () => {
  assert.throws(() => make(false, [{ id: 'x', role: 'phone', tokenHash: 'scrypt$nonsense' }]), /\/auth\/devices\/0\/tokenHash/);
});

test('signal writes are confined to the role\'s vehicles: its own list, else stream.vehicles', () => {
  const roles = {
    ...DEFAULT_ROLES,
    'fleet-a': { ...DEFAULT_ROLES.controller!, vehicles: ['veh-a'] },
    'viewer-a': { ...DEFAULT_ROLES.controller!, vehicles: undefined, stream: { services: ['*'], cameras: ['*'], vehicles: ['veh-a'] } },
  };
  const auth = new DeviceAuth({ anonymousLoopback: false, devices: [], roles });
  const as = (role: string) => ({ id: role, role, anonymous: false });
  assert.doesNotThrow(() => auth.authorize(as('fleet-a'), { kind: 'writeSignals', vehicle: 'veh-a' }));
  assert.throws(() => auth.authorize(as('fleet-a'), { kind: 'writeSignals', vehicle: 'veh-b' }), { code: 'FORBIDDEN', message: /writeSignals for vehicle "veh-b"/ });
  assert.throws(() => auth.authorize(as('viewer-a'), { kind: 'writeSignals', vehicle: 'veh-b' }), { code: 'FORBIDDEN' });
  assert.doesNotThrow(() => auth.authorize(as('viewer-a'), { kind: 'writeSignals', vehicle: 'veh-a' }));
  assert.doesNotThrow(() => auth.authorize(as('controller'), { kind: 'writeSignals', vehicle: 'veh-b' }), 'the built-in controller: any vehicle');
  assert.doesNotThrow(() => auth.authorize(as('fleet-a'), { kind: 'writeSignals' }), 'the embedded default names no vehicle');
});
