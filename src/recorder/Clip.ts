/**
 * One clip being written: its manifest, its signal timeline sidecar and its
 * fragmented MP4. The recorder calls it synchronously per frame; the disk
 * work runs on one promise chain so order is kept and pushFrame never waits.
 *
 * What a fragment costs on disk is kept small (the recorder's CPU budget is
 * 2 % of a core): as each fragment becomes durable, the new signal rows are
 * appended to the clip's journal (SignalJournal.ts), and the manifest is
 * rewritten only when it holds something recovery cannot read back from the
 * mp4 (a trigger, a gap, a flag). Frames, bytes and duration live in memory
 * while recording (the listing shows them) and are written at close; after a
 * power cut, recovery reads them from the mp4's fragments (Recovery.ts).
 * The manifest is written before the mp4 exists and completed with bytes and
 * SHA-256 at close, when the journal becomes the `.signals.json` sidecar.
 */
import { createHash } from 'node:crypto';
import { createReadStream } from 'node:fs';
import { stat, unlink } from 'node:fs/promises';
import path from 'node:path';
import { splitAnnexB } from '../codec/h264/annexB.js';
import { parseSps } from '../codec/h264/sps.js';
import { NalType } from '../wire/h264.js';
import { clipPath } from './ClipId.js';
import type { RingFrame } from './GopRing.js';
import { isoOfUs, writeJsonAtomic, type ClipManifest, type ClipTrigger, type TriggerKind } from './Manifest.js';
import { Mp4FragmentWriter } from './Mp4FragmentWriter.js';
import { SignalJournal, type SidecarHeader } from './SignalJournal.js';
import type { SignalRow } from './SignalTimeline.js';

/** The trigger list is capped so a storm cannot grow a manifest without bound; the rest are counted. */
export const MAX_LISTED_TRIGGERS = 50;
/** Frames waiting for the disk, in bytes, before the clip drops to the next keyframe (a stalled disk must not eat memory). */
export const MAX_PENDING_BYTES = 64 * 1024 * 1024;

export interface ClipInit {
  dir: string;
  id: string;
  vehicle: string | undefined;
  service: string;
  camera: string;
  /** Capture time of the clip's first frame (the keyframe it starts at). */
  startUs: number;
  plannedEndUs: number;
  maxEndUs: number;
  geometry: unknown;
  signalHz: number;
  /** Called after every manifest write (the host lists clips the moment they start). */
  onSaved: (m: ClipManifest) => void;
  onError: (err: unknown) => void;
}

export class Clip {
  readonly manifest: ClipManifest;
  readonly #init: ClipInit;
  readonly #rows: Array<Omit<SignalRow, 'tUs'> & { tMs: number }> = [];
  #writer: Mp4FragmentWriter | undefined;
  #chain: Promise<void> = Promise.resolve();
  #pendingBytes = 0;
  #skipToKey = false;
  /** Per group (fragment): frames and the capture time of its last frame. */
  #groups: Array<{ frames: number; lastUs: number }> = [];
  #saving: Promise<void> | undefined;
  #dirty = false;
  /** The manifest in memory holds something the one on disk lacks and recovery could not rebuild. */
  #manifestDirty = true;
  #journal: SignalJournal | undefined;
  /** Rows already in the journal. */
  #journaled = 0;
  /** A sidecar written on demand while recording (a review of a clip in progress). */
  #sidecar: Promise<void> = Promise.resolve();
  #failed = false;
  /** While a manoeuvre trigger is in the clip, the end follows the reverse gear. */
  holdWhileReversing = false;

  constructor(init: ClipInit) {
    this.#init = init;
    this.manifest = {
      version: 1,
      id: init.id,
      ...(init.vehicle !== undefined ? { vehicle: init.vehicle } : {}),
      service: init.service,
      camera: init.camera,
      state: 'recording',
      startUs: init.startUs,
      start: isoOfUs(init.startUs),
      endUs: init.startUs,
      end: isoOfUs(init.startUs),
      plannedEndUs: init.plannedEndUs,
      durationMs: 0,
      codec: '',
      width: 0,
      height: 0,
      frames: 0,
      fragments: 0,
      bytes: 0,
      triggers: [],
      triggersDropped: 0,
      gapsMs: [],
      locked: false,
      shipped: false,
      signals: path.basename(clipPath(init.dir, init.id, 'signals')),
    };
    // The manifest goes to disk before the mp4 is even created.
    this.#enqueue(() => this.#save());
  }

