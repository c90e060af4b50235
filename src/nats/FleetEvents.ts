/**
 * /api/events for a vehicle on the bus (docs/recorder.md "Review across the
 * fleet"): the clips its host shipped, read from the fleet's JetStream.
 * Listing reads the last `manifest` message of each clip; a clip's mp4 is
 * assembled from its stored chunks into a bounded cache under the gateway's
 * stateDir (checked against the manifest's SHA-256) and served from there
 * with Range. Trigger and lock go to the vehicle's host as NATS requests.
 * What this gateway may read is the NATS server's permissions: a refused
 * request is FORBIDDEN.
 */
import { randomBytes } from 'node:crypto';
import { mkdir, open, readdir, rename, rm, stat, utimes } from 'node:fs/promises';
import { join } from 'node:path';
import { jetstream, jetstreamManager, type JetStreamClient, type JetStreamManager } from '@nats-io/jetstream';
import type { NatsConnection } from '@nats-io/transport-node';
import type { EvidenceConfig } from '../config/types.js';
import { RevcamError } from '../errors/RevcamError.js';
import { sendFileIn } from '../gateway/staticFiles.js';
import type { Logger } from '../log/logger.js';
import type { ClipManifest } from '../recorder/Manifest.js';
import { CLIP_ID, type EventFilter, type EventsBackend } from '../transport/eventsHttp.js';
import { domainOption, evidenceStreamName, fleetError, lastBySubject, readChunks, subjectCounts, type FleetRecord } from './evidence.js';
import { subjects } from './subjects.js';

export interface FleetEventsOptions {
  nc: NatsConnection;
  config: EvidenceConfig;
  /** Where assembled clips are cached (stateDir/fleet-cache). */
  cacheDir: string;
  log: Logger;
}

type FleetManifest = ClipManifest & { fleet?: FleetRecord };

const VEHICLE = /^[a-z][a-z0-9-]*$/;
const REQUEST_TIMEOUT_MS = 5_000;
/** A signal timeline is read into memory to be served: 60 s at 10 Hz is well under 1 MB, so this is only a guard. */
const MAX_SIGNALS_BYTES = 16 * 1024 * 1024;

export class FleetEvents {
  #o: FleetEventsOptions;
  #js: JetStreamClient;
  #jsm: Promise<JetStreamManager> | undefined;
  /** Clips being assembled: one assembly per clip, whatever the number of viewers. */
  #assembling = new Map<string, Promise<void>>();

  constructor(opts: FleetEventsOptions) {
    this.#o = opts;
    this.#js = jetstream(opts.nc, { timeout: REQUEST_TIMEOUT_MS, ...domainOption(opts.config) });
  }

