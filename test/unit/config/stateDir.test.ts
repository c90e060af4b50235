/** config.stateDir (docs/deploy.md, "The state directory"): ./state, or systemd's $STATE_DIRECTORY, unless the file names one. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { join } from 'node:path';
import { loadConfig, stateDirOf } from '../../../src/config/loadConfig.js';

test('stateDir defaults to ./state, resolved from the working directory', () => {
  const config = loadConfig({ env: {} });
  assert.equal(config.stateDir, './state');
  assert.equal(stateDirOf(config), join(process.cwd(), 'state'));
  assert.equal(stateDirOf(config, '/srv/revcam'), '/srv/revcam/state');
});

test('under systemd the default is $STATE_DIRECTORY (the first, when StateDirectory= names several)', () => {
  assert.equal(loadConfig({ env: { STATE_DIRECTORY: '/var/lib/revcam' } }).stateDir, '/var/lib/revcam');
  assert.equal(loadConfig({ env: { STATE_DIRECTORY: '/var/lib/revcam:/var/lib/other' } }).stateDir, '/var/lib/revcam');
  assert.equal(stateDirOf(loadConfig({ env: { STATE_DIRECTORY: '/var/lib/revcam' } }), '/elsewhere'), '/var/lib/revcam');
  assert.equal(loadConfig({ env: { STATE_DIRECTORY: '' } }).stateDir, './state');
});

test('a stateDir in the file wins over $STATE_DIRECTORY; an empty or non-string one is refused', () => {
  assert.equal(loadConfig({ raw: { stateDir: '/data/revcam' }, env: { STATE_DIRECTORY: '/var/lib/revcam' } }).stateDir, '/data/revcam');
  assert.throws(() => loadConfig({ raw: { stateDir: '' } }), /\/stateDir/);
  assert.throws(() => loadConfig({ raw: { stateDir: 42 } }), /\/stateDir/);
});
