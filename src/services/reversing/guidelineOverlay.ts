/**
 * The reversing service's guidelines from the vehicle signals: static bands,
 * the trajectory for the current steering angle, parking-sensor arcs and the
 * driver notices. Inputs are quantised with hysteresis so the overlay (and
 * the metadata that carries it) changes only when the picture would, not on
 * every bit of sensor jitter. A signal that is missing or older than
 * SIGNAL_STALE_MS is reported as stale and its part is left out; the image
 * itself is never withheld.
 */
import type { CameraConfig, VehicleConfig } from '../../config/types.js';
import { cameraModel } from '../../geometry/cameraModel.js';
import { DISTANCE_BANDS, staticOverlay } from '../../geometry/guidelines.js';
import { sensorArcs } from '../../geometry/sensorZones.js';
import { trajectoryOverlay } from '../../geometry/trajectory.js';
import { FRONT_BANDS_MAX_KMH, FRONT_BANDS_OFF_KMH, SENSOR_ZONES, type Overlay, type OverlayGround, type SensorZone } from '../../wire/overlay.js';
import { VSS, type SignalSample } from '../../wire/signals.js';

/** A value older than this (sample timestamp vs now) is not trusted. */
export const SIGNAL_STALE_MS = 500;
/** Steering-wheel degrees; 1° moves a line end 3 m out by well under a pixel (docs/geometry.md). */
export const STEERING_STEP_DEG = 1;
export const SENSOR_STEP_M = 0.05;
/** A new reading must differ from the shown one by this many steps before it replaces it. */
const HYSTERESIS_STEPS = 0.75;

export const CHECK_SURROUNDINGS = 'Check surroundings';
/** An obstacle nearer than this: the top view, which shows the gap to the bumper, is recommended. */
export const RECOMMEND_TOP_BELOW_M = 0.5;

/** The paths the overlay depends on, in the order a stale notice lists them. */
export const GUIDELINE_SIGNALS: readonly string[] = [
  VSS.gear,
  VSS.steeringWheelAngle,
  ...SENSOR_ZONES.map((z) => VSS.rearSensor[z]),
];

/** What the overlay is computed from: quantised, fresh values only. */
export interface GuidelineInputs {
  /** Steering-wheel angle (+ = left), degrees; undefined when unknown or stale. */
  steeringDeg: number | undefined;
  /** A forward gear is engaged (fresh): a reversing path would mislead. */
  forwardGear: boolean;
  /** Forward gear and a fresh speed at most FRONT_BANDS_MAX_KMH (off above FRONT_BANDS_OFF_KMH): the front bands show. */
  creepingForward: boolean;
  sensors: Partial<Record<SensorZone, number>>;
  /** GUIDELINE_SIGNALS that are missing, invalid or stale. */
  stale: string[];
}

/**
 * A reading on a grid of `step`, changed only when the picture would change.
 * `round`: to the nearest step, kept until a reading is HYSTERESIS_STEPS away.
 * `nearer` (distances): rounded down, so an obstacle is never shown farther
 * than measured; a nearer step is taken at once, a farther one only once the
 * reading is (1 + 1 - HYSTERESIS_STEPS) steps beyond the shown value.
 */
class Quantised {
  value: number | undefined;
  constructor(private readonly step: number, private readonly mode: 'round' | 'nearer') {}
  offer(v: number): void {
    const q = this.value;
    if (this.mode === 'round') {
      if (q !== undefined && Math.abs(v - q) < this.step * HYSTERESIS_STEPS) return;
      // + 0 turns -0 into 0, so a value and its key compare equal.
      this.value = Math.round(v / this.step) * this.step + 0;
      return;
    }
    // The epsilon keeps 0.3 / 0.05 = 5.999… on step 6.
    const down = Math.floor(v / this.step + 1e-9) * this.step + 0;
    if (q === undefined || down < q || v - q >= this.step * (2 - HYSTERESIS_STEPS)) this.value = down;
  }
}

