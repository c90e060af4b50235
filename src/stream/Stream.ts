/**
 * One producer, many consumers: the frames of one camera in one codec from
 * one service instance. The stream owns the viewer-facing sequence numbers
 * (continuous across service restarts, with the discontinuity flag set after
 * a gap), remembers the newest frame so a new viewer gets a live frame at
 * once, and remembers the overlay so a late viewer's first frame carries it.
 * It never waits for a viewer: fan-out is one loop of non-blocking pushes.
 *
 * H.264 frames depend on the frames before them back to the last keyframe,
 * so for H.264 the stream keeps that keyframe and every frame since (its
 * group of pictures, bounded in frames and bytes). A late viewer gets the
 * whole group at once, all but the newest frame flagged catch-up (decode,
 * do not paint), so its first painted frame is live and decodable. Without a
 * usable group it waits for the next keyframe, never starting mid-chain.
 */
import { Consumer } from '../consumer/Consumer.js';
import { TypedEmitter } from '../events/TypedEmitter.js';
import type { CodecName } from '../wire/frame.js';
import { decodeHeader, FrameFlag, nowUs } from '../wire/frame.js';
import { withMetadata } from './withMetadata.js';
import type { StreamEvent } from '../wire/messages.js';
import type { Overlay } from '../wire/overlay.js';

export interface StreamOptions {
  id: string;
  instanceId: string;
  camera: string;
  codec: CodecName;
  fps: number;
  /** H.264: the most frames kept since the last keyframe; a longer group is not cached. */
  gopMaxFrames?: number;
  /** H.264: the most bytes kept since the last keyframe. */
  gopMaxBytes?: number;
  /** The first sequence number: where an earlier stream of the same id left off (numbers never restart). */
  firstSeq?: number;
}

export const DEFAULT_GOP_MAX_FRAMES = 300;
export const DEFAULT_GOP_MAX_BYTES = 8 * 1024 * 1024;

export type StreamEvents = {
  status: [event: StreamEvent, message: string];
  /** The last consumer left. */
  idle: [];
  frame: [bytes: number];
};

export class Stream extends TypedEmitter<StreamEvents> {
  readonly id: string;
  readonly instanceId: string;
  readonly camera: string;
  readonly codec: CodecName;
  fps: number;
  width = 0;
  height = 0;
  #consumers = new Map<string, Consumer>();
  /** Viewers that have not had a frame yet: their first one must carry the current metadata. */
  #fresh = new Set<Consumer>();
  #latest: Buffer | undefined;
  #latestCaptureUs = 0;
  #latestHasMeta = false;
  #metaBytes: Buffer | undefined;
  #overlay: Overlay | undefined;
  #seq = 0;
  #gap = false;
  #firstFrameJoins: (() => void)[] = [];
  /** H.264: the last keyframe and the frames since, when they fit the bounds; empty otherwise. */
  #gop: Buffer[] = [];
  #gopBytes = 0;
  /**
   * Catch-up-flagged copies of #gop's frames (the first with the metadata),
   * made once for the first late viewer of the group and shared by every
   * later one (F5): no per-viewer copy of the group. Empty until needed.
   */
  #gopCatchUp: Buffer[] = [];
  /** The group's first frame unflagged with the metadata, for a late viewer whose whole group is that one live frame. */
  #gopFirstLive: Buffer | undefined;
  readonly #gopMaxFrames: number;
  readonly #gopMaxBytes: number;
  framesIn = 0;

  constructor(opts: StreamOptions) {
    super();
    this.id = opts.id;
    this.instanceId = opts.instanceId;
    this.camera = opts.camera;
    this.codec = opts.codec;
    this.fps = opts.fps;
    this.#gopMaxFrames = opts.gopMaxFrames ?? DEFAULT_GOP_MAX_FRAMES;
    this.#gopMaxBytes = opts.gopMaxBytes ?? DEFAULT_GOP_MAX_BYTES;
    this.#seq = (opts.firstSeq ?? 0) >>> 0;
  }

  /** The sequence number the next frame gets. */
  get nextSeq(): number {
    return this.#seq >>> 0;
  }

  /**
   * Runs `join` at the stream's first frame, once its size and overlay are known but before it
   * is fanned out (so a viewer added by `join` gets that frame as its first, live one), or at
   * once if the stream has had frames. Returns a function that cancels a join still waiting.
   */
  beforeFirstFrame(join: () => void): () => void {
    if (this.framesIn > 0) {
      join();
      return () => {};
    }
    this.#firstFrameJoins.push(join);
    return () => {
      this.#firstFrameJoins = this.#firstFrameJoins.filter((j) => j !== join);
    };
  }

