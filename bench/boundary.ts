/**
 * The per-frame cost of the service process boundary: a service child emits
 * fixed-size frames stamped at emit time; the gateway side measures
 * emit → receive latency and its own CPU per frame. Run: node dist/bench/boundary.js,
 * or as case 7 of the bench (bench/cases/boundary.ts).
 */
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import { loadConfig } from '../src/config/loadConfig.js';
import { ServiceInstance } from '../src/host/ServiceInstance.js';
import { createLogger } from '../src/log/logger.js';
import { checkManifest } from '../src/service/manifest.js';
import { percentiles } from '../src/cli/stats.js';
import { decodeHeader, nowUs } from '../src/wire/frame.js';
import { readFileSync } from 'node:fs';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '../..');

export interface BoundaryResult {
  frameBytes: number;
  fps: number;
  frames: number;
  latencyUs: ReturnType<typeof percentiles>;
  /** Every emit → receive latency, µs. */
  samplesUs: number[];
  parentCpuUsPerFrame: number;
}

export async function measureBoundary(frameBytes = 100_000, fps = 30, seconds = 5): Promise<BoundaryResult> {
  const dir = resolve(root, 'bench/fixtures/blast-service');
  const manifest = checkManifest(JSON.parse(readFileSync(resolve(dir, 'manifest.json'), 'utf8')), 'blast');
  const config = loadConfig();
  process.env.BLAST_BYTES = String(frameBytes);
  process.env.BLAST_FPS = String(fps);
  const instance = new ServiceInstance({
    id: 'blast',
    manifest,
    moduleUrl: pathToFileURL(resolve(dir, 'index.js')).href,
    service: { manifest: 'blast', standby: 'cold', idleStopMs: 0, restart: { initialDelayMs: 100, maxDelayMs: 1000 } },
    cameras: { rear: config.cameras.rear! },
    vehicle: config.vehicle,
    log: createLogger('silent'),
  });
  const latencies: number[] = [];
  let measuring = false;
  instance.on('frame', (_cam, wire) => {
    if (measuring) latencies.push(nowUs() - decodeHeader(wire).captureUs);
  });
  await instance.open('rear', 'jpeg');
  await new Promise((r) => setTimeout(r, 500));
  measuring = true;
  const cpu0 = process.cpuUsage();
  await new Promise((r) => setTimeout(r, seconds * 1000));
  const cpu = process.cpuUsage(cpu0);
  measuring = false;
  await instance.stop();
  return {
    frameBytes,
    fps,
    frames: latencies.length,
    latencyUs: percentiles(latencies),
    samplesUs: latencies,
    parentCpuUsPerFrame: (cpu.user + cpu.system) / Math.max(1, latencies.length),
  };
}

if (import.meta.url === pathToFileURL(process.argv[1] ?? '').href) {
  for (const bytes of [50_000, 200_000]) {
    const { samplesUs: _s, ...r } = await measureBoundary(bytes, 30, 5);
    console.log(JSON.stringify(r));
  }
}
