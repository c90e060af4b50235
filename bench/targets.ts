/** The issue's targets, checked against this run's figures; a target whose figure was not measured is `met: null`. */
import type { Part, Target } from './results.js';
import { summarize, type Stat } from './stat.js';
import type { RunRow } from './systems.js';
import { LIVE_MS } from './util.js';
import { stallPartName } from './cases/stalled.js';
import { DEFAULT_MAX_FRAME_AGE_MS } from '../src/wire/clock.js';

export interface TargetInputs {
  firstFrame: Part[];
  rows: RunRow[];
  stalled: Part[];
  peerLate: Part | undefined;
  /** Case 8 (issue 9). */
  natsBus?: Part[];
  /** Case 9 (issue 9). */
  natsFleet?: Part[];
  /** Case 10 (issue 11). */
  boot?: Part[];
  /** Case 11 (issue 11 §3). */
  whep?: Part[];
  /** Case 12 (issue 16). */
  recorder?: Part[];
}

/** Issue 16's recorder targets. */
export const RECORDER_CPU_PERCENT = 2;
export const RECORDER_LISTED_MS = 100;
export const RECORDER_CLOSED_MS = 1000;
export const RECORDER_MEMORY_OVER_RING_MB = 5;

/**
 * Issue 16, ids R1-R4: the recorder's CPU (its process + what the server's
 * main process spends more to feed it, median of the pairs) ≤ 2 % of a core
 * while a clip is written (the window opens after the trigger's one-off
 * pre-roll flush, which is printed beside it in CPU ms);
 * trigger → listed ≤ 100 ms and post end → closed ≤ 1 s (the worst of the
 * triggers); its memory ≤ the ring + 5 MB.
 */
function recorderTargets(parts: Part[]): Target[] {
  const data = (name: string) => {
    const p = find(parts, name);
    return p?.status === 'ok' ? p.data : undefined;
  };
  const costs: number[] = [];
  const raw: string[] = [];
  const ringOnly: number[] = [];
  const burstMs: number[] = [];
  const memory: { held: number; rss: number; ring: number }[] = [];
  for (let i = 1; ; i++) {
    const without = data(`recorder cpu without, pair ${i}`);
    const withIt = data(`recorder cpu with, pair ${i}`);
    if (!find(parts, `recorder cpu with, pair ${i}`)) break;
    if (!without || !withIt) continue;
    const own = withIt.recorderCpuPercent as number;
    const feed = (withIt.mainCpuPercent as number) - (without.mainCpuPercent as number);
    costs.push(own + feed);
    raw.push(`${f1(own)} own ${feed >= 0 ? '+' : '−'} ${f1(Math.abs(feed))} main`);
    const ro = withIt.ringOnly as { recorderCpuPercent: number; mainCpuPercent: number } | undefined;
    if (ro) ringOnly.push(ro.recorderCpuPercent + ro.mainCpuPercent - (without.mainCpuPercent as number));
    const burst = withIt.triggerBurst as { recorderCpuMs: number; mainCpuMs: number; seconds: number } | undefined;
    // The trigger's extra: the burst's CPU over what the ring alone costs in as long.
    if (burst && ro) burstMs.push(burst.recorderCpuMs - ro.recorderCpuPercent * 10 * burst.seconds);
    memory.push({ held: withIt.recorderHeldMB as number, rss: withIt.recorderRssOverStartMB as number, ring: withIt.ringMB as number });
  }
  const timing = data('recorder trigger and close');
  const listed = (timing?.listedMs as Stat | null | undefined) ?? null;
  const closed = (timing?.closedAfterPostMs as Stat | null | undefined) ?? null;
  const worstMemory = memory.length === 0 ? null : memory.reduce((a, b) => (b.held - b.ring > a.held - a.ring ? b : a));
  return [
    target(
      'R1',
      'recorder CPU while a clip of the rear H.264 720p30 is written (its process + the main process\'s extra, median of the pairs)',
      `≤ ${RECORDER_CPU_PERCENT} % of a core`,
      summarize(costs, '%')?.median ?? null,
      (x) => x <= RECORDER_CPU_PERCENT,
      (x) => `${x.toFixed(2)} % (pairs: ${raw.join('; ')}; no clip, the ring only: ${f1(summarize(ringOnly, '%')?.median ?? NaN)} %; a trigger's pre-roll flush: ${f1(summarize(burstMs, 'ms')?.median ?? NaN)} CPU ms once)`,
    ),
    target('R2', 'recorder: trigger → listed in GET /api/events (worst)', `≤ ${RECORDER_LISTED_MS} ms`, listed?.max ?? null, (x) => x <= RECORDER_LISTED_MS, (x) => `${f1(x)} ms (median ${f1(listed?.median ?? NaN)}, ${String(timing?.triggers ?? '?')} triggers)`),
    target('R3', 'recorder: post window ends → clip closed, ffprobe clean (worst)', `≤ ${RECORDER_CLOSED_MS} ms`, closed?.max ?? null, (x) => x <= RECORDER_CLOSED_MS && timing?.ffprobeClean === timing?.triggers, (x) => `${f1(x)} ms (median ${f1(closed?.median ?? NaN)}; ffprobe clean ${String(timing?.ffprobeClean)}/${String(timing?.triggers)})`),
    target(
      'R4',
      'recorder memory: what its process holds (JS heap + buffers) over what it held before its first frame, vs the ring (worst pair)',
      `≤ ring + ${RECORDER_MEMORY_OVER_RING_MB} MB`,
      worstMemory === null ? null : worstMemory.held - worstMemory.ring,
      (x) => x <= RECORDER_MEMORY_OVER_RING_MB,
      (x) => `ring + ${x.toFixed(1)} MB (holds ${worstMemory!.held.toFixed(1)} MB, ring ${worstMemory!.ring.toFixed(1)} MB; RSS grew ${worstMemory!.rss.toFixed(1)} MB)`,
    ),
  ];
}

