/**
 * H.264 payload → ImageBitmap through WebCodecs' VideoDecoder (Chromium
 * decodes it in software where there is no hardware decoder). Every frame
 * is decoded, because each later frame refers to earlier ones; only frames
 * meant to be seen are painted: catch-up frames (the cached group a new
 * viewer gets at once, docs/protocol.md) are decoded and dropped.
 *
 * The payload is Annex-B, so the decoder is configured without a
 * `description` and fed the access units as they come; the codec string
 * (`avc1.PPCCLL`) is read from the keyframe's SPS. A decoded picture may be
 * larger than the image (720p is coded as 736 lines): only its visibleRect
 * is turned into the bitmap. Every frame is decoded, but when converting
 * pictures to bitmaps is slower than the frame rate only the newest one is
 * converted (latest wins, as in jpegDecoder.ts), so the picture stays current.
 */
import type { DecodedFrame } from '../wire/frame.js';
import { avcCodecString, parameterSets } from '../wire/h264.js';
import type { StreamRequestMessage } from '../wire/messages.js';
import type { Decoded } from './jpegDecoder.js';

/** Frames queued in the decoder above which it is hopelessly behind: skip to the next keyframe. */
const MAX_DECODE_QUEUE = 120;
/** Frames queued in the decoder above which a decoded picture is not worth painting: a newer one follows. */
const BEHIND_QUEUE = 1;

interface PendingFrame {
  resolve(d: Decoded | null): void;
  reject(err: unknown): void;
  paint: boolean;
  start: number;
}

export interface H264DecoderEvents {
  /** The browser cannot decode this stream (the config was rejected): use JPEG instead. */
  unsupported(reason: string): void;
  problem(reason: string): void;
}

export class H264Decoder {
  readonly path = 'h264/WebCodecs';
  readonly #on: H264DecoderEvents;
  #decoder: VideoDecoder | undefined;
  #codec = '';
  #needKeyframe = true;
  #pending = new Map<number, PendingFrame>();
  #nextTimestamp = 0;
  #decodedAny = false;
  #skipped = 0;
  #converting = false;
  #scratch: HTMLCanvasElement | undefined;
  #waiting: { frame: VideoFrame; entry: PendingFrame } | undefined;

  static available(): boolean {
    return typeof VideoDecoder === 'function' && typeof EncodedVideoChunk === 'function';
  }

  constructor(on: H264DecoderEvents) {
    this.#on = on;
  }

  /** Frames not shown: skipped until a keyframe, or decoded but replaced by a newer picture before painting. */
  get skipped(): number {
    return this.#skipped;
  }

  /** The codec string in use, e.g. `avc1.42C01F` ('' before the first keyframe). */
  get codec(): string {
    return this.#codec;
  }

