/**
 * Store and forward of the vehicle's event clips to the fleet's JetStream
 * (docs/recorder.md "Shipping"). Runs in the host's parent process beside
 * the recorder service: it asks the recorder for finished, unshipped clips
 * (`call('list')`, every `pollMs`), reads their files from the recordings
 * folder (read-only; the recorder owns it), and uploads one clip at a time:
 *
 * 1. the mp4 in chunks of `chunkBytes`, one publish in flight, each acked by
 *    the stream (after replication) before the next goes: a cut loses at
 *    most the one chunk in flight. Each chunk's Nats-Msg-Id is
 *    `<clipId>.<i>`, so a chunk sent twice is stored once. After any error
 *    the upload asks the stream for the subject's last stored chunk and goes
 *    on from the one after it;
 * 2. the signal sidecar the same way;
 * 3. reads the stored chunks back and compares their SHA-256 with the
 *    manifest's: the fleet holds the whole clip, exactly once;
 * 4. publishes the manifest (with the fleet record), then marks the clip
 *    shipped on the vehicle (Recorder.markShipped): from then on retention
 *    deletes it first.
 *
 * Also answers the fleet's requests to the recorder: `revcam.v1.<vehicle>.events.trigger`
 * and `.lock`.
 */
import { open, stat } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import { headers, type Msg, type NatsConnection, type Subscription } from '@nats-io/transport-node';
import type { EvidenceConfig } from '../config/types.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { ClipManifest } from '../recorder/Manifest.js';
import { CHUNK_HEADER, CHUNKS_HEADER, chunkIndexOf, domainOption, ensureEvidenceStream, evidenceStreamName, lastBySubject, readChunks, subjectCounts, type FleetRecord } from './evidence.js';
import { subjects } from './subjects.js';

/** What the shipper needs of the recorder service (ServiceInstance). */
export interface RecorderHandle {
  readonly state: string;
  call(method: string, args: unknown, timeoutMs?: number): Promise<unknown>;
}

export interface EvidenceShipperOptions {
  nc: NatsConnection;
  vehicle: string;
  config: EvidenceConfig;
  /** The recordings folder (stateDir/recorder.dir), absolute. */
  dir: string;
  recorder: RecorderHandle;
  log: Logger;
}

export interface ShipperStats {
  clipsShipped: number;
  /** Chunk messages published (mp4 and sidecar). */
  chunksSent: number;
  /** Of those, sent again after a cut (the stream already had them, or the first send was lost). */
  chunksResent: number;
  bytesSent: number;
  resumes: number;
  failures: number;
}

const PUBLISH_TIMEOUT_MS = 4_000;
/** A bus whose server has no JetStream (or none for this account): clips stay on the vehicle; look again this much later. */
const NO_JETSTREAM_RETRY_MS = 60_000;
const noJetStream = (err: unknown) => /jetstream (is )?not enabled/i.test((err as Error)?.message ?? '');

export class EvidenceShipper {
  #o: EvidenceShipperOptions;
  #js: JetStreamClient;
  #jsm: JetStreamManager | undefined;
  #stream: string;
  #stopped = false;
  /** Resolves at stop(): every wait races it, so a stop never waits out a back-off. */
  #stopping: Promise<void>;
  #onStop: () => void = () => {};
  #timer: NodeJS.Timeout | undefined;
  #running: Promise<void> | undefined;
  #wake: (() => void) | undefined;
  #streamReady = false;
  #controlSubs: Subscription[] = [];
  /** Clips whose read-back did not match: kept on the vehicle, not retried until a restart. */
  #bad = new Set<string>();
  #warned = new Set<string>();
  /** Per clip being shipped: chunk messages sent (and re-sent), uploads resumed, over every attempt. */
  #progress = new Map<string, { sent: number; resent: number; resumes: number }>();
  readonly stats: ShipperStats = { clipsShipped: 0, chunksSent: 0, chunksResent: 0, bytesSent: 0, resumes: 0, failures: 0 };

  constructor(opts: EvidenceShipperOptions) {
    this.#o = opts;
    this.#js = jetstream(opts.nc, { timeout: PUBLISH_TIMEOUT_MS, ...domainOption(opts.config) });
    this.#stream = evidenceStreamName(opts.config, opts.vehicle);
    this.#stopping = new Promise((r) => (this.#onStop = r));
  }

