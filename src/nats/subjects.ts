/**
 * The subject layout of revcam on NATS (docs/distributed.md), one place:
 *
 *   revcam.v1.<vehicle>.<instance>.open                    request/reply (micro-service endpoint)
 *   revcam.v1.<vehicle>.<instance>.close                   request/reply (micro-service endpoint)
 *   revcam.v1.<vehicle>.<instance>.state                   the instance's state, on change
 *   revcam.v1.<vehicle>.<instance>.<camera>.status         stream health events of a camera
 *   revcam.v1.<vehicle>.<instance>.<camera>.<codec>.frames finished wire frames, one per message
 *   revcam.v1.<vehicle>.<instance>.<camera>.<codec>.group.<token>
 *                                                          H.264: the cached group, to one opening gateway
 *   revcam.v1.<vehicle>.vss.<VSS path>                     one vehicle signal sample, {value, timestampUs}
 *   revcam.v1.<vehicle>.signals.set                        request/reply: a forwarded POST /api/signals
 *   revcam.v1.<vehicle>.events.trigger | .lock             request/reply: the fleet triggers or locks a clip
 *   revcam.v1.<vehicle>.evidence.<clipId>.chunks           JetStream: the clip's mp4, one chunk per message
 *   revcam.v1.<vehicle>.evidence.<clipId>.signals          JetStream: the signal timeline sidecar, chunked
 *   revcam.v1.<vehicle>.evidence.<clipId>.manifest         JetStream: the manifest, once the fleet has it all
 *
 * Vehicle, camera and codec names follow the request's name rules
 * (`^[a-z][a-z0-9-]*$`), so they are valid subject tokens as they are; an
 * instance id (`reversing#2`) is made one by `instanceToken`. The token counts
 * of the service subjects differ (5, 5, 6, 7, 8), so none of one kind matches
 * another's. The fourth token `vss` and `signals` are reserved for the
 * vehicle's signals: an instance of that name gets the token `_vss` /
 * `_signals` (no name starts with `_`), so `revcam.v1.<vehicle>.vss.>` never
 * matches a service subject. A VSS path (`Vehicle.Speed`) is dot-separated
 * words, each a valid token, so it maps onto the subject as it is.
 */
import type { CodecName } from '../wire/frame.js';

export const SUBJECT_ROOT = 'revcam.v1';
/** Metadata `protocol` of every revcam micro-service: discovery ignores other services on the bus. */
export const PROTOCOL = 'revcam.v1';

/** Fourth-level tokens owned by the vehicle's signals, never by a service instance. */
export const RESERVED_TOKENS: readonly string[] = ['vss', 'signals', 'events', 'evidence'];

/**
 * A subject token from an instance id: anything but letters, digits, `-` and
 * `_` becomes `_`; a reserved token (`vss`, `signals`) gets a leading `_`.
 */
export function instanceToken(id: string): string {
  const token = id.replace(/[^A-Za-z0-9_-]/g, '_');
  return RESERVED_TOKENS.includes(token) ? `_${token}` : token;
}

export const subjects = {
  prefix: (vehicle: string, token: string) => `${SUBJECT_ROOT}.${vehicle}.${token}`,
  open: (prefix: string) => `${prefix}.open`,
  close: (prefix: string) => `${prefix}.close`,
  state: (prefix: string) => `${prefix}.state`,
  status: (prefix: string, camera: string) => `${prefix}.${camera}.status`,
  anyStatus: (prefix: string) => `${prefix}.*.status`,
  frames: (prefix: string, camera: string, codec: CodecName) => `${prefix}.${camera}.${codec}.frames`,
  group: (prefix: string, camera: string, codec: CodecName, token: string) => `${prefix}.${camera}.${codec}.group.${token}`,
  /** One VSS path of one vehicle (`revcam.v1.veh-a.vss.Vehicle.Speed`). */
  vss: (vehicle: string, path: string) => `${SUBJECT_ROOT}.${vehicle}.vss.${path}`,
  /** Every signal of one vehicle: what a gateway subscribes to, per vehicle (never a wildcard over vehicles). */
  vssAll: (vehicle: string) => `${SUBJECT_ROOT}.${vehicle}.vss.>`,
  /** The host's input for client-set signals (a forwarded POST /api/signals). */
  signalsSet: (vehicle: string) => `${SUBJECT_ROOT}.${vehicle}.signals.set`,
  /** The fleet's requests to the vehicle's recorder: `trigger` or `lock`. */
  events: (vehicle: string, op: 'trigger' | 'lock') => `${SUBJECT_ROOT}.${vehicle}.events.${op}`,
  /** Every evidence subject of one vehicle: its JetStream stream's subjects. */
  evidenceAll: (vehicle: string) => `${SUBJECT_ROOT}.${vehicle}.evidence.>`,
  /** One part of one clip: `chunks` (the mp4), `signals` (the sidecar), `manifest`. */
  evidence: (vehicle: string, clipId: string, part: 'chunks' | 'signals' | 'manifest') => `${SUBJECT_ROOT}.${vehicle}.evidence.${clipId}.${part}`,
  /** Every clip's manifest of one vehicle. */
  evidenceManifests: (vehicle: string) => `${SUBJECT_ROOT}.${vehicle}.evidence.*.manifest`,
};

/** A group token: one subject token, chosen by the gateway for one open. */
export const GROUP_TOKEN = /^[A-Za-z0-9_-]{1,64}$/;

/** What a gateway sends to `open` (also every lease renewal) and `close`. */
export interface OpenRequest {
  camera: string;
  codec: CodecName;
  /** The gateway holding the lease: the host keeps the camera open while any gateway's lease is alive. */
  gateway: string;
  /**
   * H.264, first open only: send the cached group of pictures to
   * subjects.group(…, group) before replying, so the gateway's first viewer
   * starts at once instead of waiting up to a GOP for the next keyframe.
   */
  group?: string;
}

/** The reply to `open`/`close`: ok, or the same error code the local path would give. */
export type ControlReply =
  | { ok: true; opened?: { width: number; height: number; fps: number }; state?: string; /** Frames of the cached group sent before this reply. */ group?: number }
  | { ok: false; code: string; message: string };

/** Published on `state`. */
export interface StateMessage {
  state: string;
  restarts: number;
  consecutiveFailures: number;
  lastError?: string | undefined;
}

/** Published on `status`. */
export interface StatusEventMessage {
  event: string;
  message: string;
}
