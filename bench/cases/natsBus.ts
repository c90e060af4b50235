/**
 * Case 8: what the NATS bus adds. One nats-server, `revcam host --vehicle
 * veh-a` and two `revcam gateway` processes, and a plain `revcam serve` with
 * the same config, each a real process on this machine (one clock). Per
 * codec: capture → received latency at 1 viewer through host → nats-server
 * → gateway vs `revcam serve` alone (windows alternated, samples pooled), and
 * N viewers (default 50) spread over the two gateways: every viewer's fps,
 * CPU of the host (and its service process), nats-server and each gateway.
 * Warm standby on both sides, so only the system being measured captures.
 */
import type { CodecName } from '../../src/wire/frame.js';
import { benchConfig } from '../revcamServer.js';
import type { BenchOptions } from '../options.js';
import { part, SkipError, type Part } from '../results.js';
import { summarize, type Stat } from '../stat.js';
import { revcamServerOptions } from '../systems.js';
import { progress } from '../util.js';
import { startBenchNatsServer, type BenchNatsServer } from '../nats/natsServer.js';
import { startGateway, startHost, startServe, startServeNats, type RoleProcess } from '../nats/roles.js';
import { cpuPercents, measurePaired, measureWindow, waitForStream, type NatsWindow, type PairedWindow } from '../nats/window.js';

export const BUS_VEHICLE = 'veh-a';
/** The vehicle of the `serve --nats` process whose frames are watched both locally and through the bus. */
export const PAIRED_VEHICLE = 'veh-p';

const r2 = (x: number) => Math.round(x * 100) / 100;

function pooled(windows: NatsWindow[]): Stat | null {
  return summarize(windows.flatMap((w) => w.latencySamples ?? []), 'ms');
}

/** The machine's CPU over the rounds (mean), and what no metered process used (other work on the cores). */
function machineOf(windows: NatsWindow[]): { cpuPercent: number; othersPercent: number; capacityPercent: number } {
  const mean = (k: 'cpuPercent' | 'othersPercent') => r2(windows.reduce((s, w) => s + w.machine[k], 0) / Math.max(1, windows.length));
  return { cpuPercent: mean('cpuPercent'), othersPercent: mean('othersPercent'), capacityPercent: windows[0]?.machine.capacityPercent ?? 0 };
}

function fpsOf(windows: NatsWindow[]): Stat | null {
  return summarize(windows.flatMap((w) => (w.fps ? [w.fps.min] : [])), 'fps');
}

async function stopAll(ps: Array<RoleProcess | undefined>): Promise<void> {
  await Promise.all(ps.map((p) => p?.stop().catch(() => {})));
}

