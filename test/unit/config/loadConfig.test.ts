import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { ConfigError, loadConfig } from '../../../src/config/loadConfig.js';

test('the defaults make the embedded demo: loopback, synthetic rear camera, warm reversing service', () => {
  const c = loadConfig();
  assert.equal(c.server.host, '127.0.0.1');
  assert.equal(c.cameras.rear?.source, 'synthetic');
  assert.equal(c.cameras.rear?.width, 1280);
  assert.equal(c.services[0]?.manifest, 'builtin:reversing');
  assert.equal(c.services[0]?.standby, 'warm');
  assert.ok(Object.isFrozen(c) && Object.isFrozen(c.server), 'config is frozen');
});

test('a file overrides only what it names; camera entries start from camera defaults', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revcam-cfg-'));
  const file = join(dir, 'revcam.yaml');
  writeFileSync(file, 'server:\n  port: 9999\ncameras:\n  rear:\n    fps: 15\n');
  const c = loadConfig({ file });
  assert.equal(c.server.port, 9999);
  assert.equal(c.server.host, '127.0.0.1');
  assert.equal(c.cameras.rear?.fps, 15);
  assert.equal(c.cameras.rear?.width, 1280);
  assert.deepEqual(Object.keys(c.cameras), ['rear'], 'a file that lists cameras replaces the default list');
});

test('environment and explicit overrides win, in that order', () => {
  const c = loadConfig({ env: { REVCAM_PORT: '7000', REVCAM_HOST: '0.0.0.0' }, overrides: { port: 7001 } });
  assert.equal(c.server.host, '0.0.0.0');
  assert.equal(c.server.port, 7001);
});

test('a bad config fails at start with the field named', () => {
  assert.throws(() => loadConfig({ raw: { server: { port: 'eighty' } } }), (e: unknown) => e instanceof ConfigError && /\/server\/port/.test(e.message));
  assert.throws(() => loadConfig({ raw: { server: { bogus: 1 } } }), (e: unknown) => e instanceof ConfigError && /\/server\/bogus/.test(e.message));
  assert.throws(() => loadConfig({ raw: { cameras: { rear: { calibration: { model: 'spherical' } } } } }), /\/cameras\/rear\/calibration\/model/);
  assert.throws(() => loadConfig({ raw: { auth: { devices: [{ id: 'hu', token: 'short', role: 'head-unit' }] } } }), /\/auth\/devices\/0\/token/);
});

test('every example config in examples/ is valid', async () => {
  const { readdirSync } = await import('node:fs');
  const { dirname, resolve } = await import('node:path');
  const { fileURLToPath } = await import('node:url');
  const examples = resolve(dirname(fileURLToPath(import.meta.url)), '../../../../examples');
  const files = readdirSync(examples).filter((f) => /\.ya?ml$/.test(f));
  assert.ok(files.includes('revcam.yaml'));
  for (const f of files) assert.doesNotThrow(() => loadConfig({ file: join(examples, f) }), f);
});

test('examples/revcam.yaml documents exactly the defaults', () => {
  const file = new URL('../../../../examples/revcam.yaml', import.meta.url).pathname;
  assert.deepEqual(loadConfig({ file }), loadConfig());
});
