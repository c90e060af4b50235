/** Small cameras for the source tests: the default rear camera scaled to 640x360. */
import { DEFAULT_CAMERA, DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import type { CameraConfig } from '../../../src/config/types.js';

export const vehicle = DEFAULT_CONFIG.vehicle;

export function smallCamera(over: Partial<CameraConfig> = {}): CameraConfig {
  const cal = DEFAULT_CAMERA.calibration;
  return {
    ...DEFAULT_CAMERA,
    width: 640,
    height: 360,
    calibration: { ...cal, fx: cal.fx / 2, fy: cal.fy / 2, cx: cal.cx / 2, cy: cal.cy / 2 },
    ...over,
  };
}

/** Pixel (x, y) of a raw RGB buffer. */
export function pixel(raw: Uint8Array, width: number, x: number, y: number): [number, number, number] {
  const o = (Math.round(y) * width + Math.round(x)) * 3;
  return [raw[o]!, raw[o + 1]!, raw[o + 2]!];
}
