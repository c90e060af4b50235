/**
 * The reversing-event recorder (issue 16): a viewer of one camera's stream
 * that keeps a pre-roll, turns triggers into event clips on disk and keeps
 * the folder within its limits. Process-agnostic: the host feeds it wire
 * frames and signal batches and hosts the review operations wherever it
 * likes (docs/recorder.md, "Library API").
 */
import { EventEmitter } from 'node:events';
import { mkdir, readdir, stat, statfs, unlink } from 'node:fs/promises';
import path from 'node:path';
import { RevcamError } from '../errors/RevcamError.js';
import { decodeHeader, nowUs } from '../wire/frame.js';
import type { SignalSample } from '../wire/signals.js';
import { Clip } from './Clip.js';
import { CLIP_FILES, clipPath, isClipId, manifestIdOf, newClipId as newClipIdFor } from './ClipId.js';
import { GopRing, type RingFrame } from './GopRing.js';
import { isoOfUs, readManifest, syncDir, writeJsonAtomic, type ClipManifest, type ClipState, type TriggerKind } from './Manifest.js';
import { recoverMp4 } from './Recovery.js';
import { planRoom, type RetainedClip } from './Retention.js';
import { sha256 } from './Clip.js';
import { SignalJournal } from './SignalJournal.js';
import { SignalTimeline } from './SignalTimeline.js';
import { TriggerRules, type TriggerRuleOptions } from './TriggerRules.js';

export interface RecorderOptions {
  /** The recordings folder (created if missing). One recorder per folder. */
  dir: string;
  vehicle?: string;
  service?: string;
  camera?: string;
  preSeconds?: number;
  postSeconds?: number;
  maxSeconds?: number;
  /** Hard cap of the pre-roll ring in bytes (default 64 MiB). */
  ringMaxBytes?: number;
  /** Quota for everything in the folder (mp4s, manifests, timelines). */
  maxBytes: number;
  /** Free-space floor of the file system holding the folder (default 64 MiB). */
  minFreeBytes?: number;
  triggers?: TriggerRuleOptions;
  /** Signal timeline rate (default 10 Hz). */
  signalHz?: number;
  /** The host's guideline geometry, stored opaque beside every clip's timeline. */
  geometry?: unknown;
  /** Now, in µs since the epoch on the frames' clock (default: wire/frame.ts nowUs). */
  clock?: () => number;
  /** How often an open clip is checked for a stopped stream (default 1000 ms; 0 = never, call tick()). */
  tickMs?: number;
  log?: { warn(msg: string): void; info?(msg: string): void };
}

export type ClipPhase = 'started' | 'updated' | 'closed';

export interface RecorderEvents {
  clip: [manifest: ClipManifest, phase: ClipPhase];
  /** A new event was refused: only locked clips are left (or the floor is hit while recording). */
  full: [info: { kind: TriggerKind; shortBytes: number; refusedFull: number }];
  error: [err: unknown];
}

export interface ClipFilter {
  /** Clips that end at or after / start at or before this instant (Date, ISO string or epoch ms). */
  from?: Date | string | number;
  to?: Date | string | number;
  trigger?: TriggerKind;
  state?: ClipState;
  vehicle?: string;
}

export interface RecorderStats {
  ringBytes: number;
  framesIn: number;
  framesIgnored: number;
  gaps: number;
  clipsStarted: number;
  clipsClosed: number;
  triggers: number;
  triggersMerged: number;
  /** Events refused with RECORDER_FULL (export it as a counter). */
  refusedFull: number;
  clipsDeleted: number;
  recovered: number;
}

/** A clip whose stream stopped is closed this long after its planned end (frames usually close it). */
const STALL_SLACK_US = 2_000_000;

export class Recorder extends EventEmitter<RecorderEvents> {
  readonly dir: string;
  readonly preSeconds: number;
  readonly postSeconds: number;
  readonly maxSeconds: number;
  readonly #o: RecorderOptions;
  readonly #clock: () => number;
  readonly #ring: GopRing;
  readonly #timeline: SignalTimeline;
  readonly #rules: TriggerRules;
  readonly #index = new Map<string, ClipManifest>();
  readonly #sizes = new Map<string, number>();
  readonly #closing = new Set<Promise<unknown>>();
  /** Clips being closed: retention must not pick them while their last writes run. */
  readonly #closingIds = new Set<string>();
  #clip: Clip | undefined;
  #lastSeq: number | undefined;
  /** The guideline overlay in force (frames' metadata), and whether the timeline has not had it yet. */
  #overlay: unknown;
  #overlayChanged = false;
  #freeBytes = Infinity;
  #timer: NodeJS.Timeout | undefined;
  #closed = false;
  readonly #stats: Omit<RecorderStats, 'ringBytes'> = { framesIn: 0, framesIgnored: 0, gaps: 0, clipsStarted: 0, clipsClosed: 0, triggers: 0, triggersMerged: 0, refusedFull: 0, clipsDeleted: 0, recovered: 0 };

