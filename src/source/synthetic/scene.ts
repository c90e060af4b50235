/** What a synthetic camera renders: a picture of the world at a given instant. */
import type { CameraConfig, VehicleConfig } from '../../config/types.js';
import { CabinScene } from './cabinScene.js';
import { RearScene } from './rearScene.js';
import { readSceneCache, sceneCacheFile, writeSceneCache } from './sceneCache.js';

export interface Scene {
  readonly width: number;
  readonly height: number;
  /**
   * Renders the scene as it is at `timeUs` (epoch microseconds) into an RGB
   * buffer (3 bytes a pixel). The buffer is reused: it is valid until the next call.
   */
  render(timeUs: number, frameNo: number): Buffer;
}

/**
 * Scenes are kept per camera config object: building the static background
 * costs 50 ms to over a second, paid once per process (a warm-standby service
 * pays it at start, see prewarmScenes), not at every camera open; and the
 * background itself is kept on disk (sceneCache.ts), so a new process reads
 * it instead of drawing it.
 */
const scenes = new WeakMap<CameraConfig, Scene>();

/** `name`: the camera's id, burnt into the stamp (a scene is built once per config object, so once per camera). */
export function createScene(camera: CameraConfig, vehicle: VehicleConfig, name?: string): Scene {
  let scene = scenes.get(camera);
  if (!scene) {
    const cabin = camera.scene === 'cabin';
    const file = sceneCacheFile(camera.scene, cabin ? { camera } : { camera, vehicle });
    const kept = readSceneCache(file, camera.width * camera.height * 3);
    const built = cabin ? new CabinScene(camera, kept) : new RearScene(camera, vehicle, name, kept);
    // Written after this turn: the first frame does not wait for the disk (the background is never modified).
    if (!kept && file) setImmediate(() => writeSceneCache(file, built.staticImage)).unref();
    scene = built;
    scenes.set(camera, scene);
  }
  return scene;
}

/** Builds the scenes of a service's synthetic cameras ahead of the first open. */
export function prewarmScenes(cameras: Readonly<Record<string, CameraConfig>>, vehicle: VehicleConfig): void {
  for (const [name, camera] of Object.entries(cameras)) if (camera.source === 'synthetic') createScene(camera, vehicle, name);
}
