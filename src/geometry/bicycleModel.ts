/**
 * The kinematic bicycle model, reversing: where the vehicle's body passes on
 * the ground for the current steering-wheel angle. Docs: docs/geometry.md.
 *
 * Ground frame (metres), as in cameraModel.ts: lateral + = vehicle right,
 * behind + = behind the rear bumper. The rear axle sits `rearOverhangM`
 * ahead of the bumper (behind = -rearOverhangM).
 *
 * VSS Vehicle.Chassis.SteeringWheel.Angle is positive to the LEFT. The
 * road-wheel angle is δ = steeringWheelAngle / steeringRatio; the body turns
 * about the instantaneous centre C on the rear-axle line, at R = wheelbase /
 * tan δ from the axle's centre, on the left for δ > 0. Reversing, every body
 * point runs backwards round a circle about C, so the tail swings toward C:
 * wheel turned left, the tail goes to the vehicle's left.
 */
import type { VehicleConfig } from '../config/types.js';
import type { GroundPoint } from './guidelines.js';

const DEG = Math.PI / 180;

/** How far the rear axle's centre travels along its arc in the predicted path. */
export const TRAJECTORY_TRAVEL_M = 3;
/** Ground sampling step along the paths; fine enough that arcs look smooth. */
export const TRAJECTORY_STEP_M = 0.05;
/** Below this road-wheel angle the path is drawn straight (R would exceed ~27 km). */
const STRAIGHT_EPS_RAD = 1e-4;
/** Never predict more than a quarter turn: beyond it the path leaves the camera's view. */
const MAX_TURN_RAD = Math.PI / 2;

/** Road-wheel angle δ in radians (+ = left) for a steering-wheel angle in degrees. */
export function roadWheelAngleRad(steeringWheelDeg: number, steeringRatio: number): number {
  return (steeringWheelDeg / steeringRatio) * DEG;
}

/**
 * Turning radius of the rear axle's centre, metres, signed like δ (+ = the
 * centre of turn is on the left); Infinity when driving straight.
 */
export function turningRadiusM(wheelbaseM: number, roadWheelRad: number): number {
  if (Math.abs(roadWheelRad) < STRAIGHT_EPS_RAD) return Infinity;
  return wheelbaseM / Math.tan(roadWheelRad);
}

export interface GroundTrajectory {
  /** The vehicle's left edge, from the bumper line outwards. */
  left: GroundPoint[];
  right: GroundPoint[];
  /** Signed turning radius of the rear axle's centre (Infinity = straight). */
  radiusM: number;
}

/**
 * The edges of the ground the body sweeps while the rear axle's centre
 * reverses `travelM`, clipped to behind the bumper, each ending at the rear
 * corner's final position:
 * - outside the turn, the outer rear corner's circle (it swings widest);
 * - inside the turn, the body's inner side at the rear axle (radius R - w/2),
 *   which cuts inside the inner corner's own circle, then the inner side of
 *   the body in its final position out to the corner.
 */
export function reversingPath(vehicle: VehicleConfig, steeringWheelDeg: number, travelM = TRAJECTORY_TRAVEL_M, stepM = TRAJECTORY_STEP_M): GroundTrajectory {
  const half = vehicle.widthM / 2;
  const radiusM = turningRadiusM(vehicle.wheelbaseM, roadWheelAngleRad(steeringWheelDeg, vehicle.steeringRatio));
  if (!Number.isFinite(radiusM)) {
    const line = (lateral: number): GroundPoint[] => {
      const n = Math.max(1, Math.ceil(travelM / stepM));
      return Array.from({ length: n + 1 }, (_, i) => [lateral, (travelM * i) / n] as GroundPoint);
    };
    return { left: line(-half), right: line(half), radiusM };
  }
  // Work out a left turn; a right turn is its mirror image.
  const r = Math.abs(radiusM);
  const { inner, outer } = leftTurnEdges(r, half, vehicle.rearOverhangM, Math.min(travelM / r, MAX_TURN_RAD), stepM);
  if (radiusM > 0) return { left: inner, right: outer, radiusM };
  const mirror = (pts: GroundPoint[]): GroundPoint[] => pts.map(([x, y]) => [-x, y]);
  return { left: mirror(outer), right: mirror(inner), radiusM };
}

/**
 * Left turn of radius r > 0 about C = (-r, -overhang). A body point at polar
 * (ρ, α) about C reaches angle α + φ after the body turns φ = travel / r.
 */
function leftTurnEdges(r: number, half: number, overhang: number, turn: number, stepM: number): { inner: GroundPoint[]; outer: GroundPoint[] } {
  const cx = -r;
  const cy = -overhang;
  const at = (rho: number, theta: number): GroundPoint => [cx + rho * Math.cos(theta), cy + rho * Math.sin(theta)];

  // Outer rear corner (vehicle right): starts on the bumper line.
  const rhoO = Math.hypot(r + half, overhang);
  const alphaO = Math.atan2(overhang, r + half);
  const outer = sampleAngles(alphaO, alphaO + turn, rhoO, stepM).map((t) => at(rhoO, t));

  // Inner side (vehicle left), rear axle to rear corner, at ρ_i = r - w/2 from C.
  const rhoI = r - half;
  let innerPts: GroundPoint[];
  if (rhoI > 0) {
    const alphaI = Math.atan2(overhang, rhoI);
    // The arc swept by the side's axle end, from where it crosses the bumper line...
    const cross = rhoI > overhang ? Math.asin(overhang / rhoI) : Infinity;
    const arc = cross < turn ? sampleAngles(cross, turn, rhoI, stepM).map((t) => at(rhoI, t)) : [];
    // ...then the side itself in its final pose, a straight segment out to the corner.
    const side = sampleAngles(turn, turn + alphaI, Math.hypot(rhoI, overhang), stepM)
      .slice(arc.length > 0 ? 1 : 0)
      .map((t) => at(rhoI / Math.cos(t - turn), t));
    innerPts = [...arc, ...side];
  } else {
    // The centre of turn lies under the body (absurd steering): fall back to the inner corner's circle.
    const rho = Math.hypot(rhoI, overhang);
    const alpha = Math.atan2(overhang, rhoI);
    innerPts = sampleAngles(alpha, alpha + turn, rho, stepM).map((t) => at(rho, t));
  }
  return { inner: clipBehindBumper(innerPts), outer: clipBehindBumper(outer) };
}

/** Angles from a to b inclusive, spaced so the arc at radius rho has steps of at most stepM. */
function sampleAngles(a: number, b: number, rho: number, stepM: number): number[] {
  const n = Math.max(1, Math.ceil((Math.abs(b - a) * rho) / stepM - 1e-9));
  return Array.from({ length: n + 1 }, (_, i) => a + ((b - a) * i) / n);
}

/** Drops the leading points ahead of the bumper line (the cut is exact on straight pieces). */
function clipBehindBumper(pts: GroundPoint[]): GroundPoint[] {
  // A start computed to lie on the line may miss it by rounding: that counts as on it.
  const i = pts.findIndex((p) => p[1] >= -1e-12);
  if (i <= 0) return i === 0 ? pts : [];
  const [a, b] = [pts[i - 1]!, pts[i]!];
  const f = -a[1] / (b[1] - a[1]);
  return [[a[0] + (b[0] - a[0]) * f, 0], ...pts.slice(i)];
}