  /** Waits `ms`, or less if the shipper stops. */
  #sleep(ms: number): Promise<void> {
    let t: NodeJS.Timeout | undefined;
    return Promise.race([new Promise<void>((r) => (t = setTimeout(r, ms))), this.#stopping]).finally(() => clearTimeout(t));
  }

  start(): void {
    const { nc, vehicle } = this.#o;
    for (const op of ['trigger', 'lock'] as const) {
      this.#controlSubs.push(nc.subscribe(subjects.events(vehicle, op), { callback: (err, msg) => (err ? this.#o.log.warn({ err }, `events ${op} subscription error`) : void this.#onControl(op, msg)) }));
    }
    if (this.#o.config.ship) this.#running = this.#loop();
  }

  async stop(): Promise<void> {
    this.#stopped = true;
    this.#onStop();
    clearTimeout(this.#timer);
    this.#wake?.();
    for (const s of this.#controlSubs) s.unsubscribe();
    await this.#running;
  }

  /** Looks for clips to ship now, not at the next poll. */
  poke(): void {
    this.#wake?.();
  }

  async #onControl(op: 'trigger' | 'lock', msg: Msg): Promise<void> {
    const { recorder, log } = this.#o;
    let reply: unknown;
    try {
      let body: { by?: unknown; note?: unknown; id?: unknown } = {};
      try {
        body = msg.data.length ? (msg.json() as typeof body) : {};
      } catch {
        throw new RevcamError('BAD_REQUEST', 'the body is not valid JSON');
      }
      if (typeof body !== 'object' || body === null) throw new RevcamError('BAD_REQUEST', 'the body must be an object');
      if (op === 'trigger') {
        const by = typeof body.by === 'string' ? body.by.slice(0, 64) : 'fleet';
        const note = typeof body.note === 'string' ? body.note.slice(0, 200) : undefined;
        const r = (await recorder.call('trigger', { kind: 'fleet', by, ...(note !== undefined && { note }) })) as { clipId: string; merged: boolean };
        reply = { ok: true, id: r.clipId, merged: r.merged };
        log.info({ id: r.clipId, by }, 'event triggered by the fleet');
      } else {
        if (typeof body.id !== 'string') throw new RevcamError('BAD_REQUEST', 'an event id is required');
        reply = { ok: true, manifest: await recorder.call('lock', { id: body.id }) };
      }
    } catch (err) {
      const e = RevcamError.from(err);
      reply = { ok: false, code: e.code, message: e.message };
    }
    msg.respond(JSON.stringify(reply));
  }

  async #loop(): Promise<void> {
    while (!this.#stopped) {
      let wait = this.#o.config.pollMs;
      try {
        await this.#scan();
      } catch (err) {
        if (noJetStream(err)) {
          this.#warnOnce('nojs', err, `evidence shipping off: the NATS server has no JetStream for this connection (clips stay on the vehicle; looking again every ${NO_JETSTREAM_RETRY_MS / 1000} s; a leaf node needs nats.evidence.domain)`);
          wait = NO_JETSTREAM_RETRY_MS;
        } else this.#warnOnce('scan', err, 'evidence shipping paused (retrying)');
      }
      if (this.#stopped) break;
      await new Promise<void>((res) => {
        this.#wake = res;
        this.#timer = setTimeout(res, wait);
      });
    }
  }

  #warnOnce(key: string, err: unknown, what: string): void {
    if (this.#warned.has(key)) return;
    this.#warned.add(key);
    this.#o.log.warn({ err: (err as Error)?.message ?? String(err) }, what);
  }

  async #scan(): Promise<void> {
    const { recorder } = this.#o;
    if (recorder.state !== 'running') return;
    const list = (await recorder.call('list', {})) as ClipManifest[];
    // Oldest first: retention deletes the oldest unshipped clip first, so it goes first.
    const todo = list.filter((m) => (m.state === 'complete' || m.state === 'truncated') && !m.shipped && typeof m.sha256 === 'string' && !this.#bad.has(m.id)).reverse();
    for (const m of todo) {
      if (this.#stopped) return;
      await this.#ship(m);
    }
    this.#warned.delete('scan');
  }

  async #ensureStream(): Promise<JetStreamManager> {
    this.#jsm ??= await jetstreamManager(this.#o.nc, { checkAPI: false, timeout: PUBLISH_TIMEOUT_MS, ...domainOption(this.#o.config) });
    if (!this.#streamReady) {
      await ensureEvidenceStream(this.#jsm, this.#o.config, this.#o.vehicle, subjects.evidenceAll(this.#o.vehicle));
      this.#streamReady = true;
    }
    return this.#jsm;
  }

  /** Ships one clip; keeps trying through cuts until it is shipped, gone, or the shipper stops. */
  async #ship(m: ClipManifest): Promise<void> {
    const { log, vehicle, config, dir, recorder } = this.#o;
    // A clip's upload may span several scans (a stop, a store that was away): its counts are the clip's, kept until shipped.
    const progress = this.#progress.get(m.id) ?? { sent: 0, resent: 0, resumes: 0 };
    this.#progress.set(m.id, progress);
    for (let attempt = 0; !this.#stopped; attempt++) {
      try {
        const jsm = await this.#ensureStream();
        const mp4 = await this.#upload(jsm, m.id, 'chunks', join(dir, `${m.id}.mp4`), (r) => {
          progress.sent += r.sent;
          progress.resent += r.resent;
          progress.resumes += r.resumed ? 1 : 0;
        });
        const sig = await this.#upload(jsm, m.id, 'signals', join(dir, m.signals || `${m.id}.signals.json`), () => {}).catch((err: NodeJS.ErrnoException) => {
          if (err.code === 'ENOENT') return { chunks: 0 };
          throw err;
        });
        // The fleet's confirmation: the chunks as stored, read back, exactly once each, hash to the manifest's digest.
        const subject = subjects.evidence(vehicle, m.id, 'chunks');
        const stored = (await subjectCounts(jsm, this.#stream, subject))[subject] ?? 0;
        const back = await readChunks(this.#js, this.#stream, subject, stored);
        if (back.sha256 !== m.sha256 || back.duplicates > 0 || !back.inOrder || back.chunks !== mp4.chunks || stored !== mp4.chunks) {
          this.#bad.add(m.id);
          this.#progress.delete(m.id);
          this.stats.failures++;
          log.error({ id: m.id, expected: m.sha256, got: back.sha256, chunks: back.chunks, stored, duplicates: back.duplicates }, 'evidence read back from the fleet does not match the clip: kept on the vehicle, not marked shipped');
          return;
        }
        const { sent, resent, resumes } = progress;
        const fleet: FleetRecord = { stream: this.#stream, chunkBytes: config.chunkBytes, chunks: back.chunks, bytes: back.bytes, sha256: back.sha256, signalsChunks: sig.chunks, chunksSent: sent, resumes, shippedAt: new Date().toISOString() };
        const h = headers();
        await this.#js.publish(subjects.evidence(vehicle, m.id, 'manifest'), JSON.stringify({ ...m, shipped: true, fleet }), { msgID: `${m.id}.manifest`, headers: h });
        await recorder.call('markShipped', { id: m.id });
        this.stats.clipsShipped++;
        this.#progress.delete(m.id);
        log.info({ id: m.id, chunks: back.chunks, bytes: back.bytes, chunksSent: sent, resent, resumes }, 'event clip shipped to the fleet');
        this.#warned.delete(`ship:${m.id}`);
        return;
      } catch (err) {
        // A server with no JetStream at all is no cut: the loop says so once and looks again much later. Once the
        // stream has been there, the same answer is a cluster between leaders: retried as a cut.
        if (noJetStream(err) && !this.#streamReady) throw err;
        const code = (err as NodeJS.ErrnoException).code;
        if (code === 'ENOENT' || (err instanceof RevcamError && err.code === 'NOT_FOUND')) {
          log.warn({ id: m.id }, 'event clip gone before it was shipped (deleted by retention?)');
          this.#progress.delete(m.id);
          return;
        }
        this.stats.failures++;
        this.#warnOnce(`ship:${m.id}`, err, `shipping event clip ${m.id} interrupted: resuming from the last stored chunk`);
        await this.#untilConnected(Math.min(500 * (attempt + 1), 3_000));
      }
    }
  }

  /** Waits `ms`, then until the connection is back (a flush answers only once the server does), at most 30 s. */
  async #untilConnected(ms: number): Promise<void> {
    await this.#sleep(ms);
    if (this.#stopped || this.#o.nc.isClosed()) return;
    await Promise.race([this.#o.nc.flush().catch(() => {}), this.#sleep(30_000)]);
  }

  /**
   * Uploads one file in chunks from the subject's resume point. `progress`
   * gets this attempt's counts even when it fails half way.
   */
  async #upload(jsm: JetStreamManager, id: string, part: 'chunks' | 'signals', path: string, progress: (r: { sent: number; resent: number; resumed: boolean }) => void): Promise<{ chunks: number }> {
    const { vehicle, config } = this.#o;
    const subject = subjects.evidence(vehicle, id, part);
    const size = (await stat(path)).size;
    const chunk = config.chunkBytes;
    const n = Math.max(1, Math.ceil(size / chunk));
    const last = await lastBySubject(jsm, this.#stream, subject);
    const from = last ? chunkIndexOf(last) + 1 : 0;
    const r = { sent: 0, resent: 0, resumed: from > 0 && from < n };
    if (r.resumed) this.stats.resumes++;
    if (from >= n) {
      progress(r);
      return { chunks: n };
    }
    const fh = await open(path, 'r');
    const buf = Buffer.allocUnsafe(chunk);
    try {
      for (let i = from; i < n && !this.#stopped; i++) {
        const { bytesRead } = await fh.read(buf, 0, Math.min(chunk, size - i * chunk), i * chunk);
        const h = headers();
        h.set(CHUNK_HEADER, String(i));
        h.set(CHUNKS_HEADER, String(n));
        r.sent++;
        this.stats.chunksSent++;
        this.stats.bytesSent += bytesRead;
        // This attempt's counts are the caller's whether the publish succeeds or not (a cut chunk was sent).
        let ack;
        try {
          ack = await this.#js.publish(subject, buf.subarray(0, bytesRead), { msgID: part === 'chunks' ? `${id}.${i}` : `${id}.${part}.${i}`, headers: h, timeout: PUBLISH_TIMEOUT_MS });
        } catch (err) {
          progress(r);
          throw err;
        }
        if (ack.duplicate) {
          r.resent++;
          this.stats.chunksResent++;
        }
      }
    } finally {
      await fh.close();
    }
    progress(r);
    if (this.#stopped) throw new Error('stopped');
    return { chunks: n };
  }
}
