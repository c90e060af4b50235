import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { writeMountToConfigFile } from '../../../src/calibration/configFile.js';
import { loadConfig } from '../../../src/config/loadConfig.js';
import type { MountConfig } from '../../../src/config/types.js';

const MOUNT: MountConfig = { heightM: 1.0812, pitchDeg: 33.51, yawDeg: 2.502, rollDeg: -1.492, lateralM: 0.1201, longitudinalM: 0 };

function withDir(fn: (dir: string) => Promise<void>): Promise<void> {
  const dir = mkdtempSync(join(tmpdir(), 'revcam-cfg-'));
  return fn(dir).finally(() => rmSync(dir, { recursive: true, force: true }));
}

test('a YAML file without cameras gets every running camera (a cameras section replaces the built-in list), the calibrated one with its new mount', () =>
  withDir(async (dir) => {
    const file = join(dir, 'revcam.yaml');
    const text = '# keep me\nserver: { port: 9000 }\n';
    writeFileSync(file, text);
    const before = loadConfig({ file });
    await writeMountToConfigFile(file, 'rear', MOUNT, before.cameras);
    const after = loadConfig({ file });
    assert.deepEqual(Object.keys(after.cameras), Object.keys(before.cameras));
    assert.deepEqual(after.cameras.rear!.calibration.mount, MOUNT);
    assert.deepEqual(after.cameras.cabin, before.cameras.cabin);
    assert.equal(after.server.port, 9000);
    assert.match(readFileSync(file, 'utf8'), /^# keep me/);
    assert.equal(readFileSync(`${file}.bak`, 'utf8'), text);
    assert.deepEqual(readdirSync(dir).sort(), ['revcam.yaml', 'revcam.yaml.bak'], 'no temporary file is left');
  }));

test('a JSON file is edited as JSON', () =>
  withDir(async (dir) => {
    const file = join(dir, 'revcam.json');
    writeFileSync(file, JSON.stringify({ cameras: { rear: { fps: 20 } } }));
    await writeMountToConfigFile(file, 'rear', MOUNT, loadConfig({ file }).cameras);
    const after = loadConfig({ file });
    assert.deepEqual(after.cameras.rear!.calibration.mount, MOUNT);
    assert.equal(after.cameras.rear!.fps, 20);
  }));

test('a result the config schema refuses is never written: file untouched, no backup, no temporary file', () =>
  withDir(async (dir) => {
    const file = join(dir, 'revcam.yaml');
    const text = 'cameras:\n  rear: { fps: 20 }\n';
    writeFileSync(file, text);
    await assert.rejects(writeMountToConfigFile(file, 'rear', { ...MOUNT, heightM: 42 }, loadConfig({ file }).cameras), /heightM/);
    assert.equal(readFileSync(file, 'utf8'), text);
    assert.equal(existsSync(`${file}.bak`), false);
    assert.deepEqual(readdirSync(dir), ['revcam.yaml']);
  }));
