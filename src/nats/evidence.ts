/**
 * Evidence on JetStream (docs/recorder.md "Shipping"): the parts every side
 * shares. One stream per vehicle, `<streamPrefix><vehicle>`, on the subjects
 * `revcam.v1.<vehicle>.evidence.>`:
 *
 *   …evidence.<clipId>.chunks    the mp4, chunk i in message i (Nats-Msg-Id `<clipId>.<i>`)
 *   …evidence.<clipId>.signals   the signal timeline sidecar, chunked the same way (`<clipId>.signals.<i>`)
 *   …evidence.<clipId>.manifest  the manifest, published once the fleet holds the whole clip
 *                                and its SHA-256 was read back and matched (`<clipId>.manifest`)
 *
 * Every chunk carries `Revcam-Chunk: <i>` and `Revcam-Chunks: <n>` headers, so
 * the last stored chunk of a subject is the resume point of its upload.
 */
import { createHash } from 'node:crypto';
import { DeliverPolicy, DiscardPolicy, JetStreamApiError, RetentionPolicy, StorageType, type JetStreamClient, type JetStreamManager, type StoredMsg } from '@nats-io/jetstream';
import type { EvidenceConfig } from '../config/types.js';
import { RevcamError } from '../errors/RevcamError.js';

export const CHUNK_HEADER = 'Revcam-Chunk';
export const CHUNKS_HEADER = 'Revcam-Chunks';

/**
 * The JetStream domain of the fleet's store, when it is not this server's own:
 * a vehicle on a leaf node reaches the hub's JetStream as `$JS.<domain>.API`
 * (a leaf without JetStream answers `$JS.API` itself: "jetstream is not enabled").
 */
export const domainOption = (cfg: Pick<EvidenceConfig, 'domain'>): { domain?: string } => (cfg.domain === null ? {} : { domain: cfg.domain });

export const evidenceStreamName = (cfg: Pick<EvidenceConfig, 'streamPrefix'>, vehicle: string): string => `${cfg.streamPrefix}${vehicle}`;

/** Chunk messages a reader asks for at once: its memory is at most this many chunks. */
const READ_WINDOW = 4;
/** A reader that gets nothing for this long gives up. */
const READ_IDLE_MS = 15_000;

/** The fleet record beside the manifest (published in the `manifest` message). */
export interface FleetRecord {
  stream: string;
  chunkBytes: number;
  /** Chunks of the mp4 stored (exactly once each: checked at read-back). */
  chunks: number;
  bytes: number;
  /** SHA-256 of the mp4 as read back from the stream: equal to the manifest's. */
  sha256: string;
  signalsChunks: number;
  /** Chunk messages of the mp4 the vehicle published (chunks + those sent again after a cut). */
  chunksSent: number;
  /** Uploads of this clip that resumed from a stored chunk (after a cut, or a restart). */
  resumes: number;
  shippedAt: string;
}

/** Turns the client's errors into revcam's codes: a permission error is FORBIDDEN, a missing stream NOT_FOUND. */
export function fleetError(err: unknown, what: string): RevcamError {
  if (err instanceof RevcamError) return err;
  const msg = (err as Error)?.message ?? String(err);
  if (/permission/i.test(msg)) return new RevcamError('FORBIDDEN', `${what}: not permitted by the NATS server (${msg.slice(0, 160)})`, { cause: err });
  if (err instanceof JetStreamApiError && err.code === 10059) return new RevcamError('NOT_FOUND', `${what}: no such stream in the fleet store`, { cause: err });
  if (/stream not found/i.test(msg)) return new RevcamError('NOT_FOUND', `${what}: no such stream in the fleet store`, { cause: err });
  if (/no responders|timeout|TIMEOUT|503/i.test(msg)) return new RevcamError('SERVICE_FAILED', `${what}: the fleet store does not answer (${msg.slice(0, 120)})`, { cause: err });
  return new RevcamError('SERVICE_FAILED', `${what}: ${msg.slice(0, 200)}`, { cause: err });
}

