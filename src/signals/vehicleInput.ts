/**
 * The human-friendly form of vehicle signals (gear letter, steering degrees,
 * speed, sensor distances by zone) and its translation to VSS samples. The
 * POST convenience form and the scripted drives both speak it.
 */
import { SELECTED_GEAR, VSS, type GearLetter } from '../wire/signals.js';
import type { SampleInput } from './validateSample.js';

export type SensorZone = keyof typeof VSS.rearSensor;
export const SENSOR_ZONES = Object.keys(VSS.rearSensor) as SensorZone[];
export const GEAR_LETTERS: readonly GearLetter[] = ['P', 'R', 'N', 'D'];

export interface VehicleInput {
  gear?: GearLetter;
  /** Positive = steering wheel turned left. */
  steeringDeg?: number;
  speedKmh?: number;
  /** Metres from the bumper; 5 = no obstacle in range. */
  sensors?: Partial<Record<SensorZone, number>>;
}

/**
 * VSS has Park only in SelectedGear, so a letter sets both gear paths:
 * P = (CurrentGear 0, SelectedGear 126), R = (-1, -1), N = (0, 0), D = (1, 127).
 */
export const GEAR_VALUES: Readonly<Record<GearLetter, { current: number; selected: number }>> = {
  P: { current: 0, selected: SELECTED_GEAR.park },
  R: { current: -1, selected: -1 },
  N: { current: 0, selected: 0 },
  D: { current: 1, selected: SELECTED_GEAR.drive },
};

/** Each sample carries `field`, the input field it came from, so errors can name it. */
export function vehicleInputSamples(input: VehicleInput, timestampUs?: number): (SampleInput & { field: string })[] {
  const ts = timestampUs === undefined ? {} : { timestampUs };
  const out: (SampleInput & { field: string })[] = [];
  if (input.gear !== undefined) {
    const g = GEAR_VALUES[input.gear];
    out.push({ field: 'gear', path: VSS.gear, value: g.current, ...ts }, { field: 'gear', path: VSS.selectedGear, value: g.selected, ...ts });
  }
  if (input.steeringDeg !== undefined) out.push({ field: 'steeringDeg', path: VSS.steeringWheelAngle, value: input.steeringDeg, ...ts });
  if (input.speedKmh !== undefined) out.push({ field: 'speedKmh', path: VSS.speed, value: input.speedKmh, ...ts });
  for (const zone of SENSOR_ZONES) {
    const d = input.sensors?.[zone];
    if (d !== undefined) out.push({ field: `sensors.${zone}`, path: VSS.rearSensor[zone], value: d, ...ts });
  }
  return out;
}
