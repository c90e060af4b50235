/**
 * The camera model, shared by the server (guidelines, synthetic scene) and
 * the display (dewarp and top views, guidelines redrawn per view): one
 * definition, as the wire format is. Its parameters travel in the overlay
 * (`ground.camera`, docs/protocol.md). Pure: no Node or DOM imports.
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
 *
 * The display's shader (src/display/viewShader.ts) mirrors cameraRotation,
 * vehicleToCamera and distort in GLSL; keep them in step.
 */

export type Pixel = [number, number];
/** A direction or point in the (rotated) camera frame: x right in the image, y down, z along the optical axis. */
export type Vec3 = [number, number, number];

export interface CameraMount {
  /** Camera height above the ground, metres. */
  heightM: number;
  /** Downward tilt of the optical axis from horizontal, degrees. */
  pitchDeg: number;
  /** Rotation about the vertical axis, degrees (positive turns the view to the vehicle's left). */
  yawDeg: number;
  /** Rotation about the optical axis, degrees. */
  rollDeg: number;
  /** Lateral offset from the vehicle centreline, metres (positive = vehicle right). */
  lateralM: number;
  /** Longitudinal offset from the rear bumper, metres (positive = behind the bumper). */
  longitudinalM: number;
}

/** Intrinsics and extrinsics: the config's `calibration` (config/types.ts names it CalibrationConfig). */
export interface CameraCalibration {
  /** `fisheye` is the Kannala-Brandt / OpenCV fisheye model; `pinhole` uses no distortion. */
  model: 'pinhole' | 'fisheye';
  fx: number;
  fy: number;
  cx: number;
  cy: number;
  /** Fisheye coefficients k1..k4 (ignored for pinhole). */
  k: [number, number, number, number];
  mount: CameraMount;
}

/** A calibration with the image it describes: what the display needs to reproject the picture. */
export interface CameraModel extends CameraCalibration {
  width: number;
  height: number;
  mirror: boolean;
}

/** Points closer to the camera plane than this are treated as behind it. */
export const MIN_DEPTH_M = 1e-3;

const DEG = Math.PI / 180;

/**
 * The rotation (row-major 3x3) taking unrotated camera coordinates to camera
 * coordinates: roll · pitch · yaw, the order the header gives.
 */
export function cameraRotation(m: CameraMount): number[] {
  const [cy, sy] = [Math.cos(m.yawDeg * DEG), Math.sin(m.yawDeg * DEG)];
  const [cp, sp] = [Math.cos(m.pitchDeg * DEG), Math.sin(m.pitchDeg * DEG)];
  const [cr, sr] = [Math.cos(m.rollDeg * DEG), Math.sin(m.rollDeg * DEG)];
  const yaw = [cy, 0, -sy, 0, 1, 0, sy, 0, cy];
  const pitch = [1, 0, 0, 0, cp, -sp, 0, sp, cp];
  const roll = [cr, -sr, 0, sr, cr, 0, 0, 0, 1];
  return mul3(roll, mul3(pitch, yaw));
}

function mul3(a: number[], b: number[]): number[] {
  const out = new Array<number>(9).fill(0);
  for (let i = 0; i < 3; i++) for (let j = 0; j < 3; j++) for (let k = 0; k < 3; k++) out[i * 3 + j]! += a[i * 3 + k]! * b[k * 3 + j]!;
  return out;
}

/** A vehicle-frame point in camera coordinates (R given so callers can reuse it). */
export function vehicleToCamera(m: CameraMount, R: readonly number[], lateralM: number, behindM: number, heightM: number): Vec3 {
  const x = -(lateralM - m.lateralM);
  const y = -(heightM - m.heightM);
  const z = behindM - m.longitudinalM;
  return [R[0]! * x + R[1]! * y + R[2]! * z, R[3]! * x + R[4]! * y + R[5]! * z, R[6]! * x + R[7]! * y + R[8]! * z];
}

