/** What a synthetic camera renders: a picture of the world at a given instant. */
import type { CameraConfig, VehicleConfig } from '../../config/types.js';
import { CabinScene } from './cabinScene.js';
import { RearScene } from './rearScene.js';

export interface Scene {
  readonly width: number;
  readonly height: number;
  /**
   * Renders the scene as it is at `timeUs` (epoch microseconds) into an RGB
   * buffer (3 bytes a pixel). The buffer is reused: it is valid until the next call.
   */
  render(timeUs: number, frameNo: number): Buffer;
}

export function createScene(camera: CameraConfig, vehicle: VehicleConfig): Scene {
  return camera.scene === 'cabin' ? new CabinScene(camera) : new RearScene(camera, vehicle);
}