/** The latest sample per path and the quantised values derived from them. */
export class GuidelineSignals {
  readonly #latest = new Map<string, SignalSample>();
  /** Whether the front bands showed last time: the speed must pass the other threshold to change it. */
  #creeping = false;
  readonly #quantised = new Map<string, Quantised>([
    [VSS.steeringWheelAngle, new Quantised(STEERING_STEP_DEG, 'round')],
    ...SENSOR_ZONES.map((z): [string, Quantised] => [VSS.rearSensor[z], new Quantised(SENSOR_STEP_M, 'nearer')]),
  ]);

  update(samples: readonly SignalSample[]): void {
    for (const s of samples) {
      const prev = this.#latest.get(s.path);
      // A sample older than the one held is a late duplicate, not news.
      if (prev && s.timestampUs < prev.timestampUs) continue;
      this.#latest.set(s.path, s);
      if (typeof s.value === 'number' && Number.isFinite(s.value)) this.#quantised.get(s.path)?.offer(s.value);
    }
  }

  inputs(nowUs: number): GuidelineInputs {
    const fresh = (path: string): number | undefined => {
      const s = this.#latest.get(path);
      if (!s || typeof s.value !== 'number' || !Number.isFinite(s.value)) return undefined;
      return nowUs - s.timestampUs > SIGNAL_STALE_MS * 1000 ? undefined : s.value;
    };
    const stale = GUIDELINE_SIGNALS.filter((p) => fresh(p) === undefined);
    const q = (path: string): number | undefined => (fresh(path) === undefined ? undefined : this.#quantised.get(path)?.value);
    const sensors: Partial<Record<SensorZone, number>> = {};
    for (const zone of SENSOR_ZONES) {
      const d = q(VSS.rearSensor[zone]);
      if (d !== undefined) sensors[zone] = d;
    }
    const gear = fresh(VSS.gear);
    const forwardGear = gear !== undefined && gear > 0;
    const speed = fresh(VSS.speed);
    this.#creeping = forwardGear && speed !== undefined && speed <= (this.#creeping ? FRONT_BANDS_OFF_KMH : FRONT_BANDS_MAX_KMH);
    return { steeringDeg: q(VSS.steeringWheelAngle), forwardGear, creepingForward: this.#creeping, sensors, stale };
  }
}

/** A string that is equal for inputs that give the same overlay. */
export function inputsKey(inputs: GuidelineInputs): string {
  return JSON.stringify([inputs.steeringDeg ?? null, inputs.forwardGear, inputs.creepingForward, SENSOR_ZONES.map((z) => inputs.sensors[z] ?? null), inputs.stale]);
}

/**
 * The full overlay for one camera and the current inputs. `surround`: the
 * service has the four surround cameras, so a near obstacle recommends the
 * surround view (`surround`) rather than this camera's own top view.
 */
export function guidelineOverlay(camera: CameraConfig, vehicle: VehicleConfig, inputs: GuidelineInputs, surround = false): Overlay {
  const cal = camera.calibration;
  const image = { width: camera.width, height: camera.height, mirror: camera.mirror };
  // A side camera: no guidelines, only its camera model (the display's dewarp view needs it).
  if (!camera.guidelines) {
    return { width: image.width, height: image.height, rails: [[], []], bands: [], ground: overlayGround(camera, vehicle) };
  }
  const overlay = staticOverlay(cal, image, vehicle);
  if (inputs.steeringDeg !== undefined && !inputs.forwardGear) {
    overlay.trajectory = trajectoryOverlay(cal, image, vehicle, inputs.steeringDeg);
  }
  const sensors = sensorArcs(cal, image, vehicle, inputs.sensors);
  if (sensors.length > 0) overlay.sensors = sensors;
  if (sensors.some((s) => s.distanceM < RECOMMEND_TOP_BELOW_M)) overlay.recommendedView = surround ? 'surround' : 'top';
  if (surround && inputs.creepingForward) overlay.frontBands = DISTANCE_BANDS.map((b) => ({ ...b }));
  overlay.notices = [CHECK_SURROUNDINGS];
  if (inputs.stale.length > 0) overlay.staleSignals = inputs.stale;
  overlay.ground = overlayGround(camera, vehicle);
  return overlay;
}

/** What a display needs to take this camera's picture back to the ground (its views, the surround view). */
function overlayGround(camera: CameraConfig, vehicle: VehicleConfig): OverlayGround {
  const image = { width: camera.width, height: camera.height, mirror: camera.mirror };
  return {
    camera: cameraModel(camera.calibration, image),
    vehicleWidthM: vehicle.widthM,
    vehicleLengthM: vehicle.lengthM,
    usable: { maxAngleDeg: camera.surround.maxAngleDeg, bodyRows: camera.surround.bodyRows },
  };
}
