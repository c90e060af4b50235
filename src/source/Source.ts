/**
 * Where frames come from. A Source knows nothing of services, streams or
 * transports: it produces encoded frames with honest capture timestamps.
 */
import type { CodecName } from '../wire/frame.js';

export interface SourceFrame {
  codec: CodecName;
  keyframe: boolean;
  /** Capture time, microseconds since the Unix epoch (wire/frame.ts nowUs()). */
  captureUs: number;
  width: number;
  height: number;
  /** The encoded image (one JPEG) or access unit (H.264 Annex-B). Owned by the receiver. */
  data: Uint8Array;
}

export type SourceListener = {
  frame: (frame: SourceFrame) => void;
  /** The source stopped delivering (process died, device gone, stall). */
  lost: (reason: string) => void;
  /** Frames flow again after `lost`. */
  restored: () => void;
};

export interface Source {
  readonly width: number;
  readonly height: number;
  readonly fps: number;
  readonly codec: CodecName;
  /** Starts capture; resolves once capture is running (not necessarily after the first frame). */
  start(): Promise<void>;
  /** Stops capture and releases the device; idempotent. */
  stop(): Promise<void>;
  on<E extends keyof SourceListener>(event: E, listener: SourceListener[E]): this;
  off<E extends keyof SourceListener>(event: E, listener: SourceListener[E]): this;
}
