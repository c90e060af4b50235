/**
 * Overlay geometry carried as frame metadata: polylines in image pixel
 * coordinates of the frame they ride on, so every display draws them crisply
 * at its own resolution. Pure: no Node or DOM imports.
 */
import type { CameraModel } from './camera.js';
import { VSS } from './signals.js';

export type Point = [number, number];

export type BandColor = 'red' | 'yellow' | 'green';

/** A static distance band: a ground line at `distanceM` behind the bumper, with side ticks. */
export interface DistanceBand {
  distanceM: number;
  color: BandColor;
  /** The cross line, from left edge to right edge of the vehicle's track. */
  line: Point[];
}

/**
 * Where the vehicle's left and right edges will pass when it reverses with
 * the wheel held where it is now, each ordered from the bumper outwards.
 */
export interface Trajectory {
  left: Point[];
  right: Point[];
  /** The steering-wheel angle the lines were computed for (VSS sign: + = left), degrees. */
  steeringDeg: number;
}

/** The rear parking-sensor zones, from the vehicle's left to its right. */
export const SENSOR_ZONES = ['outerLeft', 'innerLeft', 'innerRight', 'outerRight'] as const;
export type SensorZone = (typeof SENSOR_ZONES)[number];

/** One zone's obstacle: a ground arc at the measured distance from the bumper. */
export interface SensorArc {
  zone: SensorZone;
  distanceM: number;
  color: BandColor;
  polyline: Point[];
}

export interface Overlay {
  /** The image size the coordinates refer to. */
  width: number;
  height: number;
  /** Left and right side rails of the static corridor (vehicle width), near to far. */
  rails: [Point[], Point[]];
  bands: DistanceBand[];
  /** Dynamic lines for the current steering angle; absent when the angle is unknown or stale. */
  trajectory?: Trajectory;
  /** Zones that see an obstacle in range; a zone with none is absent. */
  sensors?: SensorArc[];
  /** Texts the driver must see while the overlay is shown, e.g. "Check surroundings". */
  notices?: string[];
  /** VSS paths whose values are missing or too old to trust. */
  staleSignals?: string[];
  /**
   * What turns the image points back into ground points (every overlay point
   * is a ground point run through this camera, wire/camera.ts): lets a
   * display redraw the guidelines in a dewarped or top-down view.
   */
  ground?: OverlayGround;
  /**
   * The view the service recommends now (e.g. `top` while an obstacle is
   * nearer than 0.5 m); a display follows it until the driver picks a view.
   * `surround`: the same recommendation from a service that has the four
   * SURROUND_CAMERAS: a display that shows the surround view beside this
   * camera leaves this camera's view as it is (the surround view is the view
   * from above), one that does not shows this camera's `top` view.
   */
  recommendedView?: 'wide' | 'dewarp' | 'top' | 'surround';
  /**
   * Distance bands ahead of the front bumper, in metres on the ground (not
   * image points: no camera of the overlay's own needs them), while the car
   * creeps forward (a forward gear and at most FRONT_BANDS_MAX_KMH, fresh)
   * and the service has the four SURROUND_CAMERAS; the surround view draws
   * them. Absent otherwise.
   */
  frontBands?: FrontBand[];
}

/** A distance band ahead of the front bumper (Overlay.frontBands). */
export interface FrontBand {
  distanceM: number;
  color: BandColor;
}

/** The front bands show at or below this speed in a forward gear; they go above FRONT_BANDS_OFF_KMH (hysteresis). */
export const FRONT_BANDS_MAX_KMH = 10;
export const FRONT_BANDS_OFF_KMH = 11;

/** The cameras the surround view stitches (docs/display.md, "Surround view"). */
export const SURROUND_CAMERAS = ['front', 'rear', 'left', 'right'] as const;

export interface OverlayGround {
  /** The camera model (calibration and image) the points were projected with. */
  camera: CameraModel;
  /** The vehicle's width, metres: the top view draws the rear outline with it. */
  vehicleWidthM: number;
  /** Bumper to bumper, metres: the surround view's car footprint (absent from older servers). */
  vehicleLengthM?: number;
  /** What of this picture the surround view may use (the camera's `surround` config; absent from older servers). */
  usable?: { maxAngleDeg: number; bodyRows: number };
}

/** Frame metadata object; fields are optional so a frame carries only what changed. */
export interface FrameMeta {
  overlay?: Overlay;
}

/** The colours every renderer uses (display canvas, MJPEG burner), so they look the same. */
export const OVERLAY_PALETTE = {
  band: { red: '#ff3b30', yellow: '#ffcc00', green: '#34c759' } as Record<BandColor, string>,
  rail: '#f2f2f2',
  corridor: 'rgba(255, 255, 255, 0.10)',
  /** Amber, unlike any band colour: the lines that move with the wheel. */
  trajectory: '#ff9f0a',
  outline: 'rgba(0, 0, 0, 0.55)',
} as const;

const SIGNAL_LABELS: Record<string, string> = {
  [VSS.gear]: 'gear',
  [VSS.steeringWheelAngle]: 'steering',
  [VSS.speed]: 'speed',
  [VSS.rearSensor.outerLeft]: 'rear sensor outer left',
  [VSS.rearSensor.innerLeft]: 'rear sensor inner left',
  [VSS.rearSensor.innerRight]: 'rear sensor inner right',
  [VSS.rearSensor.outerRight]: 'rear sensor outer right',
};
const REAR_SENSORS: readonly string[] = Object.values(VSS.rearSensor);

/**
 * The warning every client shows for `staleSignals`, in words, so the
 * display and the MJPEG burner say the same thing. All four rear sensors
 * read as one "rear sensors" so the line stays short.
 */
export function staleSignalsNotice(paths: readonly string[]): string {
  const allSensors = REAR_SENSORS.every((p) => paths.includes(p));
  const words: string[] = [];
  for (const p of paths) {
    if (allSensors && REAR_SENSORS.includes(p)) {
      if (!words.includes('rear sensors')) words.push('rear sensors');
    } else {
      words.push(SIGNAL_LABELS[p] ?? p);
    }
  }
  return `Signal unavailable: ${words.join(', ')}`;
}
