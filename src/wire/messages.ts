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
  | 'NOT_FOUND'
  | 'REQUEST_TIMEOUT'
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

export type ClientMessage = StreamRequestMessage;
export type ServerMessage = AcceptedMessage | ErrorMessage | StatusMessage;

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
