/**
 * Frame metadata arrives as untrusted JSON: take the overlay out of it only
 * when it has the shape the painter relies on. The optional parts
 * (trajectory, sensor arcs, notices, stale signals, ground camera, front bands) are checked one by one;
 * a malformed part is dropped and the rest of the overlay is kept.
 */
import { OVERLAY_PALETTE, type FrontBand, type Overlay, type Point, type SensorArc, type Trajectory } from '../wire/overlay.js';
import { isViewKind } from './viewProjection.js';

const isPoint = (p: unknown): p is Point =>
  Array.isArray(p) && p.length === 2 && Number.isFinite(p[0]) && Number.isFinite(p[1]);

const isPolyline = (l: unknown): l is Point[] => Array.isArray(l) && l.every(isPoint);

const isObject = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null;

const isStrings = (x: unknown): x is string[] => Array.isArray(x) && x.every((s) => typeof s === 'string');

const isTrajectory = (t: unknown): t is Trajectory =>
  isObject(t) && isPolyline(t.left) && isPolyline(t.right) && Number.isFinite(t.steeringDeg);

const isSensorArc = (a: unknown): a is SensorArc =>
  isObject(a) && typeof a.zone === 'string' && Number.isFinite(a.distanceM) && typeof a.color === 'string' && isPolyline(a.polyline);

/** A front band: a distance on the ground and one of the bands' colours. */
const isFrontBand = (b: unknown): b is FrontBand =>
  isObject(b) && typeof b.distanceM === 'number' && b.distanceM > 0 && b.distanceM <= 10 && typeof b.color === 'string' && Object.hasOwn(OVERLAY_PALETTE.band, b.color);

export function isOverlay(x: unknown): x is Overlay {
  if (typeof x !== 'object' || x === null) return false;
  const o = x as Partial<Overlay>;
  return (
    typeof o.width === 'number' && o.width > 0 &&
    typeof o.height === 'number' && o.height > 0 &&
    Array.isArray(o.rails) && o.rails.length === 2 && o.rails.every(isPolyline) &&
    Array.isArray(o.bands) &&
    o.bands.every((b) => typeof b === 'object' && b !== null && typeof b.color === 'string' && isPolyline(b.line))
  );
}

const isFiniteNumbers = (xs: unknown[]): boolean => xs.every((x) => typeof x === 'number' && Number.isFinite(x));

/** The camera model (wire/camera.ts) with every number finite and a usable image and focal length. */
const isGround = (g: unknown): g is NonNullable<Overlay['ground']> => {
  if (!isObject(g) || !isObject(g.camera) || typeof g.vehicleWidthM !== 'number' || !(g.vehicleWidthM > 0)) return false;
  if (g.vehicleLengthM !== undefined && !(typeof g.vehicleLengthM === 'number' && g.vehicleLengthM > 0)) return false;
  if (g.usable !== undefined && !(isObject(g.usable) && isFiniteNumbers([g.usable.maxAngleDeg, g.usable.bodyRows]))) return false;
  const c = g.camera;
  const m = c.mount;
  return (
    (c.model === 'fisheye' || c.model === 'pinhole') &&
    isFiniteNumbers([c.fx, c.fy, c.cx, c.cy, c.width, c.height]) && (c.fx as number) > 0 && (c.fy as number) > 0 &&
    (c.width as number) > 0 && (c.height as number) > 0 && typeof c.mirror === 'boolean' &&
    Array.isArray(c.k) && c.k.length === 4 && isFiniteNumbers(c.k) &&
    isObject(m) && isFiniteNumbers([m.heightM, m.pitchDeg, m.yawDeg, m.rollDeg, m.lateralM, m.longitudinalM])
  );
};

/** The overlay with only its well-formed optional parts. */
function keepWellFormed(o: Overlay): Overlay {
  const out: Overlay = { width: o.width, height: o.height, rails: o.rails, bands: o.bands };
  if (isTrajectory(o.trajectory)) out.trajectory = o.trajectory;
  if (Array.isArray(o.sensors)) out.sensors = o.sensors.filter(isSensorArc);
  if (isStrings(o.notices)) out.notices = o.notices;
  if (isStrings(o.staleSignals)) out.staleSignals = o.staleSignals;
  if (isGround(o.ground)) out.ground = o.ground;
  if (isViewKind(o.recommendedView) || o.recommendedView === 'surround') out.recommendedView = o.recommendedView;
  if (Array.isArray(o.frontBands)) out.frontBands = o.frontBands.filter(isFrontBand);
  return out;
}

/** The overlay a frame's metadata carries, if any. */
export function overlayFromMeta(meta: unknown): Overlay | undefined {
  if (typeof meta !== 'object' || meta === null) return undefined;
  const overlay = (meta as { overlay?: unknown }).overlay;
  return isOverlay(overlay) ? keepWellFormed(overlay) : undefined;
}

/** The same check for the overlay in an `accepted` message. */
export function overlayFromAccepted(overlay: unknown): Overlay | undefined {
  return isOverlay(overlay) ? keepWellFormed(overlay) : undefined;
}