  private constructor(o: RecorderOptions) {
    super();
    this.#o = o;
    this.dir = path.resolve(o.dir);
    this.preSeconds = o.preSeconds ?? 10;
    this.postSeconds = o.postSeconds ?? 10;
    this.maxSeconds = o.maxSeconds ?? 60;
    if (!(this.preSeconds >= 0 && this.postSeconds >= 0 && this.maxSeconds > 0)) throw new RevcamError('BAD_REQUEST', 'preSeconds, postSeconds must be ≥ 0 and maxSeconds > 0');
    this.#clock = o.clock ?? nowUs;
    this.#ring = new GopRing(this.preSeconds, o.ringMaxBytes ?? 64 * 1024 * 1024);
    // The timeline ring reaches back as far as the video ring can (pre-roll plus a long group).
    this.#timeline = new SignalTimeline(o.signalHz ?? 10, this.preSeconds + 12);
    this.#rules = new TriggerRules(o.triggers);
  }

  /** Opens the folder: recovers clips a power cut left `recording`, loads the index, starts the stall check. */
  static async open(o: RecorderOptions): Promise<Recorder> {
    const r = new Recorder(o);
    await mkdir(r.dir, { recursive: true });
    await r.#load();
    await r.#refreshFree();
    const tickMs = o.tickMs ?? 1000;
    if (tickMs > 0) r.#timer = setInterval(() => r.tick(), tickMs).unref();
    return r;
  }

  /** Bytes the pre-roll ring holds now. Bound: min(ringMaxBytes, (preSeconds + one group) × bitrate/8 + one frame). */
  get ringBytes(): number {
    return this.#ring.bytes;
  }