/** θd/r for the fisheye (1 for pinhole): the factor that bends a pinhole point a = x/z, b = y/z. */
export function distortionScale(cal: CameraCalibration, r: number): number {
  if (cal.model !== 'fisheye' || r <= 1e-9) return 1;
  const t = Math.atan(r);
  const t2 = t * t;
  const [k1, k2, k3, k4] = cal.k;
  return (t * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4))))) / r;
}

/** A camera-frame ray to image pixels (mirrored as the image is), or null when it points behind the camera. */
export function projectRay(cam: CameraModel, p: Vec3): Pixel | null {
  const [x, y, z] = p;
  if (!(z > 0)) return null;
  const a = x / z;
  const b = y / z;
  const s = distortionScale(cam, Math.hypot(a, b));
  const u = cam.fx * s * a + cam.cx;
  const v = cam.fy * s * b + cam.cy;
  return [cam.mirror ? cam.width - u : u, v];
}

/** Projects a vehicle-frame point to image pixels, or null when the camera cannot see it. */
export function projectPoint(cam: CameraModel, lateralM: number, behindM: number, heightM = 0): Pixel | null {
  const p = vehicleToCamera(cam.mount, cameraRotation(cam.mount), lateralM, behindM, heightM);
  if (!(p[2] > MIN_DEPTH_M)) return null;
  return projectRay(cam, p);
}

/**
 * The inverse of projectRay: the camera-frame ray (z = 1) seen at image pixel
 * (u, v), or null where the lens model does not invert (beyond 90° off axis
 * or past the distortion polynomial's turning point). Newton on θd(θ).
 */
export function pixelToRay(cam: CameraModel, u: number, v: number): Vec3 | null {
  const uu = cam.mirror ? cam.width - u : u;
  const mx = (uu - cam.cx) / cam.fx;
  const my = (v - cam.cy) / cam.fy;
  const td = Math.hypot(mx, my);
  if (cam.model !== 'fisheye' || td < 1e-12) return [mx, my, 1];
  const [k1, k2, k3, k4] = cam.k;
  let t = td;
  for (let i = 0; i < 20; i++) {
    const t2 = t * t;
    const f = t * (1 + t2 * (k1 + t2 * (k2 + t2 * (k3 + t2 * k4)))) - td;
    const df = 1 + t2 * (3 * k1 + t2 * (5 * k2 + t2 * (7 * k3 + t2 * 9 * k4)));
    if (df <= 0) return null;
    const step = f / df;
    t -= step;
    if (Math.abs(step) < 1e-12) break;
  }
  if (!(t > 0 && t < Math.PI / 2 - 1e-6)) return null;
  const r = Math.tan(t);
  return [(mx * r) / td, (my * r) / td, 1];
}

/** Where a camera-frame ray meets the ground (height 0), as [lateral, behind]; null when it does not point down to it. */
export function rayToGround(m: CameraMount, R: readonly number[], ray: Vec3): [number, number] | null {
  // Back to the unrotated frame: R is a rotation, so its inverse is its transpose.
  const x = R[0]! * ray[0] + R[3]! * ray[1] + R[6]! * ray[2];
  const y = R[1]! * ray[0] + R[4]! * ray[1] + R[7]! * ray[2];
  const z = R[2]! * ray[0] + R[5]! * ray[1] + R[8]! * ray[2];
  // y is down: the ray falls m.heightM over t·y.
  if (!(y > 1e-9)) return null;
  const t = m.heightM / y;
  return [m.lateralM - t * x, m.longitudinalM + t * z];
}

/** The ground point [lateral, behind] seen at image pixel (u, v), or null above the horizon. */
export function pixelToGround(cam: CameraModel, u: number, v: number): [number, number] | null {
  const ray = pixelToRay(cam, u, v);
  return ray && rayToGround(cam.mount, cameraRotation(cam.mount), ray);
}
