/**
 * What crosses the process boundary between the gateway and a service child.
 * Control goes over Node's IPC channel as small JSON messages; frames go over
 * a separate pipe (child fd 3, a socket pair: both ways) as length-prefixed
 * binary records, so a frame costs one write and one read, never JSON or
 * base64. A service's own frames go child → parent; the frames of the
 * streams a viewer service records (manifest `records`) go parent → child,
 * the record's id naming the stream (`service/camera`).
 *
 * Frame record: u32le recordLength | u8 cameraIdLength | cameraId (utf8) | wire frame (src/wire/frame.ts)
 */
import type { CalibrationConfig, CameraConfig, VehicleConfig } from '../config/types.js';
import type { CodecName } from '../wire/frame.js';
import type { StreamEvent } from '../wire/messages.js';
import type { OpenedCamera, ServiceManifest } from '../service/types.js';
import type { SignalSample } from '../wire/signals.js';

/** Set in a spare service host's environment (spareHost.ts): serviceMain preloads the camera layer while it waits. */
export const SPARE_ENV = 'REVCAM_SPARE_HOST';

export const FRAME_PIPE_FD = 3;

export type ParentMessage =
  /** `service`: the instance id (a spare host learns which service it is here). */
  /** `settings`: the service kind's own config section (the recorder's `recorder`), when it has one. */
  | { op: 'init'; service?: string; manifest: ServiceManifest; moduleUrl: string; cameras: Record<string, CameraConfig>; vehicle: VehicleConfig; settings?: unknown }
  | { op: 'open'; id: number; camera: string; codec: CodecName }
  | { op: 'close'; id: number; camera: string; codec: CodecName }
  | { op: 'ping'; id: number }
  | { op: 'signals'; samples: SignalSample[] }
  /** The cameras and vehicle changed (a live reload): ServiceContext gets them, then ServiceLogic.onSettings. */
  | { op: 'settings'; cameras: Record<string, CameraConfig>; vehicle: VehicleConfig }
  /** A camera's calibration changed (installer calibration): applied live, no restart. */
  | { op: 'calibration'; camera: string; calibration: CalibrationConfig }
  /** A service's own operation (ServiceLogic.call), e.g. the recorder's trigger; answered by a `reply` with `result`. */
  | { op: 'call'; id: number; method: string; args: unknown }
  | { op: 'stop' };

export type ChildMessage =
  | { op: 'ready' }
  | { op: 'initFailed'; message: string }
  | { op: 'reply'; id: number; ok: true; opened?: OpenedCamera; result?: unknown }
  /** `code`: a RevcamError's code thrown by the service, passed on as is (else the parent's own). */
  | { op: 'reply'; id: number; ok: false; message: string; code?: string }
  | { op: 'pong'; id: number; framesOut: number; framesDropped: number; rssBytes: number }
  | { op: 'status'; camera: string; event: StreamEvent; message: string }
  | { op: 'log'; level: 'info' | 'warn' | 'error'; msg: string; data?: Record<string, unknown> };

/** The record prefix (length, camera id) that goes in front of a wire frame of `wireLength` bytes. */
export function recordPrefix(camera: string, wireLength: number): Buffer {
  const cam = Buffer.from(camera, 'utf8');
  if (cam.length > 255) throw new Error(`camera id too long: ${camera}`);
  const out = Buffer.allocUnsafe(5 + cam.length);
  out.writeUInt32LE(1 + cam.length + wireLength, 0);
  out.writeUInt8(cam.length, 4);
  cam.copy(out, 5);
  return out;
}

/**
 * Streaming parser for frame records. Chunks arrive at arbitrary boundaries
 * (64 kB pipe reads). A record that arrives whole in one chunk is handed out
 * as a view without copying; a record spread over chunks is copied once into
 * a buffer of its own length, allocated when its length is known.
 */
export class FrameRecordParser {
  /** The 4-byte length prefix, when it straddles chunks. */
  #lenBytes = Buffer.alloc(4);
  #lenFilled = 0;
  /** The record being filled across chunks. */
  #partial: Buffer | undefined;
  #filled = 0;

  constructor(
    private readonly onRecord: (camera: string, wireFrame: Buffer) => void,
    private readonly maxRecordBytes = 64 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let off = 0;
    while (off < chunk.length) {
      if (this.#partial) {
        const n = Math.min(this.#partial.length - this.#filled, chunk.length - off);
        chunk.copy(this.#partial, this.#filled, off, off + n);
        this.#filled += n;
        off += n;
        if (this.#filled === this.#partial.length) {
          const record = this.#partial;
          this.#partial = undefined;
          this.#emit(record);
        }
        continue;
      }
      let len: number;
      if (this.#lenFilled === 0 && chunk.length - off >= 4) {
        len = chunk.readUInt32LE(off);
        off += 4;
      } else {
        const n = Math.min(4 - this.#lenFilled, chunk.length - off);
        chunk.copy(this.#lenBytes, this.#lenFilled, off, off + n);
        this.#lenFilled += n;
        off += n;
        if (this.#lenFilled < 4) return;
        this.#lenFilled = 0;
        len = this.#lenBytes.readUInt32LE(0);
      }
      if (len > this.maxRecordBytes || len < 2) throw new Error(`frame record of ${len} bytes is out of bounds`);
      if (chunk.length - off >= len) {
        this.#emit(chunk.subarray(off, off + len));
        off += len;
      } else {
        this.#partial = Buffer.allocUnsafe(len);
        this.#filled = 0;
      }
    }
  }

  /** A record is `u8 cameraIdLength | cameraId | wire frame`. */
  #emit(record: Buffer): void {
    const camLen = record.readUInt8(0);
    this.onRecord(record.toString('utf8', 1, 1 + camLen), record.subarray(1 + camLen));
  }
}
