/** Picks the Source implementation for a camera's `source` setting. */
import type { CameraConfig, VehicleConfig } from '../config/types.js';
import type { Source } from './Source.js';
import { SyntheticCamera } from './synthetic/SyntheticCamera.js';

export function createSource(camera: CameraConfig, vehicle: VehicleConfig): Source {
  if (camera.source === 'synthetic') return new SyntheticCamera({ camera, vehicle });
  throw new Error(`unsupported camera source '${camera.source}': only 'synthetic' is implemented so far`);
}