/** Creates the vehicle's stream when it does not exist (a fleet may create it beforehand, with its own limits). */
export async function ensureEvidenceStream(jsm: JetStreamManager, cfg: EvidenceConfig, vehicle: string, subjectsAll: string): Promise<void> {
  const name = evidenceStreamName(cfg, vehicle);
  try {
    await jsm.streams.info(name);
    return;
  } catch (err) {
    if (!(err instanceof JetStreamApiError && err.code === 10059) && !/stream not found/i.test((err as Error).message)) throw err;
  }
  await jsm.streams.add({
    name,
    subjects: [subjectsAll],
    storage: StorageType.File,
    retention: RetentionPolicy.Limits,
    discard: DiscardPolicy.Old,
    max_bytes: cfg.maxBytes,
    num_replicas: cfg.replicas,
    duplicate_window: cfg.duplicateWindowMs * 1_000_000,
  });
}

/** The index of a stored chunk message, from its header. */
export function chunkIndexOf(m: { headers?: { get(k: string): string } | undefined; header?: { get(k: string): string } | undefined }): number {
  const h = m.headers ?? m.header;
  const v = Number(h?.get(CHUNK_HEADER));
  if (!Number.isInteger(v) || v < 0) throw new Error(`a chunk message without a valid ${CHUNK_HEADER} header`);
  return v;
}

/** The last stored message of a subject, or null. */
export async function lastBySubject(jsm: JetStreamManager, stream: string, subject: string): Promise<StoredMsg | null> {
  return jsm.streams.getMessage(stream, { last_by_subj: subject });
}

/** How many messages the stream holds per subject matching `filter`. */
export async function subjectCounts(jsm: JetStreamManager, stream: string, filter: string): Promise<Record<string, number>> {
  const info = await jsm.streams.info(stream, { subjects_filter: filter });
  return (info.state.subjects ?? {}) as Record<string, number>;
}

export interface ReadResult {
  chunks: number;
  bytes: number;
  sha256: string;
  /** Indices seen more than once (should be none: message-id deduplication). */
  duplicates: number;
  /** Whether the indices were 0…n−1 in order, each once. */
  inOrder: boolean;
}

/**
 * Reads every chunk of `subject` in stream order (an ordered consumer, a few
 * chunks in flight), hands each one's bytes to `onChunk` in order, and
 * returns the count and the SHA-256 of the whole. `expected`: the number of
 * messages the subject holds (a reader stops there).
 */
export async function readChunks(js: JetStreamClient, stream: string, subject: string, expected: number, onChunk?: (data: Uint8Array, index: number) => Promise<void> | void): Promise<ReadResult> {
  const hash = createHash('sha256');
  const result: ReadResult = { chunks: 0, bytes: 0, sha256: '', duplicates: 0, inOrder: true };
  if (expected === 0) return { ...result, sha256: hash.digest('hex') };
  const consumer = await js.consumers.get(stream, { filter_subjects: subject, deliver_policy: DeliverPolicy.All });
  const messages = await consumer.consume({ max_messages: READ_WINDOW, expires: 5_000 });
  let idle: NodeJS.Timeout | undefined;
  let timedOut = false;
  const arm = () => {
    clearTimeout(idle);
    idle = setTimeout(() => {
      timedOut = true;
      void messages.close();
    }, READ_IDLE_MS);
  };
  arm();
  let next = 0;
  const seen = new Set<number>();
  let seenCount = 0;
  try {
    for await (const m of messages) {
      arm();
      seenCount++;
      const i = chunkIndexOf(m);
      if (seen.has(i)) result.duplicates++;
      else {
        seen.add(i);
        if (i !== next) result.inOrder = false;
        next = i + 1;
        hash.update(m.data);
        result.chunks++;
        result.bytes += m.data.length;
        await onChunk?.(m.data, i);
      }
      if (seenCount >= expected || m.info.pending === 0) break;
    }
  } finally {
    clearTimeout(idle);
    await messages.close()?.catch(() => {});
    await consumer.delete().catch(() => {});
  }
  if (timedOut) throw new Error(`reading ${subject}: nothing for ${READ_IDLE_MS / 1000} s (${result.chunks} of ${expected} chunks)`);
  return { ...result, sha256: hash.digest('hex') };
}
