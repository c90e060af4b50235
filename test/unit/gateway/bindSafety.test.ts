import { test } from 'node:test';
import assert from 'node:assert/strict';
import { ConfigError, loadConfig } from '../../../src/config/loadConfig.js';
import { checkBindSafety, isLoopbackHost } from '../../../src/gateway/bindSafety.js';

test('loopback hosts are 127/8, ::1 and localhost; everything else reaches other machines', () => {
  for (const h of ['127.0.0.1', '127.1.2.3', '::1', '[::1]', 'localhost', 'LOCALHOST']) assert.equal(isLoopbackHost(h), true, h);
  for (const h of ['0.0.0.0', '::', '192.168.1.20', 'fe80::1', 'revcam.local', '127.example.com']) assert.equal(isLoopbackHost(h), false, h);
});

test('a non-loopback bind needs a device credential; the refusal is one line naming auth.devices and server.host', () => {
  for (const host of ['0.0.0.0', '::', '192.168.1.20']) {
    const config = loadConfig({ raw: {}, overrides: { host } });
    assert.throws(() => checkBindSafety(config), (err: unknown) => err instanceof ConfigError && !err.message.includes('\n') && /auth\.devices/.test(err.message) && /server\.host/.test(err.message), host);
  }
  assert.doesNotThrow(() => checkBindSafety(loadConfig({ raw: {} })), 'the loopback default');
  const withToken = loadConfig({ raw: { auth: { devices: [{ id: 'hu', role: 'head-unit', token: 'hu-secret-token-0123456789' }] } }, overrides: { host: '0.0.0.0' } });
  assert.doesNotThrow(() => checkBindSafety(withToken));
});

test('a certificate name counts as a credential only when the server asks for client certificates', () => {
  const devices = [{ id: 'ecu', role: 'head-unit', certCommonName: 'ecu-7' }];
  const tls = { certFile: 's.crt', keyFile: 's.key', caFile: 'ca.crt' };
  assert.throws(() => checkBindSafety(loadConfig({ raw: { server: { host: '0.0.0.0', tls: { ...tls, requestClientCert: false } }, auth: { devices } } })), ConfigError);
  assert.doesNotThrow(() => checkBindSafety(loadConfig({ raw: { server: { host: '0.0.0.0', tls: { ...tls, requestClientCert: true } }, auth: { devices } } })));
});