/** Issue 11: boot in reverse to the first painted frame; a cold start; the first H.264 viewer. */
export const BOOT_P95_MS = 400; // issue 17 §6 (was 800, issue 11)
export const COLD_P95_MS = 250;
export const NEW_H264_VIEWER_P95_MS = 100;

/** Issue 9's targets: the bus adds ≤ 3 ms p99 at 1 viewer; every viewer ≥ 29 fps (50 over two gateways; a fleet of 20 vehicles watched). */
export const BUS_ADDED_P99_MS = 3;
/** Issue 11: revcam's server CPU at 200 viewers at most this × the bare-ws floor's, per codec. */
export const FLOOR_CPU_RATIO = 1.15;
/** Issue 11: what one stalled viewer among 50 may add to the server's RSS growth in the stall (stalled run − the same run without a stall). */
export const STALL_ATTRIBUTABLE_MB = 5;
export const FLEET_TARGET_VEHICLES = 20;

function natsTargets(bus: Part[], fleet: Part[]): Target[] {
  const out: Target[] = [];
  for (const codec of ['jpeg', 'h264']) {
    const diff = find(bus, `bus − local ${codec} × 1`);
    const d = diff?.status === 'ok' ? (diff.data as { addedP99Ms: number | null; addedP50Ms: number | null }) : undefined;
    const b = stat(find(bus, `bus ${codec} × 1`), 'latencyMs');
    const l = stat(find(bus, `local ${codec} × 1`), 'latencyMs');
    // Judged on the same frames seen both ways (per-frame difference): the separate runs' p99s differ by the machine's jitter more than by the bus.
    const added = stat(find(bus, `bus − local ${codec}, paired`), 'addedMs');
    out.push(
      target(
        `T14-${codec}`,
        `${codec}: latency the NATS bus adds at 1 viewer, p99 (same frames, bus − local)`,
        `≤ ${BUS_ADDED_P99_MS} ms`,
        added?.p99 ?? null,
        (x) => x <= BUS_ADDED_P99_MS,
        (x) => `${f1(x)} ms (p50 ${f1(added?.median ?? NaN)}; separate runs: p99 ${f1(b?.p99 ?? NaN)} vs ${f1(l?.p99 ?? NaN)} ms, ${f1(d?.addedP99Ms ?? NaN)})`,
      ),
    );
    const many = bus.find((p) => p.status === 'ok' && p.name.startsWith(`bus ${codec} × `) && p.name.endsWith('(2 gateways)'));
    const fps = (many?.data?.fps as Stat | null | undefined) ?? null;
    out.push(target(`T15-${codec}`, `${codec}: every viewer's fps, ${String(many?.data?.viewers ?? 'N')} viewers over two NATS gateways (min)`, '≥ 29 fps', fps?.min ?? null, (x) => x >= 29, (x) => `${f1(x)} fps`));
  }
  const step = fleet.find((p) => p.status === 'ok' && (p.data?.vehiclesWatched as number | undefined) === FLEET_TARGET_VEHICLES);
  const fleetFps = (step?.data?.fps as Stat | null | undefined) ?? null;
  out.push(target('T16', `fleet: every viewer's fps, ${FLEET_TARGET_VEHICLES} recorded vehicles watched on one gateway (min)`, '≥ 29 fps', fleetFps?.min ?? null, (x) => x >= 29, (x) => `${f1(x)} fps (${String(step?.data?.viewers ?? '?')} viewers)`));
  return out;
}

