/**
 * What crosses the process boundary between the gateway and a service child.
 * Control goes over Node's IPC channel as small JSON messages; frames go over
 * a separate pipe (child fd 3) as length-prefixed binary records, so a frame
 * costs one write and one read, never JSON or base64.
 *
 * Frame record: u32le recordLength | u8 cameraIdLength | cameraId (utf8) | wire frame (src/wire/frame.ts)
 */
import type { CameraConfig, VehicleConfig } from '../config/types.js';
import type { CodecName } from '../wire/frame.js';
import type { StreamEvent } from '../wire/messages.js';
import type { OpenedCamera, ServiceManifest } from '../service/types.js';
import type { SignalSample } from '../wire/signals.js';

export const FRAME_PIPE_FD = 3;

export type ParentMessage =
  | { op: 'init'; manifest: ServiceManifest; moduleUrl: string; cameras: Record<string, CameraConfig>; vehicle: VehicleConfig }
  | { op: 'open'; id: number; camera: string; codec: CodecName }
  | { op: 'close'; id: number; camera: string; codec: CodecName }
  | { op: 'ping'; id: number }
  | { op: 'signals'; samples: SignalSample[] }
  | { op: 'stop' };

export type ChildMessage =
  | { op: 'ready' }
  | { op: 'initFailed'; message: string }
  | { op: 'reply'; id: number; ok: true; opened?: OpenedCamera }
  | { op: 'reply'; id: number; ok: false; message: string }
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
 * Streaming parser for frame records. Chunks arrive at arbitrary boundaries;
 * a record that arrives whole in one chunk is handed out as a view without copying.
 */
export class FrameRecordParser {
  #pending: Buffer[] = [];
  #pendingBytes = 0;

  constructor(
    private readonly onRecord: (camera: string, wireFrame: Buffer) => void,
    private readonly maxRecordBytes = 64 * 1024 * 1024,
  ) {}

  push(chunk: Buffer): void {
    let buf = chunk;
    if (this.#pendingBytes > 0) {
      this.#pending.push(chunk);
      buf = Buffer.concat(this.#pending, this.#pendingBytes + chunk.length);
      this.#pending = [];
      this.#pendingBytes = 0;
    }
    let off = 0;
    while (buf.length - off >= 4) {
      const len = buf.readUInt32LE(off);
      if (len > this.maxRecordBytes || len < 2) throw new Error(`frame record of ${len} bytes is out of bounds`);
      if (buf.length - off - 4 < len) break;
      const camLen = buf.readUInt8(off + 4);
      const camera = buf.toString('utf8', off + 5, off + 5 + camLen);
      this.onRecord(camera, buf.subarray(off + 5 + camLen, off + 4 + len));
      off += 4 + len;
    }
    if (off < buf.length) {
      const rest = buf.subarray(off);
      this.#pending.push(rest);
      this.#pendingBytes = rest.length;
    }
  }
}
