/**
 * Vehicle signals as they travel to displays and services, keyed by COVESA
 * VSS paths. Pure: no Node or DOM imports (the display imports this).
 */

/** The VSS paths revcam uses. Negative gear = reverse, as VSS defines. */
export const VSS = {
  gear: 'Vehicle.Powertrain.Transmission.CurrentGear',
  /** The selector position: VSS values, plus 126 = Park and 127 = Drive (CurrentGear has no Park). */
  selectedGear: 'Vehicle.Powertrain.Transmission.SelectedGear',
  steeringWheelAngle: 'Vehicle.Chassis.SteeringWheel.Angle',
  speed: 'Vehicle.Speed',
  /**
   * VSS has no parking-sensor distances: revcam's documented extension branch
   * (docs/signals.md), one per rear zone, metres, from the bumper.
   */
  rearSensor: {
    outerLeft: 'Vehicle.Private.ParkingSensors.Rear.OuterLeft.Distance',
    innerLeft: 'Vehicle.Private.ParkingSensors.Rear.InnerLeft.Distance',
    innerRight: 'Vehicle.Private.ParkingSensors.Rear.InnerRight.Distance',
    outerRight: 'Vehicle.Private.ParkingSensors.Rear.OuterRight.Distance',
  },
  /** The owner's consent to remote viewing (revcam extension): 1 = given, 0 = not. Phones and remote viewers need it. */
  remoteViewConsent: 'Vehicle.Private.Revcam.RemoteViewConsent',
  /**
   * An impact was sensed (revcam extension: VSS has no collision signal): 1 while the
   * airbag/crash or bumper-impact sensor reports a hit, 0 otherwise. The recorder triggers on 0→1.
   */
  impact: 'Vehicle.Private.Revcam.Impact',
} as const;

export type SignalValue = number | boolean | string;

/** VSS SelectedGear values that are not gear numbers. */
export const SELECTED_GEAR = { park: 126, drive: 127 } as const;

/** Parking-sensor range, metres. A sensor that sees nothing within range reports SENSOR_MAX_M. */
export const SENSOR_MAX_M = 5;

/** What a known path may carry: the signal bus rejects anything else with SIGNAL_INVALID. */
export interface SignalSpec {
  unit: string;
  integer: boolean;
  min: number;
  max: number;
  /** Values allowed outside [min, max] (SelectedGear's 126 = P, 127 = D). */
  extra?: readonly number[];
  description: string;
}

const sensorSpec = (zone: string): SignalSpec => ({
  unit: 'm',
  integer: false,
  min: 0,
  max: SENSOR_MAX_M,
  description: `rear ${zone} parking-sensor distance from the bumper; ${SENSOR_MAX_M} = no obstacle in range (revcam extension)`,
});

export const SIGNAL_SPECS: Readonly<Record<string, SignalSpec>> = {
  [VSS.gear]: { unit: '', integer: true, min: -8, max: 16, description: 'engaged gear: 0 = neutral, 1.. = forward, negative = reverse' },
  [VSS.selectedGear]: {
    unit: '',
    integer: true,
    min: -8,
    max: 16,
    extra: [SELECTED_GEAR.park, SELECTED_GEAR.drive],
    description: 'selected gear: 0 = neutral, negative = reverse, 126 = park, 127 = drive',
  },
  [VSS.steeringWheelAngle]: { unit: 'deg', integer: false, min: -1080, max: 1080, description: 'steering wheel angle: positive = turned left (counter-clockwise)' },
  [VSS.speed]: { unit: 'km/h', integer: false, min: 0, max: 400, description: 'vehicle speed, magnitude' },
  [VSS.rearSensor.outerLeft]: sensorSpec('outer-left'),
  [VSS.rearSensor.innerLeft]: sensorSpec('inner-left'),
  [VSS.rearSensor.innerRight]: sensorSpec('inner-right'),
  [VSS.rearSensor.outerRight]: sensorSpec('outer-right'),
  [VSS.remoteViewConsent]: { unit: '', integer: true, min: 0, max: 1, description: "owner's consent to remote viewing: 1 = given (revcam extension)" },
  [VSS.impact]: { unit: '', integer: true, min: 0, max: 1, description: 'impact sensed: 1 = a hit is reported (revcam extension); the recorder triggers on 0 -> 1' },
};

/**
 * The spec of a catalogued path, or undefined. Own keys only: a plain lookup
 * (`SIGNAL_SPECS[path]`, `path in SIGNAL_SPECS`) would also find Object.prototype
 * members such as `constructor`, `__proto__` or `toString`.
 */
export function signalSpec(path: unknown): SignalSpec | undefined {
  return typeof path === 'string' && Object.hasOwn(SIGNAL_SPECS, path) ? SIGNAL_SPECS[path] : undefined;
}

export type GearLetter = 'P' | 'R' | 'N' | 'D';

/**
 * The letter a gear display shows. SelectedGear wins where it is known (it is
 * the only one that can say P); otherwise CurrentGear: negative R, 0 N, forward D.
 */
export function gearLetter(currentGear: number | undefined, selectedGear?: number): GearLetter | undefined {
  const g = selectedGear ?? currentGear;
  if (g === undefined) return undefined;
  if (g === SELECTED_GEAR.park) return 'P';
  if (g < 0) return 'R';
  return g === 0 ? 'N' : 'D';
}

export interface SignalSample {
  path: string;
  value: SignalValue;
  /** When the value was measured, microseconds since the Unix epoch. */
  timestampUs: number;
}

/** Server → display on /api/signals: current values (first message: all of them) and view commands. */
export interface SignalsMessage {
  type: 'signals';
  samples: SignalSample[];
  /** True when `samples` is every current value (replace, do not merge): the first message and after a skipped backlog. */
  full?: boolean;
}

/**
 * What the display should show now. `rear` is sent the moment reverse is
 * engaged; `none` after the hold time or above the speed threshold.
 * `stale` lists signal paths whose values are too old to trust.
 */
export interface ViewMessage {
  type: 'view';
  view: 'rear' | 'none';
  reason: string;
  stale: string[];
}

/** Everything the server sends on /api/signals. */
export type SignalsServerMessage = SignalsMessage | ViewMessage;
