import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { IncomingMessage } from 'node:http';
import { clientFrom, TrustedProxies } from '../../../src/device/clientContext.js';
import { DEFAULT_ROLES } from '../../../src/config/defaults.js';
import { DeviceAuth } from '../../../src/device/DeviceAuth.js';

/** The parts of a request clientFrom reads: headers and the socket. */
function req(peer: string, headers: Record<string, string | string[]> = {}, socket: Record<string, unknown> = {}): IncomingMessage {
  return { headers, socket: { remoteAddress: peer, ...socket } } as unknown as IncomingMessage;
}
const url = new URL('http://x/');

test('X-Forwarded-For from an untrusted peer is ignored', () => {
  const c = clientFrom(req('10.0.0.5', { 'x-forwarded-for': '127.0.0.1' }), url, undefined, new TrustedProxies(['10.0.0.1']));
  assert.deepEqual(c, { token: undefined, address: '10.0.0.5', forwarded: false });
});

test('behind a trusted proxy the client is the right-most untrusted hop and the request is forwarded', () => {
  const proxies = new TrustedProxies(['127.0.0.1', '10.1.0.0/16']);
  const c = clientFrom(req('::ffff:127.0.0.1', { 'x-forwarded-for': ['6.6.6.6, 203.0.113.9', '10.1.2.3'] }), url, undefined, proxies);
  assert.equal(c.address, '203.0.113.9', 'the client-written 6.6.6.6 is not believed');
  assert.equal(c.forwarded, true);
});

test('a trusted peer without X-Forwarded-For is still forwarded (never loopback); a garbage hop is an unknown client', () => {
  const proxies = new TrustedProxies(['127.0.0.1']);
  assert.deepEqual(clientFrom(req('127.0.0.1'), url, undefined, proxies), { token: undefined, address: '127.0.0.1', forwarded: true });
  assert.equal(clientFrom(req('127.0.0.1', { 'x-forwarded-for': 'not-an-ip' }), url, undefined, proxies).address, undefined);
});

test('trustProxy entries must be addresses or CIDR ranges', () => {
  for (const bad of ['proxy.local', '10.0.0.0/33', '10.0.0.1/8/1', '::1/x']) assert.throws(() => new TrustedProxies([bad]), /server\.trustProxy/, bad);
  assert.doesNotThrow(() => new TrustedProxies(['::1', 'fd00::/8', '192.168.0.0/24']));
});

test('only a verified (authorized) TLS client certificate gives a common name', () => {
  const cert = { getPeerCertificate: () => ({ subject: { CN: 'ecu-7' } }) };
  assert.equal(clientFrom(req('10.0.0.7', {}, { encrypted: true, authorized: true, ...cert }), url).certCommonName, 'ecu-7');
  assert.equal(clientFrom(req('10.0.0.7', {}, { encrypted: true, authorized: false, ...cert }), url).certCommonName, undefined);
});

test('DeviceAuth: a forwarded request is never loopback, and the device carries the forwarded address', async () => {
  const auth = new DeviceAuth({ anonymousLoopback: true, roles: DEFAULT_ROLES, devices: [{ id: 'hu', role: 'head-unit', token: 'hu-secret-token-0123456789' }] }, { trustProxy: ['127.0.0.1'] });
  await assert.rejects(auth.fromRequest(req('127.0.0.1', { 'x-forwarded-for': '127.0.0.1' }), url), { code: 'UNAUTHORIZED' });
  const d = await auth.fromRequest(req('127.0.0.1', { 'x-forwarded-for': '203.0.113.9', authorization: 'Bearer hu-secret-token-0123456789' }), url);
  assert.deepEqual(d, { id: 'hu', role: 'head-unit', anonymous: false, address: '203.0.113.9' });
  const direct = new DeviceAuth({ anonymousLoopback: true, roles: DEFAULT_ROLES, devices: [] });
  assert.equal((await direct.fromRequest(req('127.0.0.1', { 'x-forwarded-for': '203.0.113.9' }), url)).anonymous, true, 'no trustProxy: XFF ignored');
});

test('DeviceAuth maps a verified certificate common name to its device', async () => {
  const auth = new DeviceAuth({ anonymousLoopback: false, roles: DEFAULT_ROLES, devices: [{ id: 'cam-ecu', role: 'head-unit', certCommonName: 'ecu-7' }] });
  const client = (certCommonName?: string) => ({ token: undefined, address: '10.0.0.7', forwarded: false, ...(certCommonName !== undefined && { certCommonName }) });
  assert.equal((await auth.authenticate(client('ecu-7'))).id, 'cam-ecu');
  await assert.rejects(auth.authenticate(client('ecu-8')), { code: 'UNAUTHORIZED' });
  await assert.rejects(auth.authenticate(client()), { code: 'UNAUTHORIZED' });
});
