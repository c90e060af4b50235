/**
 * Checks one incoming sample against the catalogue of known VSS paths
 * (src/wire/signals.ts SIGNAL_SPECS). Returns the reason it is refused, or
 * undefined when it is good, so callers can decide between refusing a whole
 * request (POST) and marking one signal invalid (CAN).
 */
import { SIGNAL_SPECS, signalSpec, type SignalValue } from '../wire/signals.js';

export interface SampleInput {
  path: string;
  value: SignalValue;
  /** Microseconds since the Unix epoch; the bus stamps `now` when absent. */
  timestampUs?: number;
}

/** A timestamp more than a day ahead of the receiver's clock is a broken clock, not a measurement. */
const MAX_FUTURE_US = 86_400_000_000;

export function sampleProblem(s: SampleInput, nowUs: number): string | undefined {
  if (typeof s !== 'object' || s === null) return 'a sample must be an object {path, value}';
  const spec = signalSpec(s.path);
  if (!spec) return `unknown signal path ${JSON.stringify(s.path)}; known paths: ${Object.keys(SIGNAL_SPECS).join(', ')}`;
  const v = s.value;
  if (typeof v !== 'number' || !Number.isFinite(v)) return `${s.path}: value must be a finite number, got ${JSON.stringify(v)}`;
  if (spec.integer && !Number.isInteger(v)) return `${s.path}: value must be an integer, got ${v}`;
  if (!spec.extra?.includes(v) && (v < spec.min || v > spec.max)) {
    const extra = spec.extra?.length ? ` or one of ${spec.extra.join(', ')}` : '';
    return `${s.path}: ${v} is outside ${spec.min}..${spec.max}${spec.unit ? ` ${spec.unit}` : ''}${extra}`;
  }
  if (s.timestampUs !== undefined) {
    if (typeof s.timestampUs !== 'number' || !Number.isFinite(s.timestampUs) || s.timestampUs < 0) {
      return `${s.path}: timestampUs must be a non-negative number of microseconds since the epoch`;
    }
    if (s.timestampUs > nowUs + MAX_FUTURE_US) return `${s.path}: timestampUs is more than a day in the future`;
  }
  return undefined;
}