  #manager(): Promise<JetStreamManager> {
    this.#jsm ??= jetstreamManager(this.#o.nc, { checkAPI: false, timeout: REQUEST_TIMEOUT_MS, ...domainOption(this.#o.config) });
    return this.#jsm;
  }

  /** The events backend of one vehicle (NOT_FOUND-free: what it may read is decided by the server at each call). */
  backend(vehicle: string): EventsBackend {
    if (!VEHICLE.test(vehicle)) throw new RevcamError('BAD_REQUEST', `vehicle: a lower-case name (got ${JSON.stringify(vehicle.slice(0, 40))})`);
    const stream = evidenceStreamName(this.#o.config, vehicle);
    const get = (id: string) => this.#get(stream, vehicle, id);
    return {
      vehicle,
      list: (filter) => this.#list(stream, vehicle, filter),
      get,
      trigger: async (by, note) => {
        const r = (await this.#request(vehicle, 'trigger', { by, ...(note !== undefined && { note }) })) as { id: string; merged: boolean };
        return { id: r.id, merged: r.merged };
      },
      lock: async (id) => ((await this.#request(vehicle, 'lock', { id })) as { manifest: unknown }).manifest,
      remove: () => Promise.reject(new RevcamError('FORBIDDEN', 'evidence in the fleet store is not deleted through a gateway (the fleet\'s retention, or an operator with JetStream rights, does)')),
      sendMp4: async (req, res, id) => {
        const m = await get(id);
        const dir = join(this.#o.cacheDir, vehicle);
        const name = `${m.id}.mp4`;
        const key = `${vehicle}/${m.id}`;
        let job = this.#assembling.get(key);
        if (!job) {
          job = this.#assemble(stream, vehicle, m, dir, name).finally(() => this.#assembling.delete(key));
          this.#assembling.set(key, job);
        }
        await job;
        await sendFileIn(req, res, dir, name, 'video/mp4');
      },
      stats: () => Promise.reject(new RevcamError('NOT_FOUND', `the recorder of ${vehicle} runs on its host: its stats are not in the fleet store`)),
      signals: async (_req, res, id) => {
        const m = await get(id);
        const body = await this.#readSignals(stream, vehicle, m);
        res.writeHead(200, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': body.length, 'Cache-Control': 'no-store' });
        res.end(body);
      },
    };
  }

  async #list(stream: string, vehicle: string, filter: EventFilter): Promise<unknown[]> {
    const jsm = await this.#manager();
    let counts: Record<string, number>;
    try {
      counts = await subjectCounts(jsm, stream, subjects.evidenceManifests(vehicle));
    } catch (err) {
      throw fleetError(err, `events of ${vehicle}`);
    }
    const out: FleetManifest[] = [];
    for (const subject of Object.keys(counts)) {
      const m = await lastBySubject(jsm, stream, subject).catch((err: unknown) => {
        throw fleetError(err, `events of ${vehicle}`);
      });
      if (m) out.push(m.json<FleetManifest>());
    }
    const from = filter.from === undefined ? -Infinity : Date.parse(filter.from) * 1000;
    const to = filter.to === undefined ? Infinity : Date.parse(filter.to) * 1000;
    return out
      .filter((m) => m.endUs >= from && m.startUs <= to)
      .filter((m) => filter.trigger === undefined || m.triggers.some((t) => t.kind === filter.trigger))
      .filter((m) => filter.state === undefined || m.state === filter.state)
      .sort((a, b) => b.startUs - a.startUs || (a.id < b.id ? 1 : -1));
  }

  async #get(stream: string, vehicle: string, id: string): Promise<FleetManifest> {
    if (!CLIP_ID.test(id)) throw new RevcamError('BAD_REQUEST', 'not an event id');
    const jsm = await this.#manager();
    let m;
    try {
      m = await lastBySubject(jsm, stream, subjects.evidence(vehicle, id, 'manifest'));
    } catch (err) {
      throw fleetError(err, `event ${id} of ${vehicle}`);
    }
    if (!m) throw new RevcamError('NOT_FOUND', `no event ${id} of ${vehicle} in the fleet store`);
    return m.json<FleetManifest>();
  }

  /** Writes the clip from its chunks into the cache (unless there, whole), checked against the manifest's digest. */
  async #assemble(stream: string, vehicle: string, m: FleetManifest, dir: string, name: string): Promise<void> {
    const file = join(dir, name);
    const cached = await stat(file).catch(() => undefined);
    if (cached && cached.size === m.bytes) {
      const now = new Date();
      await utimes(file, now, now).catch(() => {}); // most recently used
      return;
    }
    await mkdir(dir, { recursive: true });
    await this.#evict(m.bytes);
    const tmp = join(dir, `.${name}.${randomBytes(4).toString('hex')}.part`);
    const fh = await open(tmp, 'w');
    try {
      const subject = subjects.evidence(vehicle, m.id, 'chunks');
      const jsm = await this.#manager();
      const stored = (await subjectCounts(jsm, stream, subject))[subject] ?? 0;
      let pos = 0;
      const r = await readChunks(this.#js, stream, subject, stored, async (data) => {
        await fh.write(data, 0, data.length, pos);
        pos += data.length;
      });
      if (r.sha256 !== m.sha256 || r.duplicates > 0 || !r.inOrder) throw new RevcamError('INTERNAL', `event ${m.id} of ${vehicle}: the stored chunks do not match the manifest's SHA-256`);
      await fh.close();
      await rename(tmp, file);
    } catch (err) {
      await fh.close().catch(() => {});
      await rm(tmp, { force: true });
      throw fleetError(err, `event ${m.id} of ${vehicle}`);
    }
  }

  /** The clip's signal timeline sidecar, from its stored chunks (held in memory: bounded by MAX_SIGNALS_BYTES). */
  async #readSignals(stream: string, vehicle: string, m: FleetManifest): Promise<Buffer> {
    const subject = subjects.evidence(vehicle, m.id, 'signals');
    const parts: Uint8Array[] = [];
    let bytes = 0;
    try {
      const jsm = await this.#manager();
      const stored = (await subjectCounts(jsm, stream, subject))[subject] ?? 0;
      if (stored === 0) throw new RevcamError('NOT_FOUND', `event ${m.id} of ${vehicle} has no signal timeline in the fleet store`);
      await readChunks(this.#js, stream, subject, stored, (data) => {
        bytes += data.length;
        if (bytes > MAX_SIGNALS_BYTES) throw new RevcamError('INTERNAL', `event ${m.id} of ${vehicle}: its signal timeline is over ${MAX_SIGNALS_BYTES} bytes`);
        parts.push(data);
      });
    } catch (err) {
      throw fleetError(err, `signals of event ${m.id} of ${vehicle}`);
    }
    return Buffer.concat(parts);
  }

  /** Makes room for `need` bytes in the cache: least recently used clips go first. */
  async #evict(need: number): Promise<void> {
    const root = this.#o.cacheDir;
    const files: { path: string; size: number; mtimeMs: number }[] = [];
    for (const v of await readdir(root).catch(() => [] as string[])) {
      for (const f of await readdir(join(root, v)).catch(() => [] as string[])) {
        if (!f.endsWith('.mp4')) continue;
        const s = await stat(join(root, v, f)).catch(() => undefined);
        if (s) files.push({ path: join(root, v, f), size: s.size, mtimeMs: s.mtimeMs });
      }
    }
    let total = files.reduce((a, f) => a + f.size, 0);
    files.sort((a, b) => a.mtimeMs - b.mtimeMs);
    for (const f of files) {
      if (total + need <= this.#o.config.cacheBytes) break;
      await rm(f.path, { force: true });
      total -= f.size;
    }
  }

  async #request(vehicle: string, op: 'trigger' | 'lock', body: unknown): Promise<unknown> {
    let reply: { ok: boolean; code?: string; message?: string };
    try {
      const msg = await this.#o.nc.request(subjects.events(vehicle, op), JSON.stringify(body), { timeout: REQUEST_TIMEOUT_MS });
      reply = msg.json();
    } catch (err) {
      const e = fleetError(err, `${op} on ${vehicle}`);
      if (/no responders/i.test((err as Error).message)) throw new RevcamError('NOT_FOUND', `no host of vehicle ${vehicle} with a recorder answers on the bus`, { cause: err });
      throw e;
    }
    if (!reply.ok) throw new RevcamError((reply.code ?? 'SERVICE_FAILED') as RevcamError['code'], reply.message ?? `${op} failed on ${vehicle}`);
    return reply;
  }
}
