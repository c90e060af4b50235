/**
 * Case 9: a fleet on one nats-server. Recorded vehicles (bench/nats/
 * recordedVehicle.ts: the real NatsServiceHost, frames recorded once from the
 * synthetic camera and replayed at 30 fps with fresh stamps, no encode) are
 * announced — at least 20 — and one `revcam gateway` watches a ramp of them
 * (5, 10, 20, 40 vehicles × 5 viewers each by default). Per step: every
 * viewer's fps, latency, CPU of nats-server, the gateway and the vehicles'
 * process, bytes through nats-server; per vehicle watched: the CPU and bytes
 * above the idle fleet (announced, nobody watching). The ramp stops after the
 * first step where a viewer gets < 29 fps (never before 20): the knee.
 */
import { rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { runProbe } from '../../src/cli/probe.js';
import { encodeFrame } from '../../src/wire/frame.js';
import { RpcChild } from '../child.js';
import { packFrames } from '../floor.js';
import type { BenchOptions } from '../options.js';
import { part, SkipError, type Part } from '../results.js';
import { startRevcamServer } from '../revcamServer.js';
import { revcamServerOptions } from '../systems.js';
import { FPS, progress, sleep } from '../util.js';
import { startBenchNatsServer, type BenchNatsServer } from '../nats/natsServer.js';
import type { RecordedVehicleStats } from '../nats/recordedVehicle.js';
import { startGateway, type RoleProcess } from '../nats/roles.js';
import type { VehiclesCommand } from '../nats/vehicles.js';
import { cpuPercents, measureWindow, waitForStream, type NatsWindow } from '../nats/window.js';

/** The fleet announced on the bus is never smaller than this (issue 9). */
export const MIN_FLEET = 20;
export const FPS_FLOOR = 29;
/** A process at this share of one core is pegged (Node's main thread is one core). */
const PEGGED_PERCENT = 90;

const r2 = (x: number) => Math.round(x * 100) / 100;
const vehicleName = (i: number) => `veh-${String(i + 1).padStart(3, '0')}`;

/** Wire frames of the synthetic camera (1280x720 JPEG), recorded once from a `revcam serve`. */
export async function recordJpegFrames(opts: BenchOptions, count: number): Promise<Uint8Array[]> {
  const server = await startRevcamServer(revcamServerOptions(opts, 'jpeg', 'hot'));
  try {
    const frames: Uint8Array[] = [];
    const r = await runProbe({ url: server.url, codec: 'jpeg', frames: count, timeoutMs: 15_000, onFrame: (f) => frames.push(encodeFrame(f)) });
    if (r.error) throw Object.assign(new Error(r.error.message), { code: r.error.code });
    return frames;
  } finally {
    await server.stop();
  }
}

/** Until the gateway lists every vehicle in /api/services (discovery polls every second), or by probing each if that is not open to us. */
async function waitForVehicles(url: string, names: string[], timeoutMs = 60_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (Date.now() < deadline) {
    const res = await fetch(`${url}/api/services`);
    if (res.status === 401 || res.status === 403) {
      for (const n of names) await waitForStream(url, 'jpeg', n);
      return;
    }
    const body = (await res.json()) as { services?: Array<{ vehicle: string | null }> };
    const seen = new Set((body.services ?? []).map((s) => s.vehicle));
    if (names.every((n) => seen.has(n))) return;
    await sleep(500);
  }
  throw new Error(`the gateway did not discover all ${names.length} vehicles within ${timeoutMs / 1000} s`);
}

interface Step {
  vehicles: number;
  window: NatsWindow;
  published: number;
  skipped: number;
}

function stepData(s: Step, idle: NatsWindow | undefined, viewersPerVehicle: number): Record<string, unknown> {
  const w = s.window;
  const cpu = cpuPercents(w);
  const per = (name: string) => (idle && s.vehicles > 0 ? r2(((w.cpu[name]?.cpuPercent ?? 0) - (idle.cpu[name]?.cpuPercent ?? 0)) / s.vehicles) : null);
  const fpsValues = Object.values(w.groupFpsMin);
  return {
    vehiclesWatched: s.vehicles,
    viewers: s.vehicles * viewersPerVehicle,
    fps: w.fps,
    latencyMs: w.latencyMs,
    worstVehicleFpsMin: fpsValues.length > 0 ? Math.min(...fpsValues) : null,
    vehiclesBelowFloor: fpsValues.filter((f) => f < FPS_FLOOR).length,
    cpuPercent: cpu,
    perVehicle: {
      natsServerCpuPercent: per('nats-server'),
      gatewayCpuPercent: per('gateway'),
      vehiclesProcessCpuPercent: per('vehicles'),
      busInMBPerS: w.bus ? r2(w.bus.inMBPerS / Math.max(1, s.vehicles)) : null,
      busOutMBPerS: w.bus ? r2(w.bus.outMBPerS / Math.max(1, s.vehicles)) : null,
    },
    bus: w.bus,
    machine: w.machine,
    publishedFps: r2(s.published / w.seconds / Math.max(1, s.vehicles)),
    replaySkippedTicks: s.skipped,
    gaps: w.gaps,
  };
}

/** A step past the knee: a viewer below the floor, a process pegged, or the whole machine busy. */
function saturated(w: NatsWindow): string | undefined {
  const fpsMin = w.fps?.min ?? 0;
  const pegged = Object.entries(w.cpu).filter(([, u]) => u.cpuPercent >= PEGGED_PERCENT).map(([k]) => k);
  // The cores taken by the system under test (its processes and the viewers), not by other work on a shared machine.
  const ours = w.machine.cpuPercent - w.machine.othersPercent;
  const busy = ours >= (PEGGED_PERCENT / 100) * w.machine.capacityPercent;
  const why = [fpsMin < FPS_FLOOR && `min fps ${r2(fpsMin)}`, pegged.length > 0 && `${pegged.join(', ')} ≥ ${PEGGED_PERCENT} % of a core`, busy && `the bench's processes ≥ ${PEGGED_PERCENT} % of the machine`].filter(Boolean);
  if (why.length === 0) return undefined;
  return `${why.join(', ')} (machine ${r2(w.machine.cpuPercent)} of ${w.machine.capacityPercent} %, of which ${r2(w.machine.othersPercent)} % other work)`;
}

/** The first step past the knee, as text. */
function knee(steps: Step[]): string {
  for (let i = 0; i < steps.length; i++) {
    const why = saturated(steps[i]!.window);
    if (why) return `${i > 0 ? `${steps[i - 1]!.vehicles} vehicles held; ` : ''}${steps[i]!.vehicles} vehicles: ${why}`;
  }
  return `not reached: ${steps.at(-1)?.vehicles ?? 0} vehicles held ≥ ${FPS_FLOOR} fps`;
}

export async function runNatsFleet(opts: BenchOptions): Promise<Part[]> {
  let nats: BenchNatsServer;
  try {
    nats = await startBenchNatsServer();
  } catch (err) {
    if (err instanceof SkipError) return [{ name: 'nats fleet', status: 'skipped', skipped: err.message }];
    throw err;
  }
  const file = join(tmpdir(), `revcam-bench-fleet-${process.pid}.bin`);
  const vehicles = new RpcChild<VehiclesCommand>('nats/vehicles.js');
  let gateway: RoleProcess | undefined;
  const parts: Part[] = [];
  try {
    progress('nats fleet: recording the synthetic camera');
    const frames = await recordJpegFrames(opts, opts.quick ? 30 : 90);
    writeFileSync(file, packFrames(frames));
    const fleetSize = Math.max(MIN_FLEET, ...opts.vehicles);
    const names = Array.from({ length: fleetSize }, (_, i) => vehicleName(i));
    progress(`nats fleet: announcing ${fleetSize} recorded vehicles (${frames.length} frames, ${Math.round(frames.reduce((s, f) => s + f.byteLength, 0) / frames.length / 1000)} kB each on average)`);
    await vehicles.call({ op: 'start', natsUrl: nats.url, framesFile: file, vehicles: names, fps: FPS });
    gateway = await startGateway(nats.url);
    await waitForVehicles(gateway.url, names);
    const pids = { 'nats-server': nats.pid, gateway: gateway.pid, vehicles: vehicles.pid };
    const stats = () => vehicles.call<RecordedVehicleStats[]>({ op: 'stats' });

    progress(`nats fleet: ${fleetSize} vehicles announced, nobody watching`);
    const idlePart = await part(`fleet of ${fleetSize}, none watched`, async () => {
      const w = await measureWindow(opts, [], pids, nats.monitorUrl);
      return { fleet: fleetSize, cpuPercent: cpuPercents(w), bus: w.bus, machine: w.machine, window: w };
    });
    const idle = (idlePart.data?.window as NatsWindow | undefined) ?? undefined;
    if (idlePart.data) delete idlePart.data.window;
    parts.push(idlePart);

    const steps: Step[] = [];
    for (const n of opts.vehicles) {
      const count = Math.min(n, fleetSize);
      progress(`nats fleet: ${count} vehicles watched × ${opts.viewersPerVehicle} viewers`);
      const p = await part(`fleet ${count} watched × ${opts.viewersPerVehicle}`, async () => {
        let before: RecordedVehicleStats[] = [];
        let after: RecordedVehicleStats[] = [];
        const groups = names.slice(0, count).map((v) => ({ target: { kind: 'revcam' as const, url: gateway!.url, codec: 'jpeg' as const, vehicle: v }, count: opts.viewersPerVehicle, label: v }));
        const w = await measureWindow(opts, groups, pids, nats.monitorUrl, false, { atStart: async () => void (before = await stats()), atEnd: async () => void (after = await stats()) });
        const sum = (xs: RecordedVehicleStats[], k: 'published' | 'skipped') => xs.reduce((s, x) => s + x[k], 0);
        const step: Step = { vehicles: count, window: w, published: sum(after, 'published') - sum(before, 'published'), skipped: sum(after, 'skipped') - sum(before, 'skipped') };
        steps.push(step);
        if (w.viewerErrors.length > 0) progress(`viewer errors: ${w.viewerErrors.join('; ')}`);
        return stepData(step, idle, opts.viewersPerVehicle);
      });
      parts.push(p);
      if (p.status !== 'ok') break;
      const last = steps.at(-1)!;
      if (count >= MIN_FLEET && saturated(last.window)) break;
      // Let the leases of the last step expire or close before the next one is measured.
      await sleep(1000);
    }
    if (steps.length > 0) parts.push({ name: 'fleet knee', status: 'ok', data: { knee: knee(steps), steps: steps.map((s) => s.vehicles), fleetAnnounced: fleetSize } });
    return parts;
  } finally {
    await gateway?.stop().catch(() => {});
    await vehicles.call({ op: 'stop' }).catch(() => {});
    await vehicles.close();
    await nats.stop();
    rmSync(file, { force: true });
  }
}
