/**
 * Vehicle signals on the bus (docs/distributed.md, "Signals"): one message
 * per sample on `revcam.v1.<vehicle>.vss.<VSS path>`, payload
 * `{"value":…,"timestampUs":…}`, and the request/reply that forwards a
 * device's POST /api/signals to the vehicle's host. Whatever arrives from the
 * bus is checked here like a POST's samples (the same catalogue and ranges):
 * anybody with publish rights could have sent it.
 */
import AjvModule from 'ajv';
import type { DriveName } from '../signals/drives.js';
import { sampleProblem, type SampleInput } from '../signals/validateSample.js';
import type { SignalSample } from '../wire/signals.js';
import { SUBJECT_ROOT } from './subjects.js';

/** The payload of one sample; the path is the subject's tail. */
export interface SignalMessage {
  value: number;
  /** Microseconds since the epoch, when the host's source measured (or set) it. */
  timestampUs: number;
}

/** The host's answer to a forwarded POST: what the local POST answers, or its error with the local status. */
export type SignalsSetReply =
  | { ok: true; samples: SignalSample[]; drive: DriveName | null }
  | { ok: false; code: string; message: string; status: number };

const Ajv = AjvModule.default ?? AjvModule;
const validateMessage = new Ajv({ strict: true }).compile<SignalMessage>({
  type: 'object',
  additionalProperties: false,
  required: ['value', 'timestampUs'],
  properties: { value: { type: 'number' }, timestampUs: { type: 'number', minimum: 0 } },
});

/** Largest sample message taken from the bus; a real one is ~50 bytes. */
const MAX_MESSAGE_BYTES = 1024;

export function encodeSignal(sample: Pick<SignalSample, 'value' | 'timestampUs'>): string {
  const m: SignalMessage = { value: sample.value as number, timestampUs: sample.timestampUs };
  return JSON.stringify(m);
}

/**
 * The sample a message on `subject` carries for `vehicle`, or why it is
 * refused (wrong subject, not JSON, wrong shape, unknown path, out of range):
 * a refused message is logged and dropped by the caller, never applied.
 */
export function decodeSignal(vehicle: string, subject: string, data: Uint8Array, nowUs: number): { sample: SampleInput } | { problem: string } {
  const prefix = `${SUBJECT_ROOT}.${vehicle}.vss.`;
  if (!subject.startsWith(prefix)) return { problem: `subject ${subject} is not under ${prefix}` };
  const path = subject.slice(prefix.length);
  if (data.length > MAX_MESSAGE_BYTES) return { problem: `${path}: message of ${data.length} bytes (at most ${MAX_MESSAGE_BYTES})` };
  let body: unknown;
  try {
    body = JSON.parse(new TextDecoder('utf-8', { fatal: true }).decode(data));
  } catch {
    return { problem: `${path}: the message is not JSON` };
  }
  if (!validateMessage(body)) {
    const e = validateMessage.errors?.[0];
    return { problem: `${path}: ${e?.instancePath || '/'} ${e?.message ?? 'does not match {value, timestampUs}'}` };
  }
  const sample: SampleInput = { path, value: body.value, timestampUs: body.timestampUs };
  const problem = sampleProblem(sample, nowUs);
  return problem ? { problem } : { sample };
}