  get id(): string {
    return this.manifest.id;
  }

  get maxEndUs(): number {
    return this.#init.maxEndUs;
  }

  /** Lists a trigger (capped) and moves the planned end to `endUs`, never past the maxSeconds cap. */
  addTrigger(kind: TriggerKind, atUs: number, endUs: number, by?: string, detail?: ClipTrigger['detail']): void {
    const m = this.manifest;
    if (m.triggers.length < MAX_LISTED_TRIGGERS) {
      m.triggers.push({
        kind,
        ...(by !== undefined ? { by } : {}),
        atUs,
        at: isoOfUs(atUs),
        offsetMs: Math.round((atUs - m.startUs) / 1000),
        ...(detail && Object.keys(detail).length > 0 ? { detail } : {}),
      });
    } else {
      m.triggersDropped++;
    }
    this.#manifestDirty = true; // on disk with the next fragment
    this.extendTo(endUs);
  }

  extendTo(endUs: number): void {
    this.manifest.plannedEndUs = Math.min(Math.max(this.manifest.plannedEndUs, endUs), this.#init.maxEndUs);
  }

  addRows(rows: readonly SignalRow[]): void {
    for (const { tUs, ...rest } of rows) {
      if (tUs < this.manifest.startUs) continue;
      this.#rows.push({ tMs: Math.round((tUs - this.manifest.startUs) / 1000), ...rest });
    }
  }

  addFrame(f: RingFrame): void {
    if (this.#failed) return;
    const m = this.manifest;
    if (f.gap && this.#groups.length > 0) this.#noteGap(f.captureUs);
    if (this.#skipToKey && !f.keyframe) return;
    if (this.#pendingBytes + f.bytes > MAX_PENDING_BYTES) {
      // The disk is not keeping up: lose whole groups, never a broken reference chain.
      this.#skipToKey = true;
      this.#noteGap(f.captureUs);
      return;
    }
    this.#skipToKey = false;
    if (this.#groups.length === 0 && !f.keyframe) return; // a clip starts at a keyframe
    if (this.#groups.length === 0) this.#createWriter(f);
    if (f.keyframe) this.#groups.push({ frames: 0, lastUs: f.captureUs });
    const g = this.#groups[this.#groups.length - 1]!;
    g.frames++;
    g.lastUs = f.captureUs;
    this.#pendingBytes += f.bytes;
    this.#enqueue(async () => {
      this.#pendingBytes -= f.bytes;
      await this.#writer!.add(f.payload, f.keyframe, (f.captureUs - m.startUs) / 1e6);
    });
  }

  #createWriter(first: RingFrame): void {
    const m = this.manifest;
    const sps = splitAnnexB(first.payload).find((n) => (n[0]! & 0x1f) === NalType.sps);
    const info = sps ? parseSps(sps) : undefined;
    m.codec = info?.codec ?? m.codec;
    m.width = first.width || info?.width || 0;
    m.height = first.height || info?.height || 0;
    this.#manifestDirty = true;
    this.#enqueue(async () => {
      if (!info) throw new Error('the first keyframe carries no SPS: cannot describe the track');
      this.#writer = await Mp4FragmentWriter.create(clipPath(this.#init.dir, m.id, 'mp4'), { codec: m.codec, width: m.width, height: m.height });
      this.#writer.onDurable = (bytes, fragments) => this.#durable(bytes, fragments);
    });
  }

  /** Closes the clip: the last fragment, the final manifest (state, bytes, SHA-256) and the timeline. */
  async close(reason: NonNullable<ClipManifest['endReason']>): Promise<ClipManifest> {
    const m = this.manifest;
    this.#enqueue(async () => {
      if (this.#writer) await this.#writer.finish();
    });
    await this.#chain;
    while (this.#saving) await this.#saving; // the final write must be the last one
    await this.#sidecar;
    const file = clipPath(this.#init.dir, m.id, 'mp4');
    m.frames = this.#groups.reduce((n, g) => n + g.frames, 0);
    m.fragments = this.#groups.length;
    if (this.#failed) {
      m.frames = this.#durableFrames(this.#writer?.durableFragments ?? 0);
      m.fragments = this.#writer?.durableFragments ?? 0;
    }
    const last = this.#groups[this.#failed ? m.fragments - 1 : this.#groups.length - 1];
    m.endUs = last?.lastUs ?? m.startUs;
    m.end = isoOfUs(m.endUs);
    m.durationMs = Math.round((m.endUs - m.startUs) / 1000);
    m.bytes = await stat(file).then((s) => s.size, () => 0);
    m.sha256 = m.bytes > 0 ? await sha256(file) : undefined;
    m.state = this.#failed || reason === 'full' || reason === 'error' ? 'truncated' : 'complete';
    m.endReason = this.#failed ? 'error' : reason;
    await this.#saveFinal();
    return m;
  }

  /** Saves the manifest now (lock, shipped) without waiting for the next fragment. */
  save(): void {
    this.#manifestDirty = true;
    void this.#save();
  }

  /** Writes the `.signals.json` sidecar of the rows so far (a review of the clip while it records). */
  writeSidecar(): Promise<void> {
    this.#sidecar = this.#sidecar.then(() => this.#writeSidecarNow());
    return this.#sidecar;
  }

  #noteGap(captureUs: number): void {
    this.manifest.gapsMs.push(Math.round((captureUs - this.manifest.startUs) / 1000));
    this.#manifestDirty = true;
  }

  #durable(bytes: number, fragments: number): void {
    const m = this.manifest;
    m.bytes = bytes;
    m.fragments = fragments;
    m.frames = this.#durableFrames(fragments);
    const last = this.#groups[fragments - 1];
    if (last) {
      m.endUs = last.lastUs;
      m.end = isoOfUs(m.endUs);
      m.durationMs = Math.round((m.endUs - m.startUs) / 1000);
    }
    void this.#save();
  }