  /**
   * Decodes the frame; resolves with the picture when it is to be painted,
   * null when it is not (catch-up, or skipped until a keyframe).
   */
  decode(frame: DecodedFrame): Promise<Decoded | null> {
    if (frame.discontinuity && !frame.keyframe) this.#needKeyframe = true;
    if (frame.keyframe) this.#configureFor(frame.payload);
    const dec = this.#decoder;
    if (dec && dec.decodeQueueSize > MAX_DECODE_QUEUE) this.#needKeyframe = true;
    if (!dec || dec.state !== 'configured' || (this.#needKeyframe && !frame.keyframe)) {
      this.#skipped++;
      return Promise.resolve(null);
    }
    this.#needKeyframe = false;
    const timestamp = this.#nextTimestamp++;
    const done = new Promise<Decoded | null>((resolve, reject) => {
      this.#pending.set(timestamp, { resolve, reject, paint: !frame.catchUp, start: performance.now() });
    });
    try {
      dec.decode(new EncodedVideoChunk({ type: frame.keyframe ? 'key' : 'delta', timestamp, data: frame.payload }));
    } catch (err) {
      this.#pending.get(timestamp)?.reject(err);
      this.#pending.delete(timestamp);
      this.#needKeyframe = true;
    }
    return done;
  }

  /** Skips the picture waiting for conversion, if any (a loss or reconnect makes it worthless); decoding goes on. */
  dropWaiting(): void {
    if (!this.#waiting) return;
    this.#waiting.frame.close();
    this.#waiting.entry.resolve(null);
    this.#waiting = undefined;
    this.#skipped++;
  }

  close(): void {
    if (this.#decoder && this.#decoder.state !== 'closed') this.#decoder.close();
    this.dropWaiting();
    this.#settleAll(null);
  }

  #configureFor(payload: Uint8Array): void {
    const { sps } = parameterSets(payload);
    if (!sps) return;
    let codec: string;
    try {
      codec = avcCodecString(sps);
    } catch {
      return;
    }
    if (codec === this.#codec && this.#decoder && this.#decoder.state === 'configured') return;
    this.#codec = codec;
    if (!this.#decoder || this.#decoder.state === 'closed') {
      this.#decoder = new VideoDecoder({ output: (f) => this.#output(f), error: (e) => this.#error(e) });
    }
    try {
      // No description: the chunks are Annex-B with SPS/PPS in band.
      this.#decoder.configure({ codec, optimizeForLatency: true, hardwareAcceleration: 'no-preference' });
    } catch (err) {
      this.#on.unsupported(`VideoDecoder rejected ${codec}: ${(err as Error).message}`);
    }
  }

  #output(frame: VideoFrame): void {
    const ts = frame.timestamp;
    // Frames the decoder dropped come out as nothing: settle anything older.
    for (const [t, p] of this.#pending) {
      if (t >= ts) break;
      this.#pending.delete(t);
      p.resolve(null);
    }
    const entry = this.#pending.get(ts);
    this.#pending.delete(ts);
    this.#decodedAny = true;
    if (!entry || !entry.paint) {
      frame.close();
      entry?.resolve(null);
      return;
    }
    // Newer frames are already queued for decoding: this picture would be old when painted, and
    // converting it would hold the decoder back further. Decode on, paint the newest.
    if ((this.#decoder?.decodeQueueSize ?? 0) > BEHIND_QUEUE) {
      frame.close();
      entry.resolve(null);
      this.#skipped++;
      return;
    }
    // Turning a picture into a bitmap (YUV to RGB) can take longer than a frame interval on a
    // small machine without a GPU. Decoding must go on for every frame, but only the newest
    // picture needs converting: one conversion runs, one picture waits, a newer one replaces it.
    if (this.#converting) {
      if (this.#waiting) {
        this.#waiting.frame.close();
        this.#waiting.entry.resolve(null);
        this.#skipped++;
      }
      this.#waiting = { frame, entry };
      return;
    }
    this.#convert(frame, entry);
  }

  #convert(frame: VideoFrame, entry: PendingFrame): void {
    this.#converting = true;
    const r = frame.visibleRect ?? { x: 0, y: 0, width: frame.displayWidth, height: frame.displayHeight };
    // Drawing the frame on a canvas and snapshotting that is the cheap path in Chromium without a
    // GPU (about 17 ms at 720p on a small machine, against 45 ms for createImageBitmap(frame),
    // which also held the decoder's output back).
    const canvas = (this.#scratch ??= document.createElement('canvas'));
    if (canvas.width !== r.width || canvas.height !== r.height) {
      canvas.width = r.width;
      canvas.height = r.height;
    }
    let snapshot: Promise<ImageBitmap>;
    try {
      const ctx = canvas.getContext('2d');
      if (!ctx) throw new Error('2D canvas is not available');
      ctx.drawImage(frame, r.x, r.y, r.width, r.height, 0, 0, r.width, r.height);
      snapshot = createImageBitmap(canvas);
    } catch (err) {
      snapshot = Promise.reject(err);
    } finally {
      frame.close();
    }
    snapshot
      .then(
        (bitmap) => entry.resolve({ bitmap, decodeMs: performance.now() - entry.start }),
        (err: unknown) => entry.reject(err),
      )
      .finally(() => {
        this.#converting = false;
        const next = this.#waiting;
        this.#waiting = undefined;
        if (next) this.#convert(next.frame, next.entry);
      });
  }

  #error(e: DOMException): void {
    this.#needKeyframe = true;
    this.#settleAll(null); // reported once below, not once per frame
    if (!this.#decodedAny && e.name === 'NotSupportedError') this.#on.unsupported(`VideoDecoder cannot decode ${this.#codec}: ${e.message}`);
    else this.#on.problem(`H.264 decode error: ${e.message}; waiting for the next keyframe`);
  }

  #settleAll(value: null): void {
    for (const p of this.#pending.values()) p.resolve(value);
    this.#pending.clear();
  }
}

/**
 * The page asked for H.264: an H264Decoder when WebCodecs is there, else the
 * request falls back to JPEG and the reason is returned for the HUD.
 */
export function h264DecoderFor(request: StreamRequestMessage, on: H264DecoderEvents): { decoder?: H264Decoder; fallback?: string } {
  if (request.codec !== 'h264') return {};
  if (H264Decoder.available()) return { decoder: new H264Decoder(on) };
  request.codec = 'jpeg';
  return { fallback: 'no WebCodecs VideoDecoder' };
}
