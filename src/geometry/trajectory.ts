/**
 * The dynamic guidelines: the reversing path of the vehicle's edges for the
 * current steering-wheel angle (bicycleModel.ts), run through the camera
 * model so they bend with the lens as the road in the picture does.
 */
import type { CalibrationConfig, VehicleConfig } from '../config/types.js';
import type { Trajectory } from '../wire/overlay.js';
import { reversingPath } from './bicycleModel.js';
import type { ImageSpec } from './cameraModel.js';
import { groundPolyline } from './guidelines.js';

export function trajectoryOverlay(cal: CalibrationConfig, image: ImageSpec, vehicle: VehicleConfig, steeringWheelDeg: number): Trajectory {
  const path = reversingPath(vehicle, steeringWheelDeg);
  return {
    left: groundPolyline(cal, image, path.left),
    right: groundPolyline(cal, image, path.right),
    steeringDeg: steeringWheelDeg,
  };
}