  get viewers(): number {
    return this.#consumers.size;
  }

  consumers(): IterableIterator<Consumer> {
    return this.#consumers.values();
  }

  /** The overlay in force, for the `accepted` message. */
  get overlay(): Overlay | undefined {
    return this.#overlay;
  }

  /** The metadata in force (the latest frame metadata, as sent): what a viewer's next frame carries after it lost one with metadata. */
  get metadata(): Buffer | undefined {
    return this.#metaBytes;
  }

  /** Takes ownership of a wire frame from the service and fans it out. */
  push(wire: Buffer): void {
    const h = decodeHeader(wire);
    this.framesIn++;
    // After a gap an H.264 frame is of use to nobody until a keyframe: no viewer's decoder has what
    // it refers to. (It may also be a straggler from before the gap: frames and status events
    // reach the platform on different channels.) The keyframe then carries the discontinuity flag.
    if (this.#gap && this.codec === 'h264' && !h.keyframe) return;
    this.#take(wire, h);
    // Viewers waiting for the first frame join now: they see it as fresh viewers, not from the cache.
    if (this.#firstFrameJoins.length > 0) for (const join of this.#firstFrameJoins.splice(0)) join();
    this.#setLatest(wire, h);
    if (this.codec === 'h264') this.#remember(wire, h.keyframe);
    // An H.264 viewer can only start at a keyframe; a JPEG viewer at any frame.
    const startsHere = this.codec !== 'h264' || h.keyframe;
    if (this.#fresh.size > 0 && startsHere) {
      const first = this.#latestHasMeta || !this.#metaBytes ? wire : withMetadata(wire, this.#metaBytes);
      for (const c of this.#fresh) c.push(first);
    }
    for (const c of this.#consumers.values()) if (!this.#fresh.has(c)) c.push(wire);
    if (startsHere) this.#fresh.clear();
    this.emit('frame', wire.length);
  }

  /** H.264: the cached group (the last keyframe and the frames since), oldest first; empty when none. */
  cachedGroup(): readonly Buffer[] {
    return this.#gop;
  }

  /**
   * H.264, remote streams: the group the producing host had cached when this
   * stream opened, taken as if it had passed here (sequence numbers, size,
   * overlay, the cache) but fanned out to nobody as live. Viewers waiting for
   * the first frame join now and get it as a late viewer does: the group at
   * once, catch-up flagged. So a gateway's first viewer starts without
   * waiting for the host's next keyframe. Only before any frame, and only a
   * group that starts at a keyframe; returns whether it was taken.
   */
  seedGroup(frames: readonly Buffer[]): boolean {
    if (this.codec !== 'h264' || this.framesIn > 0 || frames.length === 0) return false;
    if (!decodeHeader(frames[0]!).keyframe) return false;
    for (const wire of frames) {
      const h = decodeHeader(wire);
      this.framesIn++;
      this.#take(wire, h);
      this.#setLatest(wire, h);
      this.#remember(wire, h.keyframe);
    }
    if (this.#firstFrameJoins.length > 0) for (const join of this.#firstFrameJoins.splice(0)) join();
    // Viewers added before any frame (a join that timed out) are waiting for a keyframe: the group is one.
    for (const c of [...this.#fresh]) {
      this.#fresh.delete(c);
      this.#addH264(c);
    }
    return true;
  }

  /** A frame becomes ours: our sequence number, the gap flag, size and overlay. */
  #take(wire: Buffer, h: ReturnType<typeof decodeHeader>): void {
    this.width = h.width;
    this.height = h.height;
    // Our sequence numbers, not the service's: they survive service restarts.
    wire.writeUInt32LE(this.#seq++ >>> 0, 8);
    if (this.#gap) {
      wire.writeUInt8(wire.readUInt8(4) | FrameFlag.discontinuity, 4);
      this.#gap = false;
    }
    if (h.metaLength > 0) {
      this.#metaBytes = Buffer.from(wire.subarray(h.headerLength, h.headerLength + h.metaLength));
      this.#dropCatchUpCopies(); // their first frame carries the old metadata
      this.#overlay = (JSON.parse(this.#metaBytes.toString('utf8')) as { overlay?: Overlay }).overlay ?? this.#overlay;
    }
  }

  #setLatest(wire: Buffer, h: ReturnType<typeof decodeHeader>): void {
    this.#latest = wire;
    this.#latestCaptureUs = h.captureUs;
    this.#latestHasMeta = h.metaLength > 0;
  }

  /** Frames cached for a late H.264 viewer (the last keyframe and those after it); 0 when none. */
  get cachedFrames(): number {
    return this.#gop.length;
  }

  get cachedBytes(): number {
    return this.#gopBytes;
  }

  #remember(wire: Buffer, keyframe: boolean): void {
    if (keyframe) {
      this.#gop = [wire];
      this.#gopBytes = wire.length;
      this.#dropCatchUpCopies();
      return;
    }
    if (this.#gop.length === 0) return; // no keyframe to build on since the group was dropped
    if (this.#gop.length >= this.#gopMaxFrames || this.#gopBytes + wire.length > this.#gopMaxBytes) {
      // Too long to hand a late viewer in one go: it waits for the next keyframe instead.
      this.#forgetGop();
      return;
    }
    this.#gop.push(wire);
    this.#gopBytes += wire.length;
  }

  #forgetGop(): void {
    this.#gop = [];
    this.#gopBytes = 0;
    this.#dropCatchUpCopies();
  }

  #dropCatchUpCopies(): void {
    this.#gopCatchUp = [];
    this.#gopFirstLive = undefined;
  }

  /** The group's frame i as a late viewer gets it: flagged catch-up, or (the newest, live) as is. */
  #groupFrame(i: number, catchUp: boolean): Buffer {
    const wire = this.#gop[i]!;
    const needsMeta = i === 0 && this.#metaBytes !== undefined && decodeHeader(wire).metaLength === 0;
    if (!catchUp) {
      if (!needsMeta) return wire;
      return (this.#gopFirstLive ??= withMetadata(wire, this.#metaBytes!));
    }
    for (let k = this.#gopCatchUp.length; k <= i; k++) {
      const src = this.#gop[k]!;
      const copy = k === 0 && needsMeta ? withMetadata(src, this.#metaBytes!) : Buffer.from(src);
      copy.writeUInt8(copy.readUInt8(4) | FrameFlag.catchUp, 4);
      this.#gopCatchUp.push(copy);
    }
    return this.#gopCatchUp[i]!;
  }

  /** Marks a gap (service restart, source lost): the next frame (H.264: the next keyframe) carries the discontinuity flag. */
  markGap(): void {
    this.#gap = true;
    // Frames from before a gap are no start for a new viewer's decoder.
    this.#forgetGop();
  }

  status(event: StreamEvent, message: string): void {
    if (event === 'SOURCE_LOST' || event === 'SERVICE_RESTARTING' || event === 'SERVICE_LOST') this.markGap();
    this.emit('status', event, message);
  }

  /**
   * A cached frame counts as live for a new viewer when it is at most one
   * frame interval old: delivery adds to its age, and the next frame is never
   * more than one interval away, so waiting for it costs little.
   */
  #liveLimitUs(): number {
    return 1e6 / this.fps;
  }

  /**
   * Adds a viewer. If the newest frame is live (see #liveLimitUs) the viewer
   * gets it at once, with the current metadata attached; an older frame would
   * show the driver the past, so it waits for the next.
   */
  add(consumer: Consumer): void {
    this.#consumers.set(consumer.id, consumer);
    if (this.codec === 'h264') return this.#addH264(consumer);
    const latest = this.#latest;
    if (!latest || nowUs() - this.#latestCaptureUs > this.#liveLimitUs()) {
      this.#fresh.add(consumer);
      return;
    }
    consumer.push(this.#latestHasMeta || !this.#metaBytes ? latest : withMetadata(latest, this.#metaBytes));
  }

  /**
   * A new H.264 viewer: the cached group at once, flagged catch-up but for
   * its newest frame when that one is live; all flagged when it is not (the
   * next live frame is then the first painted). No group: wait for a keyframe.
   */
  #addH264(consumer: Consumer): void {
    consumer.useKeyframeResume();
    const gop = this.#gop;
    if (gop.length === 0) {
      this.#fresh.add(consumer);
      return;
    }
    const live = nowUs() - this.#latestCaptureUs <= this.#liveLimitUs();
    const burst = gop.map((_, i) => this.#groupFrame(i, i < gop.length - 1 || !live));
    consumer.pushCatchUp(burst);
  }

  remove(consumer: Consumer): void {
    if (!this.#consumers.delete(consumer.id)) return;
    this.#fresh.delete(consumer);
    consumer.close();
    if (this.#consumers.size === 0) this.emit('idle');
  }

  /** Drops the cached frame (e.g. when the camera is released) so no stale frame is ever served. */
  forgetLatest(): void {
    this.#latest = undefined;
    this.#forgetGop();
  }

  close(): void {
    for (const c of this.#consumers.values()) c.close();
    this.#consumers.clear();
    this.#fresh.clear();
    this.#latest = undefined;
    this.#forgetGop();
  }
}
