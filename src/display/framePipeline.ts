/**
 * Received frame → decode → paint: one decode running and the newest frame
 * waiting behind it (jpegDecoder.ts). Each frame is painted with the overlay
 * in force when it arrived. `invalidate()` makes frames still decoding from
 * before a loss or reconnect be thrown away, so a late decode can never flip
 * the screen back to live.
 *
 * The age rule (docs/display.md, "Never an old picture"): a frame older than
 * the limit (capture time on the server's clock, see src/wire/clock.ts) is
 * never painted. It is checked when the frame arrives (a too-old JPEG is not
 * even decoded; H.264 still is, the frames after it need it) and again just
 * before painting, since decoding and a busy page take time too.
 */
import { nowUs, type DecodedFrame } from '../wire/frame.js';
import type { Overlay } from '../wire/overlay.js';
import { overlayFromMeta } from './frameMeta.js';
import type { H264Decoder } from './h264Decoder.js';
import type { JpegDecoder } from './jpegDecoder.js';
import type { StatsTracker } from './stats.js';

export interface FramePipelineDeps {
  decoder: JpegDecoder;
  /** Decodes H.264 frames when the page asked for them (h264Decoder.ts). */
  h264?: H264Decoder | undefined;
  /** What paints: the large view's Renderer, a camera tile's painter, or a surround view's camera (which also wants the frame: its capture time). */
  renderer: { paint(image: ImageBitmap, overlay: Overlay | undefined, frame: DecodedFrame): void };
  stats: StatsTracker;
  /** Called after each paint of a frame younger than the limit (the liveness watchdog's heartbeat). */
  onPainted(): void;
  /** A frame that may not be shown as live: too old (its age, ms) or of unknown age (null, painted dimmed). */
  onNotFresh(ageMs: number | null): void;
  /** The most a frame can be old now, ms; null without a clock estimate. */
  ageOf(frame: DecodedFrame): number | null;
  /** The age limit in force, ms. */
  maxAgeMs(): number;
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
    const tooOld = (age: number | null): age is number => age !== null && age > this.#d.maxAgeMs();
    const arrivalAge = frame.catchUp ? null : this.#d.ageOf(frame);
    let refused = false;
    if (tooOld(arrivalAge)) {
      refused = true;
      stats.stale(arrivalAge);
      this.#d.onNotFresh(arrivalAge);
      if (!h264) return; // nothing after it depends on a JPEG: not even decoded
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
        if (generation !== this.#generation || refused) {
          bitmap.close();
          return;
        }
        const checkedUs = nowUs();
        const age = this.#d.ageOf(frame);
        if (tooOld(age)) {
          bitmap.close();
          stats.stale(age);
          this.#d.onNotFresh(age);
          return;
        }
        if (age === null) this.#d.onNotFresh(null);
        else this.#d.onPainted();
        this.#d.renderer.paint(bitmap, overlayForFrame, frame);
        stats.painted(frame, bitmap.width, bitmap.height, decodeMs, age, checkedUs);
        stats.overlayPainted(overlayForFrame);
      },
      (err: unknown) => this.#d.onProblem(`decode failed: ${(err as Error).message ?? String(err)}`),
    );
  }
}