/** UN R46's camera-monitor latency limit (docs/display.md): capture to display under 200 ms. */
export const R46_LATENCY_MS = 200;
/** One frame at the bench's 30 fps. */
const FRAME_MS = 1000 / 30;

/**
 * Issue 11 §3 (WHEP), ids W1-W3 so they cannot collide with the other rows:
 * every WHEP viewer ≥ 29 fps at the largest count (50); a frame decoded in
 * Chromium over WHEP within R46's 200 ms at p99; and within one frame of the
 * WebSocket display's p99 (the same stream, the same browser: what WebRTC's
 * jitter buffer and pacing add).
 */
function whepTargets(parts: Part[]): Target[] {
  const out: Target[] = [];
  const runs = parts.filter((p) => p.status === 'ok' && p.name.startsWith('whep h264 × '));
  const most = runs.sort((a, b) => (b.data!.viewers as number) - (a.data!.viewers as number))[0];
  const fps = (most?.data?.fps as Stat | null | undefined) ?? null;
  const lost = most?.data?.lost as number | undefined;
  const packets = most?.data?.packets as number | undefined;
  // Who had the cores: a W1 missed on a saturated machine says so (issue 19).
  const cpuOf = (k: string) => (most?.data?.[k] as { cpuPercent?: number } | undefined)?.cpuPercent;
  const busy = most?.data?.machineBusyPercent as number | undefined;
  const cores = most?.data?.cores as number | undefined;
  const silent = (most?.data?.silentViewers as number | undefined) ?? 0;
  const why = (most?.data?.viewerErrors as string[] | undefined) ?? [];
  const context = `${silent > 0 ? `${silent} viewer(s) got no frame: ${why.join('; ')}; ` : ''}server ${f1(cpuOf('server') ?? NaN)} % of a core, the werift clients ${f1(cpuOf('viewersProcess') ?? NaN)} %, the machine ${busy === undefined ? '?' : f1(busy)} % of ${String(cores ?? '?')} × 100 % busy`;
  const lossOk = lost !== undefined && packets !== undefined && packets > 0 ? lost / (lost + packets) <= 0.001 : false;
  out.push(
    target('W1', `whep: every WHEP viewer's fps at ${String(most?.data?.viewers ?? 50)} viewers (min; werift clients), packets lost ≤ 0.1 %`, '≥ 29 fps, ≤ 0.1 % lost', fps?.min ?? null, (x) => x >= 29 && lossOk, (x) => `${f1(x)} fps (median ${f1(fps?.median ?? NaN)}; ${String(lost ?? '?')} of ${String(packets ?? '?')} packets lost; ${context})`),
  );
  // Issue 19: what one more WHEP viewer costs the server (fits over every count of case 11).
  const per = parts.find((p) => p.status === 'ok' && p.name === 'per viewer whep');
  const cpuFit = (per?.data?.cpuPercentPerViewerFit as number | null | undefined) ?? null;
  const rssFit = (per?.data?.rssKBPerViewerFit as number | null | undefined) ?? null;
  const rssMarginal = (per?.data?.rssKBPerViewerMarginal as number | null | undefined) ?? null;
  out.push(target('W4', 'whep: server CPU per WHEP viewer (fit over the counts)', '≤ 0.3 % of a core', cpuFit, (x) => x <= 0.3, (x) => `${x.toFixed(2)} % of a core`));
  out.push(
    target('W5', 'whep: server RSS per extra WHEP viewer (the two largest counts, after a full GC)', '≤ 1 MB', rssMarginal === null ? null : rssMarginal / 1024, (x) => x <= 1, (x) => `${x.toFixed(2)} MB (fit over every count ${rssFit === null ? '?' : (rssFit / 1024).toFixed(2)} MB: the first viewers also grow the process once)`),
  );
  const lat = find(parts, 'chromium capture → decoded h264 × 1');
  const whep = stat(lat, 'whepDecodedMs');
  const ws = stat(lat, 'wsDecodedMs');
  out.push(target('W2', 'whep: capture → decoded in Chromium, p99 (1 viewer)', `≤ ${R46_LATENCY_MS} ms (UN R46)`, whep?.p99 ?? null, (x) => x <= R46_LATENCY_MS, (x) => `${f1(x)} ms (p50 ${f1(whep?.median ?? NaN)})`));
  out.push(
    target(
      'W3',
      'whep vs WebSocket display: capture → decoded p99 in Chromium, difference',
      `≤ 1 frame (${f1(FRAME_MS)} ms)`,
      whep && ws ? whep.p99 - ws.p99 : null,
      (x) => x <= FRAME_MS,
      (x) => `${x >= 0 ? '+' : ''}${f1(x)} ms (${f1(whep?.p99 ?? NaN)} vs ${f1(ws?.p99 ?? NaN)} ms; p50 ${f1(whep?.median ?? NaN)} vs ${f1(ws?.median ?? NaN)})`,
    ),
  );
  return out;
}

