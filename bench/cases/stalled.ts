/**
 * Case 4, a stalled viewer: among 50 viewers, one stops reading (its socket
 * is paused, so TCP backs up to the server) for --stall-seconds, against the
 * same run with all 50 reading. Measured: the server's RSS growth, the 49
 * others' fps and latency in both runs, and what the stalled viewer gets
 * when it reads again: is its first frame live, or a backlog of old ones?
 * The peer gets the same treatment with HTTP-FLV viewers when it is there.
 */
import { Fleet, type FlvTarget, type RevcamTarget } from '../fleet.js';
import type { BenchOptions } from '../options.js';
import { part, type Part } from '../results.js';
import { startRevcamServer } from '../revcamServer.js';
import { ProcMeter } from '../proc.js';
import { startPeer } from '../peerSystem.js';
import { peerReady, revcamServerOptions } from '../systems.js';
import { LIVE_MS, progress, sleep } from '../util.js';
import type { ResumeReport } from '../viewerTally.js';

const round = (x: number | null): number | null => (x === null ? null : Math.round(x * 10) / 10);

/** The viewers of a stalled-viewer run, the stalled one included (fewer in --quick, which only checks the bench works). */
const stallViewers = (opts: BenchOptions): number => (opts.quick ? 5 : 50);
const STALLED = 0;

/** `rssAfterGc`: the server's RSS after a full GC, MB (revcam with its gc hook); the peer has none. */
async function stallRun(opts: BenchOptions, target: RevcamTarget | FlvTarget, pid: number, stall: boolean, rssAfterGc: () => Promise<number | null> = async () => null): Promise<Record<string, unknown>> {
  const fleet = new Fleet();
  try {
    await fleet.connect(target, stallViewers(opts));
    await sleep(opts.warmupSeconds * 1000);
    // After a full GC at both ends of the window: what the heap grows by itself is not the stall's (issue 19 §2).
    const gcStartMB = await rssAfterGc();
    const meter = new ProcMeter(pid, 500);
    meter.start();
    await fleet.mark();
    if (stall) await fleet.pause(STALLED);
    await sleep(opts.stallSeconds * 1000);
    const c = await fleet.collect([STALLED]);
    const m = meter.stop();
    // Still stalled (the paused viewer's backlog is held here, if anywhere): the RSS after a GC.
    const gcEndMB = await rssAfterGc();
    let resume: ResumeReport | null = null;
    if (stall) {
      await fleet.resume(STALLED, LIVE_MS);
      await sleep(opts.quick ? 1000 : Math.min(10_000, 2000 + opts.stallSeconds * 100));
      resume = await fleet.resumeReport(STALLED);
    }
    const rss = m.main;
    const growth = rss.rssStartMB === null || rss.rssMB === null ? null : Math.round((rss.rssMB.max - rss.rssStartMB) * 10) / 10;
    return {
      stalled: stall,
      seconds: c.seconds,
      rssStartMB: rss.rssStartMB,
      rssEndMB: rss.rssEndMB,
      rssMaxMB: rss.rssMB?.max ?? null,
      rssGrowthMB: growth,
      rssGrowthMBPerS: growth === null ? null : Math.round((growth / c.seconds) * 1000) / 1000,
      ...(gcStartMB !== null && gcEndMB !== null && { rssAfterGcStartMB: gcStartMB, rssAfterGcEndMB: gcEndMB, rssGrowthAfterGcMB: Math.round((gcEndMB - gcStartMB) * 10) / 10 }),
      rssMB: rss.rssMB,
      serverCpuPercent: rss.cpuPercent,
      othersFps: c.fps,
      othersLatencyMs: c.latencyMs,
      stalledViewerFrames: c.viewers[STALLED]?.frames ?? null,
      ...(resume && {
        resumeFirstFrameAfterMs: round(resume.firstAfterMs),
        resumeFirstFrameAgeMs: round(resume.firstAgeMs),
        resumeBacklogFrames: resume.backlogFrames,
        resumeLiveAfterMs: round(resume.liveAfterMs),
        resumeFirstShownFrameAgeMs: round(resume.firstShownAgeMs),
        resumeShownAfterMs: round(resume.shownAfterMs),
        resumeReconnected: resume.reconnected,
        resumeSkippedOldFrames: resume.skippedOldFrames,
        resumeFrameAgeLimitMs: resume.frameAgeLimitMs,
      }),
    };
  } finally {
    await fleet.close();
  }
}

async function revcamStall(opts: BenchOptions, stall: boolean): Promise<Record<string, unknown>> {
  const server = await startRevcamServer({ ...revcamServerOptions(opts, 'jpeg', 'hot'), gcHook: true });
  try {
    progress(`stalled viewer: revcam jpeg, ${stall ? `1 of ${stallViewers(opts)} stalled for ${opts.stallSeconds} s` : `all ${stallViewers(opts)} reading`}`);
    return { system: 'revcam', codec: 'jpeg', ...(await stallRun(opts, { kind: 'revcam', url: server.url, codec: 'jpeg' }, server.pid, stall, () => server.rssAfterGcMB())) };
  } finally {
    await server.stop();
  }
}

async function peerStall(opts: BenchOptions, stall: boolean): Promise<Record<string, unknown>> {
  const peer = await startPeer();
  try {
    await peerReady(peer.flvUrl);
    progress(`stalled viewer: peer h264, ${stall ? `1 of ${stallViewers(opts)} stalled for ${opts.stallSeconds} s` : `all ${stallViewers(opts)} reading`}`);
    return { system: 'peer', codec: 'h264', ...(await stallRun(opts, { kind: 'flv', url: peer.flvUrl }, peer.pid, stall)) };
  } finally {
    await peer.stop();
  }
}

/** The parts of revcam's pair `i` (1-based): the first pair keeps the plain names. */
export function stallPartName(pair: number, stalled: boolean): string {
  return `revcam ${stalled ? 'one stalled' : 'all reading'}${pair === 1 ? '' : `, pair ${pair}`}`;
}

export async function runStalled(opts: BenchOptions): Promise<Part[]> {
  const parts: Part[] = [];
  // Alternated pairs: two fresh servers' heaps warm up by a few MB more or less from run to run,
  // so one pair cannot tell a stall's cost from that; the median of the pairs' differences can.
  for (let i = 1; i <= opts.stallPairs; i++) {
    parts.push(await part(stallPartName(i, false), () => revcamStall(opts, false)));
    parts.push(await part(stallPartName(i, true), () => revcamStall(opts, true)));
  }
  parts.push(await part('peer all reading', () => peerStall(opts, false)));
  parts.push(await part('peer one stalled', () => peerStall(opts, true)));
  return parts;
}
