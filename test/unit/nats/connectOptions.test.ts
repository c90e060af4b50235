/** The config's `nats` section becomes connect() options; bad combinations are config errors (docs/distributed.md). */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Writable } from 'node:stream';
import { natsAuthOptions } from '../../../src/nats/connectOptions.js';
import { ConfigError, loadConfig } from '../../../src/config/loadConfig.js';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import { createLogger } from '../../../src/log/logger.js';
import type { NatsConfig } from '../../../src/config/types.js';

const none: NatsConfig = DEFAULT_CONFIG.nats;
const dir = mkdtempSync(join(tmpdir(), 'revcam-natsopts-'));

test('the default (no credentials, no TLS) adds no connect options', () => {
  assert.deepEqual(natsAuthOptions(none), {});
});

test('user/pass and token pass through; nkey and creds files become authenticators', () => {
  assert.deepEqual(natsAuthOptions({ ...none, user: 'u', pass: 'p' }), { user: 'u', pass: 'p' });
  assert.deepEqual(natsAuthOptions({ ...none, token: 't' }), { token: 't' });
  const seed = join(dir, 'user.nk');
  writeFileSync(seed, 'SUAMLK2ZNL35WSMW37E7UD4VZ7ELPKW7DHC3BWBSD2GCZ7IUQQXZIORRBU\n');
  assert.equal(typeof natsAuthOptions({ ...none, nkeySeedFile: seed }).authenticator, 'function');
  const creds = join(dir, 'user.creds');
  writeFileSync(creds, '-----BEGIN NATS USER JWT-----\nx\n------END NATS USER JWT------\n');
  assert.equal(typeof natsAuthOptions({ ...none, credsFile: creds }).authenticator, 'function');
});

test('tls maps to the client TLS options; {} with all null still requires TLS', () => {
  const ca = join(dir, 'ca.pem');
  writeFileSync(ca, 'x');
  assert.deepEqual(natsAuthOptions({ ...none, tls: { caFile: ca, certFile: null, keyFile: null } }).tls, { caFile: ca });
  assert.deepEqual(natsAuthOptions({ ...none, tls: { caFile: null, certFile: ca, keyFile: ca } }).tls, { certFile: ca, keyFile: ca });
  assert.deepEqual(natsAuthOptions({ ...none, tls: { caFile: null, certFile: null, keyFile: null } }).tls, {});
});

test('bad combinations and unreadable files are one-line config errors', () => {
  const cases: [Partial<NatsConfig>, RegExp][] = [
    [{ user: 'u', pass: 'p', token: 't' }, /one way to authenticate, not user\/pass and token/],
    [{ token: 't', credsFile: '/x' }, /not token and credsFile/],
    [{ user: 'u' }, /user and pass go together/],
    [{ pass: 'p' }, /user and pass go together/],
    [{ credsFile: join(dir, 'missing.creds') }, /\/nats\/credsFile: cannot read .*ENOENT/],
    [{ nkeySeedFile: join(dir, 'missing.nk') }, /\/nats\/nkeySeedFile: cannot read/],
    [{ tls: { caFile: null, certFile: '/c', keyFile: null } }, /certFile and keyFile go together/],
    [{ tls: { caFile: join(dir, 'missing.pem'), certFile: null, keyFile: null } }, /\/nats\/tls\.caFile: cannot read/],
  ];
  for (const [c, says] of cases) {
    assert.throws(() => natsAuthOptions({ ...none, ...c }), (e: Error) => e instanceof ConfigError && says.test(e.message) && !e.message.includes('\n'), JSON.stringify(c));
  }
});

test('the config schema takes a nats section and refuses credentials in nats.url', () => {
  const c = loadConfig({ raw: { nats: { url: 'nats://a:4222, nats://b:4222', user: 'u', pass: 'p' } } });
  assert.equal(c.nats.url, 'nats://a:4222, nats://b:4222');
  assert.equal(c.nats.token, null);
  assert.throws(() => loadConfig({ raw: { nats: { url: 'nats://u:secret@a:4222' } } }), /invalid config: \/nats\/url/);
  assert.throws(() => loadConfig({ raw: { nats: { password: 'x' } } }), /\/nats\/password/);
});

test('the logger redacts pass (and token) fields, so a logged nats section shows no secret', async () => {
  let out = '';
  const sink = new Writable({ write: (c: Buffer, _e, done) => ((out += c.toString()), done()) });
  createLogger('info', 'test', sink).info({ pass: 'p1', nats: { user: 'u', pass: 'p2', token: 't3' } }, 'nats');
  await new Promise((r) => setImmediate(r));
  for (const s of ['p1', 'p2', 't3']) assert.ok(!out.includes(`"${s}"`), `${s} logged: ${out}`);
  assert.match(out, /"user":"u"/);
});