  #durableFrames(fragments: number): number {
    return this.#groups.slice(0, fragments).reduce((n, g) => n + g.frames, 0);
  }

  #enqueue(work: () => Promise<void>): void {
    this.#chain = this.#chain.then(async () => {
      if (this.#failed) return;
      try {
        await work();
      } catch (err) {
        this.#failed = true;
        this.#init.onError(err);
      }
    });
  }

  /** Coalesced: one write in flight, at most one more queued with the newest state. */
  #save(): Promise<void> {
    if (this.#saving) {
      this.#dirty = true;
      return this.#saving;
    }
    this.#saving = (async () => {
      try {
        do {
          this.#dirty = false;
          await this.#saveNow();
        } while (this.#dirty);
      } catch (err) {
        this.#init.onError(err); // a manifest that cannot be written is reported, never a crash
      } finally {
        this.#saving = undefined;
      }
    })();
    return this.#saving;
  }

  /** While recording: the new rows to the journal; the manifest only when it changed in what recovery needs. */
  async #saveNow(): Promise<void> {
    const { dir, id } = this.#init;
    this.#journal ??= await SignalJournal.create(clipPath(dir, id, 'journal'), this.#sidecarHeader());
    const fresh = this.#rows.slice(this.#journaled);
    await this.#journal.append(fresh);
    this.#journaled += fresh.length;
    const snapshot = structuredClone(this.manifest);
    if (this.#manifestDirty) {
      this.#manifestDirty = false;
      try {
        await writeJsonAtomic(clipPath(dir, id, 'manifest'), snapshot);
      } catch (err) {
        this.#manifestDirty = true;
        throw err;
      }
    }
    this.#init.onSaved(snapshot);
  }

  /** At close: the whole sidecar, then the completed manifest, then the journal goes. */
  async #saveFinal(): Promise<void> {
    const { dir, id } = this.#init;
    await this.#writeSidecarNow();
    const snapshot = structuredClone(this.manifest);
    await writeJsonAtomic(clipPath(dir, id, 'manifest'), snapshot);
    await this.#journal?.close().catch(() => {});
    this.#journal = undefined;
    await unlink(clipPath(dir, id, 'journal')).catch(() => {}); // a journal a cut leaves beside a complete clip is dropped at load
    this.#init.onSaved(snapshot);
  }

  #writeSidecarNow(): Promise<void> {
    return writeJsonAtomic(clipPath(this.#init.dir, this.#init.id, 'signals'), { ...this.#sidecarHeader(), rows: this.#rows });
  }

  #sidecarHeader(): SidecarHeader {
    const { id, geometry, signalHz } = this.#init;
    return { version: 1, id, hz: signalHz, startUs: this.manifest.startUs, geometry: geometry ?? null };
  }
}

export async function sha256(file: string): Promise<string> {
  const h = createHash('sha256');
  for await (const chunk of createReadStream(file)) h.update(chunk as Buffer);
  return h.digest('hex');
}
