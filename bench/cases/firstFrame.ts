/**
 * Case 1, time to first frame. (a) Gear → reverse through the signal bus
 * (POST /api/signals) until a display that listens on WS /api/signals and
 * opens /api/stream on `view: rear` has a whole frame, for each standby level
 * of the reversing service. (b) A late viewer of a running stream: request →
 * first shown frame, and how old that frame is, JPEG and H.264.
 */
import type { CodecName } from '../../src/wire/frame.js';
import { Fleet } from '../fleet.js';
import type { BenchOptions } from '../options.js';
import { part, type Part } from '../results.js';
import { startRevcamServer, type RevcamServer } from '../revcamServer.js';
import { summarize } from '../stat.js';
import { revcamServerOptions } from '../systems.js';
import { LIVE_MS, progress, sleep } from '../util.js';
import { CODECS } from './sweep.js';

async function serviceState(url: string): Promise<string | undefined> {
  const res = await fetch(new URL('/api/health', url));
  const body = (await res.json()) as { services?: { id: string; state: string }[]; spareHost?: boolean };
  const state = body.services?.find((s) => s.id === 'reversing')?.state;
  // Cold means: the service is stopped and, where the server keeps one, a spare service host waits (docs/performance.md).
  return state === 'stopped' && body.spareHost === false ? 'stopped, no spare yet' : state;
}

async function waitState(url: string, state: string, timeoutMs: number): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while ((await serviceState(url)) !== state) {
    if (Date.now() > deadline) throw new Error(`reversing service not ${state} within ${timeoutMs} ms`);
    await sleep(50);
  }
}

/** `synthetic`: the built-in camera whatever the codec (H.264 then is encoded by revcam, with its spare encoder). */
async function gearToFrame(opts: BenchOptions, standby: 'hot' | 'warm' | 'cold', codec: CodecName, synthetic = false): Promise<Record<string, unknown>> {
  const server: RevcamServer = await startRevcamServer({ ...revcamServerOptions(opts, codec, standby), ...(synthetic && { camera: {} }), idleStopMs: 100 });
  const fleet = new Fleet();
  try {
    await fleet.display(server.url);
    // Out of reverse first: the simulator may boot in any gear, and a held rear stream would keep a cold service up.
    await fleet.forward(server.url, 10_000);
    progress(`gear → first frame, ${standby} standby, ${codec}`);
    const samples: Awaited<ReturnType<Fleet['reverse']>>[] = [];
    for (let i = 0; i < opts.iterations; i++) {
      if (standby === 'cold') {
        await waitState(server.url, 'stopped', 15_000);
        await sleep(300); // a spare just forked loads its camera layer
      }
      else await sleep(300); // the previous reverse's camera release settles
      samples.push(await fleet.reverse({ url: server.url, codec, service: 'reversing', camera: 'rear', timeoutMs: 10_000 }));
      await fleet.forward(server.url, 10_000);
    }
    const s = (k: keyof (typeof samples)[number]) => summarize(samples.map((x) => x[k]), k === 'catchUpFrames' ? 'frames' : 'ms');
    return {
      standby,
      codec,
      gearToFrameMs: s('firstFrameMs'),
      gearToViewMs: s('viewMs'),
      gearToAcceptedMs: s('acceptedMs'),
      postAnsweredMs: s('postMs'),
      firstFrameAgeMs: s('firstFrameAgeMs'),
      catchUpFrames: s('catchUpFrames'),
    };
  } finally {
    await fleet.close();
    await server.stop();
  }
}

async function lateViewer(opts: BenchOptions, codec: CodecName): Promise<Record<string, unknown>> {
  const server = await startRevcamServer(revcamServerOptions(opts, codec, 'hot'));
  const fleet = new Fleet();
  try {
    // One viewer already watching, as in a car where the head unit shows the view and the cluster joins.
    await fleet.connect({ kind: 'revcam', url: server.url, codec }, 1);
    await sleep(500);
    progress(`late viewer, ${codec}`);
    const out: Awaited<ReturnType<Fleet['late']>>[] = [];
    for (let i = 0; i < opts.iterations; i++) {
      await sleep(100 + Math.random() * 100); // a random phase against the frame clock
      const r = await fleet.late({ url: server.url, codec, frames: codec === 'h264' ? 45 : 3, timeoutMs: 5000 }, LIVE_MS);
      if (r.error) throw Object.assign(new Error(r.error), { code: r.error.split(':')[0] });
      out.push(r);
    }
    return summarizeLate(codec, out);
  } finally {
    await fleet.close();
    await server.stop();
  }
}

export function summarizeLate(codec: string, out: Awaited<ReturnType<Fleet['late']>>[]): Record<string, unknown> {
  const pick = (k: 'ttffMs' | 'firstAgeMs' | 'firstPaintedMs' | 'firstPaintedAgeMs' | 'firstLiveMs') =>
    summarize(out.map((r) => r[k]).filter((x): x is number => x !== null), 'ms');
  return {
    codec,
    requestToFirstFrameMs: pick('ttffMs'),
    firstFrameAgeMs: pick('firstAgeMs'),
    requestToFirstShownMs: pick('firstPaintedMs'),
    firstShownAgeMs: pick('firstPaintedAgeMs'),
    requestToFirstLiveMs: pick('firstLiveMs'),
    catchUpFrames: summarize(out.map((r) => r.catchUpFrames), 'frames'),
  };
}

export async function runFirstFrame(opts: BenchOptions): Promise<Part[]> {
  const parts: Part[] = [];
  const gear: [standby: 'warm' | 'cold' | 'hot', codec: CodecName][] = [['warm', 'jpeg'], ['cold', 'jpeg'], ['hot', 'jpeg'], ['warm', 'h264']];
  let noRoute: string | undefined;
  for (const [standby, codec] of gear) {
    const name = `gear→frame ${standby} ${codec}`;
    // Without the signal routes no gear run can work: say so once per part without starting a server for each.
    if (noRoute) parts.push({ name, status: 'skipped', skipped: noRoute });
    else {
      const p = await part(name, () => gearToFrame(opts, standby, codec));
      if (p.status === 'skipped' && p.skipped?.includes('/api/signals')) noRoute = p.skipped;
      parts.push(p);
    }
  }
  // The same first H.264 viewer when revcam encodes (the synthetic camera, JPEG → H.264): the spare
  // encoder's case (h264.spareEncoder; docs/sources.md), what T-h264-new judges (x264's start). The
  // part above is a file: clip copied through: no encoder, the camera's own start and first keyframe.
  const synthetic = 'gear→frame warm h264 synthetic';
  parts.push(noRoute ? { name: synthetic, status: 'skipped', skipped: noRoute } : await part(synthetic, () => gearToFrame(opts, 'warm', 'h264', true)));
  for (const codec of CODECS) parts.push(await part(`late viewer ${codec}`, () => lateViewer(opts, codec)));
  return parts;
}
