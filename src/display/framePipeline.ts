/**
 * Received frame → decode → paint: one decode running and the newest frame
 * waiting behind it (jpegDecoder.ts). Each frame is painted with the overlay
 * in force when it arrived. `invalidate()` makes frames still decoding from
 * before a loss or reconnect be thrown away, so a late decode can never flip
 * the screen back to live.
 */
import type { DecodedFrame } from '../wire/frame.js';
import type { Overlay } from '../wire/overlay.js';
import { overlayFromMeta } from './frameMeta.js';
import type { H264Decoder } from './h264Decoder.js';
import type { JpegDecoder } from './jpegDecoder.js';
import type { Renderer } from './renderer.js';
import type { StatsTracker } from './stats.js';

export interface FramePipelineDeps {
  decoder: JpegDecoder;
  /** Decodes H.264 frames when the page asked for them (h264Decoder.ts). */
  h264?: H264Decoder | undefined;
  renderer: Renderer;
  stats: StatsTracker;
  /** Called after each paint (the liveness watchdog's heartbeat). */
  onPainted(): void;
  onProblem(reason: string): void;
}

export class FramePipeline {
  readonly #d: FramePipelineDeps;
  #overlay: Overlay | undefined;
  #generation = 0;

  constructor(deps: FramePipelineDeps) {
    this.#d = deps;
  }

  /** The overlay from an `accepted` message; frame metadata replaces it later. */
  setOverlay(overlay: Overlay | undefined): void {
    if (overlay) this.#overlay = overlay;
  }

  invalidate(): void {
    this.#generation++;
    this.#d.decoder.dropWaiting();
  }

  push(frame: DecodedFrame): void {
    const { decoder, stats } = this.#d;
    stats.received(frame);
    const overlay = overlayFromMeta(frame.meta);
    if (overlay) this.#overlay = overlay;
    const h264 = frame.codec === 'h264' ? this.#d.h264 : undefined;
    if (frame.codec !== 'jpeg' && !h264) {
      this.#d.onProblem(`cannot decode ${frame.codec} frames`);
      return;
    }
    const decoding = h264 ? h264.decode(frame) : decoder.decode(frame.payload);
    const active = h264 ?? decoder;
    stats.stats.decodeSkipped = active.skipped;
    const generation = this.#generation;
    const overlayForFrame = this.#overlay;
    decoding.then(
      (decoded) => {
        stats.stats.decodeSkipped = active.skipped;
        // null: a newer frame took this one's place while it waited.
        if (!decoded) return;
        const { bitmap, decodeMs } = decoded;
        if (generation !== this.#generation) {
          bitmap.close();
          return;
        }
        this.#d.onPainted();
        this.#d.renderer.paint(bitmap, overlayForFrame);
        stats.painted(frame, bitmap.width, bitmap.height, decodeMs);
        stats.overlayPainted(overlayForFrame);
      },
      (err: unknown) => this.#d.onProblem(`decode failed: ${(err as Error).message ?? String(err)}`),
    );
  }
}