const f1 = (x: number) => (Math.round(x * 10) / 10).toString();
const stat = (p: Part | undefined, key: string): Stat | null => (p?.status === 'ok' ? ((p.data?.[key] as Stat | null) ?? null) : null);
const find = (parts: Part[], name: string) => parts.find((p) => p.name === name);

function target(id: string, text: string, limit: string, measured: number | null, ok: (x: number) => boolean, fmt: (x: number) => string, note?: string): Target {
  return { id, text, limit, measured: measured === null ? null : fmt(measured), met: measured === null ? null : ok(measured), ...(note && { note }) };
}

export function evaluateTargets(t: TargetInputs): Target[] {
  const out: Target[] = [];
  const warm = stat(find(t.firstFrame, 'gear→frame warm jpeg'), 'gearToFrameMs');
  const cold = stat(find(t.firstFrame, 'gear→frame cold jpeg'), 'gearToFrameMs');
  out.push(target('T1', 'warm standby: gear → first frame, p95', '≤ 100 ms', warm?.p95 ?? null, (x) => x <= 100, (x) => `${f1(x)} ms`));
  out.push(target('T2', 'cold start: gear → first frame, p95 (cold: the service module not loaded; a spare host process is up)', `≤ ${COLD_P95_MS} ms`, cold?.p95 ?? null, (x) => x <= COLD_P95_MS, (x) => `${f1(x)} ms`));
  // Where revcam runs x264 (the synthetic camera's JPEG → H.264): the wait the target is about. The file: clip
  // (H.264 copied, no encoder) is reported beside it: there the camera's own start and first keyframe count.
  const h264New = stat(find(t.firstFrame, 'gear→frame warm h264 synthetic'), 'gearToFrameMs');
  const h264Copied = stat(find(t.firstFrame, 'gear→frame warm h264'), 'gearToFrameMs');
  const copied = h264Copied ? `H.264 camera copied through (no encoder): p95 ${f1(h264Copied.p95)} ms` : undefined;
  out.push(
    target('T-h264-new', 'first H.264 viewer (none was watching): warm gear → first shown H.264 frame, p95, revcam encoding', `≤ ${NEW_H264_VIEWER_P95_MS} ms`, h264New?.p95 ?? null, (x) => x <= NEW_H264_VIEWER_P95_MS, (x) => `${f1(x)} ms`, copied),
  );
  const boot = stat(find(t.boot ?? [], 'boot in reverse jpeg'), 'spawnToFirstPaintedMs');
  out.push(target('T-boot', 'boot in reverse: spawn `revcam serve` → first frame painted on a waiting display, p95', `≤ ${BOOT_P95_MS} ms`, boot?.p95 ?? null, (x) => x <= BOOT_P95_MS, (x) => `${f1(x)} ms (median ${f1(boot?.median ?? NaN)})`));

  const ok = (r: RunRow) => r.status === 'ok';
  const revcam = t.rows.filter((r) => r.system === 'revcam' && ok(r));
  for (const codec of ['jpeg', 'h264'] as const) {
    const one = revcam.find((r) => r.codec === codec && r.viewers === 1);
    const many = revcam.find((r) => r.codec === codec && r.viewers === 200);
    out.push(target(`T3-${codec}`, `${codec}: capture → received latency p99 at 1 viewer`, '≤ 15 ms', one?.latencyMs?.p99 ?? null, (x) => x <= 15, (x) => `${f1(x)} ms`));
    out.push(target(`T4-${codec}`, `${codec}: capture → received latency p99 at 200 viewers`, '≤ 50 ms', many?.latencyMs?.p99 ?? null, (x) => x <= 50, (x) => `${f1(x)} ms`));
    const fpsMin = revcam.filter((r) => r.codec === codec && r.fps).map((r) => r.fps!.min);
    out.push(target(`T5-${codec}`, `${codec}: every viewer's received fps, all viewer counts (min)`, '≥ 29 fps', fpsMin.length ? Math.min(...fpsMin) : null, (x) => x >= 29, (x) => `${f1(x)} fps`));
  }

  const at200 = (system: string, codec: string) => t.rows.find((r) => r.system === system && r.codec === codec && r.viewers === 200 && ok(r));
  const rc = at200('revcam', 'h264');
  const peer = at200('peer', 'h264');
  const ratio = (a: number | undefined, b: number | undefined) => (a === undefined || b === undefined || b <= 0 ? null : a / b);
  out.push(
    target('T6', 'h264 × 200: revcam server CPU / node-media-server CPU', '≤ 0.5', ratio(rc?.server?.cpuPercent, peer?.server?.cpuPercent), (x) => x <= 0.5, (x) => `${x.toFixed(2)} (${rc?.server?.cpuPercent}% vs ${peer?.server?.cpuPercent}%)`),
  );
  out.push(
    target('T7', 'h264 × 200: revcam latency p99 / node-media-server latency p99', '≤ 1.0', ratio(rc?.latencyMs?.p99, peer?.latencyMs?.p99), (x) => x <= 1, (x) => `${x.toFixed(2)} (${rc?.latencyMs?.p99} ms vs ${peer?.latencyMs?.p99} ms)`),
  );
  // Issue 11: at the floor, per codec: ≤ 1.15 × the bare `ws.send` loop's CPU on the same frames.
  for (const codec of ['h264', 'jpeg'] as const) {
    const r = at200('revcam', codec);
    const f = at200('floor', codec);
    out.push(
      target(`T8-${codec}`, `${codec} × 200: revcam server CPU / bare-ws floor CPU`, `≤ ${FLOOR_CPU_RATIO}`, ratio(r?.server?.cpuPercent, f?.server?.cpuPercent), (x) => x <= FLOOR_CPU_RATIO, (x) => `${x.toFixed(2)} (${r?.server?.cpuPercent}% vs ${f?.server?.cpuPercent}%)`),
    );
  }
  // Issue 11: revcam's resident memory at 200 H.264 viewers no more than node-media-server's in the same run (median of the samples).
  out.push(
    target('T17', 'h264 × 200: revcam server RSS / node-media-server RSS (median)', '≤ 1.0', ratio(rc?.server?.rssMB?.median, peer?.server?.rssMB?.median), (x) => x <= 1, (x) => `${x.toFixed(2)} (${rc?.server?.rssMB?.median} MB vs ${peer?.server?.rssMB?.median} MB)`),
  );

  for (const codec of ['jpeg', 'h264']) {
    const late = find(t.firstFrame, `late viewer ${codec}`);
    out.push(target(`T9-${codec}`, `${codec} late viewer: request → first shown frame, p95`, '≤ 50 ms', stat(late, 'requestToFirstShownMs')?.p95 ?? null, (x) => x <= 50, (x) => `${f1(x)} ms`));
    out.push(
      target(`T10-${codec}`, `${codec} late viewer: age of the first shown frame, max`, `≤ ${f1(LIVE_MS)} ms (2 frames)`, stat(late, 'firstShownAgeMs')?.max ?? null, (x) => x <= LIVE_MS, (x) => `${f1(x)} ms`),
    );
  }

  // The growth a stalled viewer causes: each pair's stalled run minus its run with everybody reading (a fresh
  // server's heap warms up either way), the median over the pairs; likewise the others' fps.
  const okData = (p: Part | undefined) => (p?.status === 'ok' ? p.data : undefined);
  const pairs: { b: Record<string, unknown>; d: Record<string, unknown> }[] = [];
  for (let i = 1; ; i++) {
    const bp = find(t.stalled, stallPartName(i, false));
    const dp = find(t.stalled, stallPartName(i, true));
    if (!bp || !dp) break;
    const b = okData(bp);
    const d = okData(dp);
    if (b && d) pairs.push({ b, d });
  }
  const d = okData(find(t.stalled, stallPartName(1, true)));
  // After a forced GC at both ends of each window when the server had the hook (issue 19 §2); else the sampled maximum.
  const grown = (x: Record<string, unknown>) => ((x.rssGrowthAfterGcMB ?? x.rssGrowthMB) as number | null | undefined) ?? null;
  const growthPairs = pairs.filter((p) => grown(p.b) !== null && grown(p.d) !== null);
  const diffs = growthPairs.map((p) => grown(p.d)! - grown(p.b)!);
  const raw = growthPairs.map((p) => `${f1(grown(p.d)!)} vs ${f1(grown(p.b)!)}`).join('; ');
  out.push(
    target(
      'T11',
      'stalled viewer: server RSS growth it causes (stalled run − run without a stall, median of the pairs)',
      `≤ ${STALL_ATTRIBUTABLE_MB} MB`,
      summarize(diffs, 'MB')?.median ?? null,
      (x) => x <= STALL_ATTRIBUTABLE_MB,
      (x) => `${f1(x)} MB, median of ${diffs.length} pair(s): ${diffs.map(f1).join(', ')} MB (raw, stalled vs without: ${raw} MB)`,
    ),
  );
  const minFps = (x: Record<string, unknown>) => (x.othersFps as Stat | null)?.min;
  const fpsPairs = pairs.filter((p) => minFps(p.b) !== undefined && minFps(p.d) !== undefined);
  const fpsDiffs = fpsPairs.map((p) => Math.abs(minFps(p.b)! - minFps(p.d)!));
  out.push(
    target(
      'T12',
      "stalled viewer: the others' fps (min) vs no stalled viewer (median of the pairs)",
      'within 1 fps',
      summarize(fpsDiffs, 'fps')?.median ?? null,
      (x) => x <= 1,
      (x) => `Δ ${x.toFixed(2)} fps, pairs: ${fpsPairs.map((p) => `${minFps(p.b)!.toFixed(2)} → ${minFps(p.d)!.toFixed(2)}`).join('; ')}`,
    ),
  );
  out.push(
    // Frames older than display.maxFrameAgeMs are counted stale and not accepted by the display and the probe (issue 10):
    // the first frame the resumed viewer accepts as live, on its connection or, if the server dropped it, on its reconnection.
    target(
      'T13',
      'stalled viewer resumes live: age of the first frame it accepts as live after resuming (older ones stale, counted)',
      `≤ ${DEFAULT_MAX_FRAME_AGE_MS} ms (display.maxFrameAgeMs)`,
      (d?.resumeFirstShownFrameAgeMs as number | null) ?? null,
      (x) => x <= DEFAULT_MAX_FRAME_AGE_MS,
      (x) =>
        `${f1(x)} ms, ${f1((d?.resumeShownAfterMs as number | null) ?? NaN)} ms after resuming${d?.resumeReconnected ? ' (on its reconnection)' : ''}; first received ${f1((d?.resumeFirstFrameAgeMs as number | null) ?? NaN)} ms old, ${String(d?.resumeSkippedOldFrames ?? '?')} stale`,
    ),
  );
  out.push(...natsTargets(t.natsBus ?? [], t.natsFleet ?? []));
  out.push(...whepTargets(t.whep ?? []));
  out.push(...recorderTargets(t.recorder ?? []));
  return out;
}