  get stats(): RecorderStats {
    return { ringBytes: this.#ring.bytes, ...this.#stats };
  }

  /** The id of the clip being written, if any. */
  get recordingId(): string | undefined {
    return this.#clip?.id;
  }

  // ---- frames and signals -------------------------------------------------

  /** One revcam wire frame. JPEG and catch-up frames are ignored; a discontinuity or sequence jump is noted as a gap. */
  pushFrame(wire: Uint8Array): void {
    if (this.#closed) return;
    let h: ReturnType<typeof decodeHeader>;
    try {
      h = decodeHeader(wire);
    } catch {
      this.#stats.framesIgnored++;
      return;
    }
    // The overlay in force rides only on frames where it changed, and on a late viewer's first (catch-up)
    // frame: a recorder (re)started mid-stream learns it there, so it is taken before catch-up frames are dropped.
    if (h.metaLength > 0) this.#takeOverlay(wire, h.headerLength, h.metaLength);
    if (h.codec !== 'h264' || h.catchUp) {
      this.#stats.framesIgnored++;
      return;
    }
    this.#stats.framesIn++;
    const gap = h.discontinuity || (this.#lastSeq !== undefined && h.seq !== ((this.#lastSeq + 1) >>> 0));
    if (gap) this.#stats.gaps++;
    this.#lastSeq = h.seq;
    const start = h.headerLength + h.metaLength;
    const f: RingFrame = {
      seq: h.seq,
      captureUs: h.captureUs,
      keyframe: h.keyframe,
      gap,
      width: h.width,
      height: h.height,
      // A copy of its own: a view would keep the whole 64 kB pipe read it came in alive for the ring's
      // lifetime (the ring would hold up to 4× its counted bytes).
      payload: Buffer.from(wire.subarray(start, start + h.payloadLength)),
      bytes: wire.byteLength,
    };
    this.#ring.push(f);
    const rows = this.#timeline.advance(f.captureUs, () => this.#rowValues()); // values read only when a row is due (10 of 30 frames)
    if (rows.length > 0 && this.#overlayChanged) {
      rows[0]!.overlay = this.#overlay;
      this.#overlayChanged = false;
    }
    const clip = this.#clip;
    if (!clip) return;
    clip.addRows(rows);
    if (clip.holdWhileReversing) {
      if (this.#rules.reversing) clip.extendTo(f.captureUs + this.postSeconds * 1e6);
      else clip.holdWhileReversing = false; // left reverse: the end stays one post-roll after it
    }
    if (f.captureUs > clip.manifest.plannedEndUs) this.#closeClip(clip.manifest.plannedEndUs >= clip.maxEndUs ? 'max' : 'post');
    else clip.addFrame(f);
  }

  /** A batch of vehicle signals as the SignalBus delivers it: feeds the timeline and the trigger rules. */
  onSignals(samples: readonly SignalSample[]): void {
    if (this.#closed) return;
    for (const t of this.#rules.evaluate(samples)) {
      this.#timeline.markTrigger(t.kind, t.atUs);
      try {
        this.#trigger(t.kind, t.atUs, undefined, t.detail);
      } catch (err) {
        if (!(err instanceof RevcamError && err.code === 'RECORDER_FULL')) this.#error(err);
      }
    }
  }

  /**
   * A trigger from a caller. Returns the clip it went into and whether it was
   * merged into the clip being written. Throws RevcamError RECORDER_FULL when
   * a new clip is needed and only locked clips are left.
   */
  trigger(t: { kind: 'manual' | 'fleet'; by?: string; atUs?: number; note?: string }): { clipId: string; merged: boolean } {
    if (this.#closed) throw new RevcamError('SERVICE_FAILED', 'the recorder is closed');
    if (t.kind !== 'manual' && t.kind !== 'fleet') throw new RevcamError('BAD_REQUEST', 'trigger kind must be manual or fleet');
    const atUs = t.atUs ?? this.#clock();
    this.#timeline.markTrigger(t.kind, atUs);
    return this.#trigger(t.kind, atUs, t.by, t.note === undefined ? undefined : { note: t.note.slice(0, 200) });
  }

  /** Closes a clip whose stream has stopped; called by the timer, or by the host when tickMs is 0. */
  tick(): void {
    const clip = this.#clip;
    if (clip && this.#clock() > clip.manifest.plannedEndUs + STALL_SLACK_US) this.#closeClip(clip.manifest.plannedEndUs >= clip.maxEndUs ? 'max' : 'post');
  }

  #trigger(kind: TriggerKind, atUs: number, by?: string, detail?: Record<string, number | string | boolean>): { clipId: string; merged: boolean } {
    this.#stats.triggers++;
    const post = this.postSeconds * 1e6;
    const open = this.#clip;
    if (open && atUs <= open.manifest.plannedEndUs) {
      this.#stats.triggersMerged++;
      open.addTrigger(kind, atUs, atUs + post, by, detail);
      if (kind === 'manoeuvre') open.holdWhileReversing = true;
      return { clipId: open.id, merged: true };
    }
    if (open) this.#closeClip('post'); // a trigger after the planned end: that clip is over
    this.#admit(kind);
    const frames = this.#ring.framesFrom(atUs - this.preSeconds * 1e6);
    const startUs = frames[0]?.captureUs ?? atUs;
    const clip = new Clip({
      dir: this.dir,
      id: this.#newId(startUs),
      vehicle: this.#o.vehicle,
      service: this.#o.service ?? 'reversing',
      camera: this.#o.camera ?? 'rear',
      startUs,
      plannedEndUs: atUs + post,
      maxEndUs: startUs + this.maxSeconds * 1e6,
      geometry: this.#o.geometry,
      signalHz: this.#o.signalHz ?? 10,
      onSaved: (m) => this.#saved(m),
      onError: (err) => this.#error(err),
    });
    this.#clip = clip;
    this.#stats.clipsStarted++;
    clip.addTrigger(kind, atUs, atUs + post, by, detail);
    if (kind === 'manoeuvre') clip.holdWhileReversing = true;
    clip.addRows(this.#timeline.since(startUs, this.#overlay));
    for (const f of frames) {
      if (f.captureUs > clip.manifest.plannedEndUs) {
        this.#closeClip('post'); // the trigger was in the past: the ring already holds the whole clip
        break;
      }
      clip.addFrame(f);
    }
    return { clipId: clip.id, merged: false };
  }

  #newId(startUs: number): string {
    for (;;) {
      const id = newClipIdFor(startUs, this.#o.camera ?? 'rear');
      if (!this.#index.has(id)) return id;
    }
  }

  // ---- retention ----------------------------------------------------------

  #retained(): RetainedClip[] {
    return [...this.#index.values()].map((m) => ({ id: m.id, startUs: m.startUs, bytes: this.#sizes.get(m.id) ?? m.bytes, locked: m.locked, shipped: m.shipped }));
  }

  #usedBytes(): number {
    let n = 0;
    for (const m of this.#index.values()) n += this.#sizes.get(m.id) ?? m.bytes;
    return n;
  }

  /** Bytes a new clip is expected to take: the ring's byte rate over pre + post. */
  #estimate(): number {
    const span = this.#ring.spanUs;
    const secs = span ? (span.to - span.from) / 1e6 : 0;
    return secs >= 0.5 ? Math.round((this.#ring.bytes / secs) * (this.preSeconds + this.postSeconds)) : 0;
  }

  /** Makes room for a new clip or refuses it with RECORDER_FULL; deletes victims (index first, files after). */
  #admit(kind: TriggerKind): void {
    const plan = planRoom({
      clips: this.#retained(),
      keep: this.#busyIds(),
      usedBytes: this.#usedBytes(),
      maxBytes: this.#o.maxBytes,
      freeBytes: this.#freeBytes,
      minFreeBytes: this.#o.minFreeBytes ?? 64 * 1024 * 1024,
      needBytes: this.#estimate(),
    });
    if (!plan.ok) {
      this.#stats.refusedFull++;
      this.emit('full', { kind, shortBytes: plan.shortBytes, refusedFull: this.#stats.refusedFull });
      throw new RevcamError('RECORDER_FULL', `no room for a new clip: ${plan.shortBytes} bytes short and only locked clips are left`);
    }
    for (const v of plan.victims) this.#delete(v.id);
  }

  /** While recording: back under the quota by deleting others; under the free-space floor with nothing to delete, the clip ends `truncated`. */
  #enforce(): void {
    const minFree = this.#o.minFreeBytes ?? 64 * 1024 * 1024;
    const plan = planRoom({ clips: this.#retained(), keep: this.#busyIds(), usedBytes: this.#usedBytes(), maxBytes: this.#o.maxBytes, freeBytes: this.#freeBytes, minFreeBytes: minFree, needBytes: 0 });
    for (const v of plan.victims) this.#delete(v.id);
    if (!plan.ok && this.#clip && this.#freeBytes < minFree) {
      this.#stats.refusedFull++;
      this.emit('full', { kind: this.#clip.manifest.triggers[0]?.kind ?? 'manual', shortBytes: plan.shortBytes, refusedFull: this.#stats.refusedFull });
      this.#closeClip('full');
    }
  }

  #busyIds(): Set<string> {
    return new Set([...this.#closingIds, ...(this.#clip ? [this.#clip.id] : [])]);
  }

  #delete(id: string): void {
    this.#index.delete(id);
    this.#sizes.delete(id);
    this.#stats.clipsDeleted++;
    this.#track(this.#unlinkClip(id).then(() => this.#refreshFree()));
  }

  async #unlinkClip(id: string): Promise<void> {
    for (const file of CLIP_FILES) await unlink(clipPath(this.dir, id, file)).catch(() => {});
    await syncDir(this.dir);
  }

  async #refreshFree(): Promise<void> {
    try {
      const s = await statfs(this.dir);
      this.#freeBytes = s.bavail * s.bsize;
    } catch (err) {
      this.#error(err);
    }
  }

  // ---- clip lifecycle -----------------------------------------------------

  #saved(m: ClipManifest): void {
    const known = this.#index.get(m.id);
    if (m.state === 'recording' && known && known.state !== 'recording') return; // a late save of a clip already closed
    const phase: ClipPhase = known ? 'updated' : 'started';
    this.#index.set(m.id, m);
    this.#sizes.set(m.id, m.bytes);
    if (m.state === 'recording') {
      this.emit('clip', m, phase);
      this.#track(this.#refreshFree().then(() => this.#enforce()));
    }
  }

  #closeClip(reason: NonNullable<ClipManifest['endReason']>): void {
    const clip = this.#clip;
    if (!clip) return;
    this.#clip = undefined;
    this.#closingIds.add(clip.id);
    this.#track(
      clip.close(reason).finally(() => this.#closingIds.delete(clip.id)).then(async (m) => {
        this.#stats.clipsClosed++;
        this.#index.set(m.id, m);
        this.#sizes.set(m.id, await diskBytes(this.dir, m.id));
        this.emit('clip', m, 'closed');
        await this.#refreshFree();
        this.#enforce();
      }),
    );
  }

  #track(p: Promise<unknown>): void {
    const guarded = p.catch((err) => this.#error(err));
    this.#closing.add(guarded);
    void guarded.finally(() => this.#closing.delete(guarded));
  }

  #error(err: unknown): void {
    if (this.listenerCount('error') > 0) this.emit('error', err);
    else this.#o.log?.warn(`recorder: ${err instanceof Error ? err.message : String(err)}`);
  }

  /** A frame's metadata carries the overlay only when it changed: keep the one in force for the timeline. */
  #takeOverlay(wire: Uint8Array, at: number, length: number): void {
    try {
      const meta = JSON.parse(Buffer.from(wire.buffer, wire.byteOffset + at, length).toString('utf8')) as { overlay?: unknown };
      if (meta.overlay === undefined) return;
      this.#overlay = meta.overlay;
      this.#overlayChanged = true;
    } catch {
      // Bad metadata costs the review its overlay for a while, never the video.
    }
  }

  #rowValues() {
    const v = this.#rules.values();
    const near = this.#rules.nearest;
    const d = this.#rules.deceleration;
    return {
      currentGear: v.currentGear ?? null,
      selectedGear: v.selectedGear ?? null,
      speedKmh: v.speedKmh ?? null,
      steeringDeg: v.steeringDeg ?? null,
      sensors: v.sensors,
      nearestM: near?.m ?? null,
      decelerationMps2: d === undefined ? null : Math.round(d * 100) / 100,
      reversing: this.#rules.reversing,
    };
  }

  // ---- review operations --------------------------------------------------

  /** Clips, newest first. */
  list(filter: ClipFilter = {}): ClipManifest[] {
    const fromUs = filter.from === undefined ? -Infinity : toUs(filter.from);
    const toUsV = filter.to === undefined ? Infinity : toUs(filter.to);
    return [...this.#index.values()]
      .filter((m) => m.endUs >= fromUs && m.startUs <= toUsV)
      .filter((m) => filter.trigger === undefined || m.triggers.some((t) => t.kind === filter.trigger))
      .filter((m) => filter.state === undefined || m.state === filter.state)
      .filter((m) => filter.vehicle === undefined || m.vehicle === filter.vehicle)
      .sort((a, b) => b.startUs - a.startUs || (a.id < b.id ? 1 : -1))
      .map((m) => structuredClone(m));
  }

  /** One clip's manifest. BAD_REQUEST for a malformed id, NOT_FOUND for an unknown one. */
  get(id: string): ClipManifest {
    return structuredClone(this.#find(id));
  }

  /** The mp4's path (checked to be inside the folder). */
  mp4Path(id: string): string {
    return clipPath(this.dir, this.#find(id).id, 'mp4');
  }

  /** The signal timeline sidecar's path (checked to be inside the folder); for the clip being recorded, written first with the rows so far. */
  async signalsPath(id: string): Promise<string> {
    const m = this.#find(id);
    if (this.#clip?.id === m.id) await this.#clip.writeSidecar();
    return clipPath(this.dir, m.id, 'signals');
  }

  /** Locks (or unlocks) a clip: a locked clip is never deleted automatically. */
  async lock(id: string, locked = true): Promise<ClipManifest> {
    return this.#setFlag(id, { locked });
  }

  /** Records that the host shipped the clip: shipped clips are the first to go. */
  async markShipped(id: string, shipped = true): Promise<ClipManifest> {
    return this.#setFlag(id, { shipped });
  }

  /** Deletes a clip. FORBIDDEN while it is locked (unlock first) or being written. */
  async remove(id: string): Promise<void> {
    const m = this.#find(id);
    if (m.locked) throw new RevcamError('FORBIDDEN', `clip ${m.id} is locked: unlock it first`);
    if (this.#clip?.id === m.id) throw new RevcamError('FORBIDDEN', `clip ${m.id} is being recorded`);
    this.#index.delete(m.id);
    this.#sizes.delete(m.id);
    await this.#unlinkClip(m.id);
    await this.#refreshFree();
  }

  async #setFlag(id: string, flag: { locked?: boolean; shipped?: boolean }): Promise<ClipManifest> {
    const m = this.#find(id);
    if (this.#clip?.id === m.id) {
      Object.assign(this.#clip.manifest, flag);
      Object.assign(m, flag);
      this.#clip.save();
      return structuredClone(m);
    }
    Object.assign(m, flag);
    await writeJsonAtomic(clipPath(this.dir, m.id, 'manifest'), m);
    return structuredClone(m);
  }

  #find(id: string): ClipManifest {
    if (!isClipId(id)) throw new RevcamError('BAD_REQUEST', 'malformed clip id');
    const m = this.#index.get(id);
    if (!m) throw new RevcamError('NOT_FOUND', `no clip ${id}`);
    return m;
  }

  /** Stops taking frames, closes the open clip as complete and waits for every write. */
  async close(): Promise<void> {
    if (this.#closed) return;
    this.#closed = true;
    if (this.#timer) clearInterval(this.#timer);
    this.#closeClip('closed');
    while (this.#closing.size > 0) await Promise.all([...this.#closing]);
    this.#ring.clear();
  }

  // ---- opening ------------------------------------------------------------

  async #load(): Promise<void> {
    for (const name of await readdir(this.dir)) {
      if (name.endsWith('.tmp')) {
        await unlink(path.join(this.dir, name)).catch(() => {}); // an atomic write the power cut interrupted
        continue;
      }
      const id = manifestIdOf(name);
      if (!id) continue;
      let m: ClipManifest;
      try {
        m = await readManifest(clipPath(this.dir, id, 'manifest'));
      } catch (err) {
        this.#o.log?.warn(`recorder: skipping ${name}: ${err instanceof Error ? err.message : String(err)}`);
        continue;
      }
      if (m.id !== id) continue;
      if (m.state === 'recording') await this.#recover(m);
      else await unlink(clipPath(this.dir, id, 'journal')).catch(() => {}); // a cut between the sidecar and the journal's unlink
      this.#index.set(id, m);
      this.#sizes.set(id, await diskBytes(this.dir, id));
    }
  }

  /**
   * A clip the power cut left open: cut to its last whole fragment, mark it
   * truncated. Frames and duration come from the mp4 (the manifest on disk
   * holds them only from close), the timeline from the journal.
   */
  async #recover(m: ClipManifest): Promise<void> {
    const file = clipPath(this.dir, m.id, 'mp4');
    const r = await recoverMp4(file).catch(() => ({ bytes: 0, cutBytes: 0, fragments: 0, frames: 0, lastFrameMs: 0 }));
    m.state = 'truncated';
    m.endReason = 'power-cut';
    m.bytes = r.bytes;
    m.fragments = r.fragments;
    m.frames = r.frames;
    m.durationMs = Math.round(r.lastFrameMs);
    m.endUs = m.startUs + Math.round(r.lastFrameMs * 1000);
    m.end = isoOfUs(m.endUs);
    if (r.bytes > 0) m.sha256 = await sha256(file);
    else delete m.sha256;
    const journal = clipPath(this.dir, m.id, 'journal');
    const timeline = await SignalJournal.read(journal);
    if (timeline) await writeJsonAtomic(clipPath(this.dir, m.id, 'signals'), { ...timeline.header, rows: timeline.rows });
    await writeJsonAtomic(clipPath(this.dir, m.id, 'manifest'), m);
    await unlink(journal).catch(() => {});
    this.#stats.recovered++;
    this.#o.log?.info?.(`recorder: recovered ${m.id} after a power cut: ${r.fragments} fragments, ${r.frames} frames, ${r.cutBytes} bytes cut`);
  }
}

async function diskBytes(dir: string, id: string): Promise<number> {
  let n = 0;
  for (const file of CLIP_FILES) n += await stat(clipPath(dir, id, file)).then((s) => s.size, () => 0);
  return n;
}

function toUs(v: Date | string | number): number {
  const ms = v instanceof Date ? v.getTime() : typeof v === 'string' ? Date.parse(v) : v;
  if (!Number.isFinite(ms)) throw new RevcamError('BAD_REQUEST', `not a time: ${String(v)}`);
  return ms * 1000;
}
