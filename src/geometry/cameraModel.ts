/**
 * The rear camera model: vehicle-frame point -> image pixel.
 *
 * Vehicle frame (metres): lateral + = vehicle right, behind + = behind the
 * rear bumper, height + = above the ground.
 *
 * The camera sits at (mount.lateralM, mount.longitudinalM, mount.heightM) and
 * looks rearward. Unrotated camera frame (OpenCV style):
 *   x_cam = vehicle LEFT (-lateral): facing backwards, the camera's right is the car's left;
 *   y_cam = down;
 *   z_cam = rearward (the optical axis).
 * Rotations are then applied to the point in this order:
 *   yaw   θy about the vertical, positive turns the view to the vehicle's left:
 *         x' = x cosθy − z sinθy,  z' = x sinθy + z cosθy
 *   pitch θp tilts the view down:
 *         y' = y cosθp − z sinθp,  z' = y sinθp + z cosθp
 *   roll  θr about the optical axis, positive turns image content clockwise:
 *         x' = x cosθr − y sinθr,  y' = x sinθr + y cosθr
 * Projection:
 *   pinhole: u = fx·x/z + cx, v = fy·y/z + cy
 *   fisheye (OpenCV fisheye / Kannala–Brandt): a = x/z, b = y/z, r = √(a²+b²),
 *     θ = atan(r), θd = θ(1 + k1θ² + k2θ⁴ + k3θ⁶ + k4θ⁸),
 *     u = fx·(θd/r)·a + cx, v = fy·(θd/r)·b + cy   (θd/r → 1 as r → 0)
 * Points at or behind the camera plane (z ≤ MIN_DEPTH_M) do not project.
 * Rear cameras deliver a mirror image: u_mirrored = width − u.
 */
import type { CalibrationConfig } from '../config/types.js';

export type Pixel = [number, number];

export interface ImageSpec {
  width: number;
  height: number;
  /** Flip left-right, as rear cameras do so the image reads like a mirror. */
  mirror: boolean;
}

/** Points closer to the camera plane than this are treated as behind it. */
export const MIN_DEPTH_M = 1e-3;

const DEG = Math.PI / 180;

/** Projects a vehicle-frame point to image pixels, or null when the camera cannot see it. */
export function projectGround(
  cal: CalibrationConfig,
  image: ImageSpec,
  lateralM: number,
  behindM: number,
  heightM = 0,
): Pixel | null {
  const m = cal.mount;
  // Unrotated camera frame.
  let x = -(lateralM - m.lateralM);
  let y = -(heightM - m.heightM);
  let z = behindM - m.longitudinalM;

  if (m.yawDeg !== 0) {
    const c = Math.cos(m.yawDeg * DEG), s = Math.sin(m.yawDeg * DEG);
    [x, z] = [x * c - z * s, x * s + z * c];
  }
  if (m.pitchDeg !== 0) {
    const c = Math.cos(m.pitchDeg * DEG), s = Math.sin(m.pitchDeg * DEG);
    [y, z] = [y * c - z * s, y * s + z * c];
  }
  if (m.rollDeg !== 0) {
    const c = Math.cos(m.rollDeg * DEG), s = Math.sin(m.rollDeg * DEG);
    [x, y] = [x * c - y * s, x * s + y * c];
  }
  if (!(z > MIN_DEPTH_M)) return null;

  const a = x / z;
  const b = y / z;
  let scale = 1;
  if (cal.model === 'fisheye') {
    const r = Math.hypot(a, b);
    if (r > 1e-9) {
      const t = Math.atan(r);
      const t2 = t * t;
      const [k1, k2, k3, k4] = cal.k;
      const td = t * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))));
      scale = td / r;
    }
  }
  const u = cal.fx * scale * a + cal.cx;
  const v = cal.fy * scale * b + cal.cy;
  return [image.mirror ? image.width - u : u, v];
}
