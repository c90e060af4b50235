/**
 * JSON control messages on the stream WebSocket (text frames), shared by the
 * server, the CLI probe and the display. Binary frames use ./frame.ts.
 * Pure: no Node or DOM imports.
 */
import type { CodecName } from './frame.js';
import type { Overlay } from './overlay.js';

/** Stable error codes. The catalogue with messages and HTTP status lives in src/errors. */
export type ErrorCode =
  | 'BAD_REQUEST'
  | 'UNAUTHORIZED'
  | 'FORBIDDEN'
  | 'CAPACITY_EXCEEDED'
  | 'SERVICE_NOT_FOUND'
  | 'CAMERA_NOT_AVAILABLE'
  | 'CODEC_UNSUPPORTED'
  | 'SERVICE_FAILED'
  | 'MESSAGE_TOO_LARGE'
  | 'SIGNAL_INVALID'
  | 'CALIBRATION_REJECTED'
  | 'NOT_FOUND'
  | 'REQUEST_TIMEOUT'
  | 'RECORDER_FULL'
  | 'CONFIG_INVALID'
  | 'INTERNAL';

/** What a device asks for (the StreamRequest noun, as it travels). */
export interface StreamRequestMessage {
  type: 'request';
  service: string;
  /** Which vehicle's service (a gateway on a bus sees several); same name rules as `service`. */
  vehicle?: string;
  camera: string;
  codec: CodecName;
  maxWidth?: number;
  maxFps?: number;
  /** Device token, for clients that cannot set headers or query strings. */
  token?: string;
}

export interface AcceptedMessage {
  type: 'accepted';
  streamId: string;
  service: string;
  version: string;
  instance: string;
  /** The vehicle the instance belongs to, when it names one. */
  vehicle?: string;
  camera: string;
  codec: CodecName;
  width: number;
  height: number;
  fps: number;
  /** The overlay currently in force; later changes arrive as frame metadata. */
  overlay?: Overlay;
  /** Server clock when the request arrived, µs since the epoch (t1 of a clock sample, docs/protocol.md §3.5). */
  requestReceivedUs?: number;
  /**
   * Server clock when this message was sent, µs (t2): with the time the
   * request left (t0) and this arrived (t3), a first clock sample. Its
   * presence also says the server answers `clock`.
   */
  serverTimeUs?: number;
  /** Frames older than this (capture to now, server clock) must not be shown as live (config `display.maxFrameAgeMs`). */
  maxFrameAgeMs?: number;
}

export interface ErrorMessage {
  type: 'error';
  code: ErrorCode;
  message: string;
}

/** Stream health events; the connection stays open across them. */
export type StreamEvent =
  | 'SOURCE_LOST'
  | 'SOURCE_RESTORED'
  | 'SERVICE_RESTARTING'
  /** The instance is unreachable (its host left the bus); the stream resumes if it returns. */
  | 'SERVICE_LOST'
  | 'VIEWER_TOO_SLOW'
  | 'STREAM_ENDED';

export interface StatusMessage {
  type: 'status';
  event: StreamEvent;
  message: string;
}

/** A clock exchange (NTP-style, src/wire/clock.ts): the client's clock when it sent this, µs. Allowed any time. */
export interface ClockRequestMessage {
  type: 'clock';
  t0: number;
}

/** The answer: t0 echoed, the server's clock when the request arrived (t1) and when this left (t2), µs. */
export interface ClockMessage {
  type: 'clock';
  t0: number;
  t1: number;
  t2: number;
}

export type ClientMessage = StreamRequestMessage | ClockRequestMessage;
export type ServerMessage = AcceptedMessage | ErrorMessage | StatusMessage | ClockMessage;

/** A well-formed `clock` request: a finite, non-negative t0 and nothing else that matters. */
export function isClockRequest(x: unknown): x is ClockRequestMessage {
  if (typeof x !== 'object' || x === null) return false;
  const m = x as { type?: unknown; t0?: unknown };
  return m.type === 'clock' && typeof m.t0 === 'number' && Number.isFinite(m.t0) && m.t0 >= 0;
}

/** A well-formed `clock` answer (all three times finite). */
export function isClockAnswer(x: ServerMessage): x is ClockMessage {
  if (x.type !== 'clock') return false;
  const m = x as Partial<ClockMessage>;
  return [m.t0, m.t1, m.t2].every((t) => typeof t === 'number' && Number.isFinite(t));
}

/** The largest text message the server reads; anything bigger is refused with MESSAGE_TOO_LARGE. */
export const MAX_CONTROL_MESSAGE_BYTES = 4096;

/** JSON Schema of a StreamRequestMessage; the server validates every request against it. */
export const streamRequestSchema = {
  $id: 'revcam/stream-request',
  type: 'object',
  additionalProperties: false,
  required: ['type', 'service', 'camera', 'codec'],
  properties: {
    type: { const: 'request' },
    service: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
    vehicle: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
    camera: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
    codec: { enum: ['jpeg', 'h264'] },
    maxWidth: { type: 'integer', minimum: 16, maximum: 8192 },
    maxFps: { type: 'number', exclusiveMinimum: 0, maximum: 240 },
    token: { type: 'string', minLength: 1, maxLength: 512 },
  },
} as const;

export function isServerMessage(x: unknown): x is ServerMessage {
  return typeof x === 'object' && x !== null && typeof (x as { type?: unknown }).type === 'string';
}
