/**
 * The recorder service: hosts src/recorder's Recorder in its own supervised
 * child process. The platform hands it the recorded stream's frames
 * (onFrame) and the vehicle's signals (onSignals); the review and trigger
 * operations arrive as calls (ServiceLogic.call) from /api/events and the
 * fleet. A crash here loses at most the open group of pictures (the power-cut
 * rule) and never touches the live view.
 */
import type { RecorderConfig } from '../../config/types.js';
import { RevcamError } from '../../errors/RevcamError.js';
import { Recorder, type ClipFilter, type RecorderStats } from '../../recorder/Recorder.js';
import type { ServiceFactory, ServiceLogic } from '../../service/types.js';

/** What the host hands the recorder at init (ServiceContext.settings). */
export interface RecorderSettings extends RecorderConfig {
  /** The recordings folder, absolute. */
  dir: string;
  vehicle?: string;
}

export type RecorderCall =
  | { method: 'list'; args: ClipFilter }
  | { method: 'get'; args: { id: string } }
  | { method: 'mp4Path'; args: { id: string } }
  | { method: 'signalsPath'; args: { id: string } }
  | { method: 'trigger'; args: { kind: 'manual' | 'fleet'; by?: string; note?: string } }
  | { method: 'lock'; args: { id: string } }
  | { method: 'markShipped'; args: { id: string } }
  | { method: 'remove'; args: { id: string } }
  | { method: 'stats'; args: Record<string, never> };

const idOf = (args: unknown): string => {
  const id = (args as { id?: unknown } | null)?.id;
  if (typeof id !== 'string') throw new RevcamError('BAD_REQUEST', 'an event id is required');
  return id;
};

/** Resolves when the clip's first manifest is written (or after 2 s: the answer is not held up forever). */
function started(rec: Recorder, id: string): Promise<void> {
  if (rec.list().some((m) => m.id === id)) return Promise.resolve();
  return new Promise((resolve) => {
    const done = () => {
      clearTimeout(timer);
      rec.off('clip', onClip);
      resolve();
    };
    const onClip = (m: { id: string }) => {
      if (m.id === id) done();
    };
    const timer = setTimeout(done, 2_000);
    rec.on('clip', onClip);
  });
}

/** What `stats` answers (GET /api/events/stats): the Recorder's counters and this process's memory. */
export interface RecorderServiceStats extends RecorderStats {
  memory: {
    rssBytes: number;
    /** RSS when the service was loaded, before any frame: what the ring and the open clip add is rssBytes − this. */
    rssAtStartBytes: number;
    heapUsedBytes: number;
    /** Buffers outside the JS heap: the ring's frames live here. */
    arrayBuffersBytes: number;
    /** The JS heap and buffers when the service was loaded: what it holds is the growth of the two (RSS adds the allocator's slack). */
    heapUsedAtStartBytes: number;
    arrayBuffersAtStartBytes: number;
  };
}

const recorder: ServiceFactory = async (ctx) => {
  // Under the bench (node --expose-gc) the baseline is taken after a full GC, so garbage counts on neither side.
  (globalThis as { gc?: () => void }).gc?.();
  const atStart = process.memoryUsage();
  const s = ctx.settings as RecorderSettings | undefined;
  if (!s) throw new Error('the recorder needs its settings (config `recorder`)');
  const [service = 'reversing', camera = 'rear'] = (ctx.manifest.records?.[0] ?? '').split('/');
  const rec = await Recorder.open({
    dir: s.dir,
    ...(s.vehicle !== undefined && { vehicle: s.vehicle }),
    service,
    camera,
    preSeconds: s.preSeconds,
    postSeconds: s.postSeconds,
    maxSeconds: s.maxSeconds,
    maxBytes: s.maxBytes,
    minFreeBytes: s.minFreeBytes,
    triggers: s.triggers,
    log: { warn: (m) => ctx.log('warn', m), info: (m) => ctx.log('info', m) },
  });
  rec.on('clip', (m, phase) => {
    if (phase !== 'updated') ctx.log('info', `event clip ${phase}`, { id: m.id, state: m.state, triggers: m.triggers.map((t) => t.kind).join(','), durationMs: m.durationMs });
  });
  rec.on('full', (info) => ctx.log('error', 'recorder full: only locked clips are left; the event was refused (RECORDER_FULL)', info));
  rec.on('error', (err) => ctx.log('error', `recorder: ${(err as Error).message ?? String(err)}`));

  const logic: ServiceLogic = {
    openCamera: () => Promise.reject(new Error('the recorder streams no camera')),
    closeCamera: () => Promise.resolve(),
    stop: () => rec.close(),
    onSignals: (samples) => rec.onSignals(samples),
    onFrame: (_stream, wire) => rec.pushFrame(wire),
    async call(method, args) {
      switch (method as RecorderCall['method']) {
        case 'list':
          return rec.list((args ?? {}) as ClipFilter);
        case 'get':
          return rec.get(idOf(args));
        case 'mp4Path':
          return rec.mp4Path(idOf(args));
        case 'signalsPath':
          return rec.signalsPath(idOf(args));
        case 'trigger': {
          const a = (args ?? {}) as { kind?: 'manual' | 'fleet'; by?: string; note?: string };
          const r = rec.trigger({ kind: a.kind ?? 'manual', ...(a.by !== undefined && { by: a.by }), ...(a.note !== undefined && { note: a.note }) });
          // A new clip is answered once its manifest is on disk: whoever was told "created" finds it listed.
          if (!r.merged) await started(rec, r.clipId);
          return r;
        }
        case 'lock':
          return rec.lock(idOf(args));
        case 'markShipped':
          return rec.markShipped(idOf(args));
        case 'remove':
          await rec.remove(idOf(args));
          return null;
        case 'stats': {
          const mem = process.memoryUsage();
          const out: RecorderServiceStats = { ...rec.stats, memory: {
              rssBytes: mem.rss,
              rssAtStartBytes: atStart.rss,
              heapUsedBytes: mem.heapUsed,
              arrayBuffersBytes: mem.arrayBuffers,
              heapUsedAtStartBytes: atStart.heapUsed,
              arrayBuffersAtStartBytes: atStart.arrayBuffers,
            },
          };
          return out;
        }
        default:
          throw new RevcamError('BAD_REQUEST', `the recorder has no operation ${JSON.stringify(method)}`);
      }
    },
  };
  return logic;
};

export default recorder;