async function runCodec(opts: BenchOptions, nats: BenchNatsServer, codec: CodecName): Promise<Part[]> {
  const config = benchConfig(revcamServerOptions(opts, codec, 'warm'));
  // A gateway's first H.264 viewer waits for the next keyframe (up to a GOP, 1 s): the warm-up covers it.
  const win = { ...opts, warmupSeconds: codec === 'h264' ? Math.max(opts.warmupSeconds, 1.5) : opts.warmupSeconds };
  let host: RoleProcess | undefined;
  let gw1: RoleProcess | undefined;
  let gw2: RoleProcess | undefined;
  let serve: RoleProcess | undefined;
  let both: RoleProcess | undefined;
  const parts: Part[] = [];
  try {
    progress(`nats ${codec}: starting host ${BUS_VEHICLE}, two gateways, a plain serve and a serve --nats (${PAIRED_VEHICLE})`);
    const started = await Promise.allSettled([startHost(nats.url, BUS_VEHICLE, config), startGateway(nats.url), startGateway(nats.url), startServe(config), startServeNats(nats.url, PAIRED_VEHICLE, config)]);
    const failed = started.find((r): r is PromiseRejectedResult => r.status === 'rejected');
    if (failed) {
      // Those that did start are stopped here: nothing is left running.
      await stopAll(started.map((r) => (r.status === 'fulfilled' ? r.value : undefined)));
      throw failed.reason;
    }
    [host, gw1, gw2, serve, both] = started.map((r) => (r as PromiseFulfilledResult<RoleProcess>).value) as [RoleProcess, RoleProcess, RoleProcess, RoleProcess, RoleProcess];
    await waitForStream(gw1.url, codec, BUS_VEHICLE);
    await waitForStream(gw2.url, codec, BUS_VEHICLE);
    await waitForStream(serve.url, codec, undefined);
    const rounds = opts.quick ? 1 : 3;
    const bus: NatsWindow[] = [];
    const local: NatsWindow[] = [];
    const busPids = { host: host.pid, 'nats-server': nats.pid, gateway: gw1.pid };
    for (let i = 0; i < rounds; i++) {
      progress(`nats ${codec} × 1: bus (round ${i + 1}/${rounds})`);
      bus.push(await measureWindow(win, [{ target: { kind: 'revcam', url: gw1.url, codec, vehicle: BUS_VEHICLE }, count: 1, label: 'gateway 1' }], busPids, nats.monitorUrl, true));
      progress(`nats ${codec} × 1: local serve (round ${i + 1}/${rounds})`);
      local.push(await measureWindow(win, [{ target: { kind: 'revcam', url: serve.url, codec }, count: 1, label: 'serve' }], { serve: serve.pid }, undefined, true));
    }
    const b = pooled(bus);
    const l = pooled(local);
    parts.push({ name: `bus ${codec} × 1`, status: 'ok', data: { codec, latencyMs: b, fpsMin: fpsOf(bus), cpuPercent: cpuPercents(bus.at(-1)!), busMBPerS: bus.at(-1)!.bus?.inMBPerS ?? null, machine: machineOf(bus), gaps: bus.reduce((s, w) => s + w.gaps, 0) } });
    parts.push({ name: `local ${codec} × 1`, status: 'ok', data: { codec, latencyMs: l, fpsMin: fpsOf(local), cpuPercent: cpuPercents(local.at(-1)!), machine: machineOf(local), gaps: local.reduce((s, w) => s + w.gaps, 0) } });
    // The same frames both ways: serve --nats's own viewer (local path) and a viewer of its vehicle on gateway 1 (bus).
    await waitForStream(gw1.url, codec, PAIRED_VEHICLE);
    const paired: PairedWindow[] = [];
    for (let i = 0; i < rounds; i++) {
      progress(`nats ${codec} × 1: the same frames, local and through the bus (round ${i + 1}/${rounds})`);
      paired.push(await measurePaired(win, { kind: 'revcam', url: both.url, codec }, { kind: 'revcam', url: gw1.url, codec, vehicle: PAIRED_VEHICLE }, { 'serve --nats': both.pid, 'nats-server': nats.pid, gateway: gw1.pid }));
    }
    parts.push({
      name: `bus − local ${codec}, paired`,
      status: 'ok',
      data: {
        codec,
        frames: paired.reduce((s, w) => s + w.frames, 0),
        addedMs: summarize(paired.flatMap((w) => w.addedMs), 'ms'),
        busLatencyMs: summarize(paired.flatMap((w) => w.busLatencyMs), 'ms'),
        localLatencyMs: summarize(paired.flatMap((w) => w.localLatencyMs), 'ms'),
        machine: { cpuPercent: r2(paired.reduce((s, w) => s + w.machine.cpuPercent, 0) / rounds), othersPercent: r2(paired.reduce((s, w) => s + w.machine.othersPercent, 0) / rounds), capacityPercent: paired[0]!.machine.capacityPercent },
      },
    });
    parts.push({
      name: `bus − local ${codec} × 1`,
      status: 'ok',
      data: { codec, addedP50Ms: b && l ? r2(b.median - l.median) : null, addedP95Ms: b && l ? r2(b.p95 - l.p95) : null, addedP99Ms: b && l ? r2(b.p99 - l.p99) : null },
    });

    const [g1, g2] = [gw1, gw2];
    const n = opts.busViewers;
    const half = Math.ceil(n / 2);
    progress(`nats ${codec} × ${n}: over two gateways`);
    parts.push(
      await part(`bus ${codec} × ${n} (2 gateways)`, async () => {
        const w = await measureWindow(
          win,
          [
            { target: { kind: 'revcam', url: g1.url, codec, vehicle: BUS_VEHICLE }, count: half, label: 'gateway 1' },
            { target: { kind: 'revcam', url: g2.url, codec, vehicle: BUS_VEHICLE }, count: n - half, label: 'gateway 2' },
          ],
          { host: host!.pid, 'nats-server': nats.pid, 'gateway 1': g1.pid, 'gateway 2': g2.pid },
          nats.monitorUrl,
        );
        if (w.viewerErrors.length > 0) progress(`viewer errors: ${w.viewerErrors.join('; ')}`);
        return {
          codec,
          viewers: n,
          latencyMs: w.latencyMs,
          fps: w.fps,
          fpsMinByGateway: w.groupFpsMin,
          cpuPercent: cpuPercents(w),
          bus: w.bus,
          mbPerSecondToViewers: w.mbPerSecondToViewers,
          machine: w.machine,
          gaps: w.gaps,
        };
      }),
    );
    return parts;
  } finally {
    await stopAll([both, serve, gw2, gw1, host]);
  }
}

export async function runNatsBus(opts: BenchOptions): Promise<Part[]> {
  let nats: BenchNatsServer;
  try {
    nats = await startBenchNatsServer();
  } catch (err) {
    if (err instanceof SkipError) return [{ name: 'nats bus', status: 'skipped', skipped: err.message }];
    throw err;
  }
  const parts: Part[] = [];
  try {
    for (const codec of ['jpeg', 'h264'] as const) {
      try {
        parts.push(...(await runCodec(opts, nats, codec)));
      } catch (err) {
        const p = await part(`bus ${codec}`, () => Promise.reject(err));
        progress(`nats ${codec}: ${p.status} ${p.skipped ?? p.error?.split('\n')[0] ?? ''}`);
        parts.push(p);
      }
    }
  } finally {
    await nats.stop();
  }
  return parts;
}
