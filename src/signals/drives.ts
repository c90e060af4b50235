/**
 * Scripted drives for the simulator, so the demo moves by itself. A drive is
 * a list of keyframes: numbers are interpolated linearly between keyframes,
 * the gear steps (two keyframes at the same time make an instant change).
 * Drives loop: time is taken modulo the drive's duration.
 */
import type { GearLetter } from '../wire/signals.js';
import { SENSOR_ZONES, type SensorZone } from './vehicleInput.js';

export interface DriveState {
  gear: GearLetter;
  /** Positive = steering wheel turned left. */
  steeringDeg: number;
  speedKmh: number;
  sensors: Record<SensorZone, number>;
}

export interface Keyframe extends DriveState {
  /** Seconds from the start of the drive. */
  t: number;
}

export interface Drive {
  name: string;
  description: string;
  durationS: number;
  keyframes: readonly Keyframe[];
}

const clear = { outerLeft: 5, innerLeft: 5, innerRight: 5, outerRight: 5 };
const kf = (t: number, gear: GearLetter, steeringDeg: number, speedKmh: number, [outerLeft, innerLeft, innerRight, outerRight]: number[]): Keyframe => ({
  t,
  gear,
  steeringDeg,
  speedKmh,
  sensors: { outerLeft: outerLeft!, innerLeft: innerLeft!, innerRight: innerRight!, outerRight: outerRight! },
});

/**
 * Reverse into a bay on the left: engage R, wheel to the left while backing
 * at walking pace, straighten, creep up to the back wall (sensors 2.5 m ->
 * 0.3 m), stop, select P, wait, start over.
 */
const parkLeft: Drive = {
  name: 'park-left',
  description: 'reverse into a bay on the left: R, wheel left then straight, sensors 2.5 m -> 0.3 m, then P',
  durationS: 18,
  keyframes: [
    { t: 0, gear: 'P', steeringDeg: 0, speedKmh: 0, sensors: clear },
    { t: 1.5, gear: 'P', steeringDeg: 0, speedKmh: 0, sensors: clear },
    kf(1.5, 'R', 0, 0, [2.5, 2.6, 2.6, 2.5]),
    kf(2.5, 'R', 60, 4, [2.4, 2.5, 2.5, 2.4]),
    kf(5, 'R', 420, 4.5, [2.2, 2.1, 1.9, 1.7]),
    kf(7, 'R', 420, 4, [1.6, 1.4, 1.3, 1.2]),
    kf(10, 'R', 0, 3.5, [0.9, 0.8, 0.8, 0.9]),
    kf(12.5, 'R', 0, 3, [0.45, 0.35, 0.35, 0.45]),
    kf(13.5, 'R', 0, 0, [0.35, 0.3, 0.3, 0.35]),
    kf(15, 'R', 0, 0, [0.35, 0.3, 0.3, 0.35]),
    kf(15, 'P', 0, 0, [0.35, 0.3, 0.3, 0.35]),
    kf(18, 'P', 0, 0, [0.35, 0.3, 0.3, 0.35]),
  ],
};

/** The same manoeuvre mirrored: wheel to the right, left and right sensors swapped. */
function mirrored(d: Drive, name: string, description: string): Drive {
  return {
    name,
    description,
    durationS: d.durationS,
    keyframes: d.keyframes.map((k) => ({
      ...k,
      steeringDeg: k.steeringDeg === 0 ? 0 : -k.steeringDeg,
      sensors: { outerLeft: k.sensors.outerRight, innerLeft: k.sensors.innerRight, innerRight: k.sensors.innerLeft, outerRight: k.sensors.outerLeft },
    })),
  };
}

export const DRIVES = {
  'park-left': parkLeft,
  'park-right': mirrored(parkLeft, 'park-right', 'reverse into a bay on the right (park-left mirrored)'),
} as const satisfies Record<string, Drive>;

export type DriveName = keyof typeof DRIVES;
export const DRIVE_NAMES = Object.keys(DRIVES) as DriveName[];

export function isDriveName(x: unknown): x is DriveName {
  return typeof x === 'string' && Object.hasOwn(DRIVES, x);
}

const lerp = (a: number, b: number, f: number) => a + (b - a) * f;
/** Keep values on a sensible grid (0.01 deg, km/h, m) so equal states compare equal. */
const round = (x: number) => Math.round(x * 100) / 100;

/** The vehicle state `tS` seconds into the drive (looping). */
export function driveStateAt(drive: Drive, tS: number): DriveState {
  const t = ((tS % drive.durationS) + drive.durationS) % drive.durationS;
  const frames = drive.keyframes;
  let i = 0;
  while (i + 1 < frames.length && frames[i + 1]!.t <= t) i++;
  const a = frames[i]!;
  const b = frames[i + 1];
  const f = b && b.t > a.t ? (t - a.t) / (b.t - a.t) : 0;
  const at = (x: number, y: number | undefined) => round(y === undefined ? x : lerp(x, y, f));
  const sensors = {} as Record<SensorZone, number>;
  for (const z of SENSOR_ZONES) sensors[z] = at(a.sensors[z], b?.sensors[z]);
  return { gear: a.gear, steeringDeg: at(a.steeringDeg, b?.steeringDeg), speedKmh: at(a.speedKmh, b?.speedKmh), sensors };
}
