/**
 * The rear camera model for server code: vehicle-frame point -> image pixel.
 * The model itself (frames, rotations, Kannala–Brandt projection) is defined
 * once in src/wire/camera.ts, shared with the display; this keeps the
 * server's calibration-plus-image call shape.
 */
import type { CalibrationConfig } from '../config/types.js';
import { MIN_DEPTH_M, projectPoint, type CameraModel, type Pixel } from '../wire/camera.js';

export { MIN_DEPTH_M, type Pixel };

export interface ImageSpec {
  width: number;
  height: number;
  /** Flip left-right, as rear cameras do so the image reads like a mirror. */
  mirror: boolean;
}

/** The calibration and image as one shared camera model (what the overlay's `ground.camera` carries). */
export function cameraModel(cal: CalibrationConfig, image: ImageSpec): CameraModel {
  return { model: cal.model, fx: cal.fx, fy: cal.fy, cx: cal.cx, cy: cal.cy, k: [...cal.k], mount: { ...cal.mount }, width: image.width, height: image.height, mirror: image.mirror };
}

/** Projects a vehicle-frame point to image pixels, or null when the camera cannot see it. */
export function projectGround(
  cal: CalibrationConfig,
  image: ImageSpec,
  lateralM: number,
  behindM: number,
  heightM = 0,
): Pixel | null {
  return projectPoint(cameraModel(cal, image), lateralM, behindM, heightM);
}
