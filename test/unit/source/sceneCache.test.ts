import { test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readdirSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import { RearScene } from '../../../src/source/synthetic/rearScene.js';
import { MAX_FILES, readSceneCache, sceneCacheDir, sceneCacheFile, writeSceneCache } from '../../../src/source/synthetic/sceneCache.js';

const camera = { ...DEFAULT_CONFIG.cameras.rear!, width: 160, height: 90 };
const vehicle = DEFAULT_CONFIG.vehicle;

test('a kept background is read back and makes the same pictures as drawing it', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revcam-scenes-'));
  try {
    const file = sceneCacheFile('rear', { camera, vehicle }, dir);
    const drawn = new RearScene(camera, vehicle);
    assert.equal(readSceneCache(file, 160 * 90 * 3), undefined, 'nothing kept yet');
    writeSceneCache(file, drawn.staticImage);
    const kept = readSceneCache(file, 160 * 90 * 3);
    assert.ok(kept && kept.equals(drawn.staticImage));
    const fromCache = new RearScene(camera, vehicle, undefined, kept);
    assert.ok(Buffer.from(fromCache.render(4e6, 7)).equals(Buffer.from(drawn.render(4e6, 7))), 'same frame');
    assert.equal(readSceneCache(file, 10), undefined, 'a file of the wrong size is not used');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});

test('the key changes with the camera and the vehicle; the cache is bounded; REVCAM_CACHE_DIR="" turns it off', () => {
  const dir = mkdtempSync(join(tmpdir(), 'revcam-scenes-'));
  try {
    const a = sceneCacheFile('rear', { camera, vehicle }, dir);
    assert.equal(sceneCacheFile('rear', { camera, vehicle }, dir), a);
    assert.notEqual(sceneCacheFile('rear', { camera: { ...camera, mirror: !camera.mirror }, vehicle }, dir), a);
    assert.notEqual(sceneCacheFile('rear', { camera, vehicle: { ...vehicle, widthM: 2 } }, dir), a);
    for (let i = 0; i < MAX_FILES + 4; i++) writeSceneCache(sceneCacheFile('rear', { camera, vehicle, i }, dir), Buffer.alloc(3));
    assert.ok(readdirSync(dir).filter((f) => f.endsWith('.rgb')).length <= MAX_FILES);
    assert.equal(sceneCacheDir({ REVCAM_CACHE_DIR: '' }), undefined);
    assert.equal(sceneCacheDir({ REVCAM_CACHE_DIR: '/x' }), '/x/scenes');
    assert.equal(sceneCacheDir({ XDG_CACHE_HOME: '/c' }), '/c/revcam/scenes');
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
});
