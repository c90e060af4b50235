import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DeviceAuth, isLoopback } from '../../../src/device/DeviceAuth.js';

const devices = [{ id: 'head-unit', token: 'hu-secret-token-0123456789', role: 'head-unit' as const }];

test('a known token identifies its device from anywhere', () => {
  const auth = new DeviceAuth({ anonymousLoopback: false, devices });
  assert.equal(auth.authenticate('hu-secret-token-0123456789', '10.0.0.7').id, 'head-unit');
});

test('a wrong token is refused, even from loopback', () => {
  const auth = new DeviceAuth({ anonymousLoopback: true, devices });
  assert.throws(() => auth.authenticate('nope', '127.0.0.1'), { code: 'UNAUTHORIZED' });
});

test('no token: loopback only when anonymousLoopback is on, never from the network', () => {
  const open = new DeviceAuth({ anonymousLoopback: true, devices });
  assert.equal(open.authenticate(undefined, '127.0.0.1').anonymous, true);
  assert.throws(() => open.authenticate(undefined, '192.168.1.20'), { code: 'UNAUTHORIZED' });
  const closed = new DeviceAuth({ anonymousLoopback: false, devices });
  assert.throws(() => closed.authenticate(undefined, '127.0.0.1'), { code: 'UNAUTHORIZED' });
});

test('loopback addresses are recognised in IPv4, IPv6 and mapped form', () => {
  for (const a of ['127.0.0.1', '::1', '::ffff:127.0.0.1']) assert.ok(isLoopback(a), a);
  for (const a of ['10.0.0.1', '::ffff:10.0.0.1', undefined]) assert.ok(!isLoopback(a), String(a));
});
