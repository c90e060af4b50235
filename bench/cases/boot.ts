/**
 * Case 10, boot in reverse: a car started with reverse already engaged. From
 * spawning `node dist/bundle/revcam.js serve --port P --config F` (the
 * simulator's initial gear is R, the default) to the first frame painted by a
 * headless display that was waiting before the spawn, retrying its
 * connection to /api/signals every 100 ms. The breakdown comes from the
 * server's boot marks (`boot` in /api/health, src/app/bootMarks.ts), put on
 * the bench's clock through the server's process start time.
 */
import { spawn, spawnSync } from 'node:child_process';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import type { BootMarks } from '../../src/app/bootMarks.js';
import { PYTHON, startManager, type Manager } from '../../test/helpers/notifyManager.js';
import { ROOT } from '../child.js';
import { DisplayClient } from '../display.js';
import type { BenchOptions } from '../options.js';
import { part, type Part } from '../results.js';
import { benchConfig, stopProcess } from '../revcamServer.js';
import { summarize } from '../stat.js';
import { progress, sleep } from '../util.js';
import { CATCH_UP_FLAG } from '../viewers.js';

/** How often the waiting display retries its connection. */
export const RETRY_MS = 100;

export interface BootSample {
  /** spawn → each stage, ms (bench clock). */
  nodeStartMs: number;
  configMs: number;
  listeningMs: number;
  serviceReadyMs: number;
  cameraOpenMs: number;
  firstCaptureMs: number;
  firstFrameAtGatewayMs: number;
  displayConnectedMs: number;
  viewMs: number;
  acceptedMs: number;
  firstPaintedMs: number;
  firstFrameAgeMs: number;
  /** spawn → READY=1 at the service manager (only under a NOTIFY_SOCKET, else NaN). */
  readyMs: number;
}

function freePort(): Promise<number> {
  return new Promise((res, rej) => {
    const s = createServer();
    s.once('error', rej);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => res(port));
    });
  });
}

async function bootOnce(configFile: string, cacheDir: string, timeoutMs: number, manager?: Manager): Promise<BootSample> {
  const port = await freePort();
  const url = `http://127.0.0.1:${port}`;
  // The display is up first, as in a car where it boots with the head unit.
  const t0 = performance.now();
  const child = spawn(process.execPath, [resolve(ROOT, 'dist/bundle/revcam.js'), 'serve', '--port', String(port), '--config', configFile], {
    cwd: ROOT,
    stdio: ['ignore', 'ignore', 'pipe'],
    env: { ...process.env, REVCAM_CACHE_DIR: cacheDir, NOTIFY_SOCKET: manager?.socket ?? '' },
  });
  const spawnedAtEpoch = performance.timeOrigin + t0;
  let stderr = '';
  child.stderr!.on('data', (c: Buffer) => (stderr = (stderr + c.toString()).slice(-4000)));
  const display = DisplayClient.connectRetrying(url, { everyMs: RETRY_MS, timeoutMs, catchUpFlag: CATCH_UP_FLAG });
  let client: DisplayClient | undefined;
  try {
    client = await display;
    const displayConnectedMs = performance.now() - t0;
    const r = await client.rearFrame({ url, codec: 'jpeg', service: 'reversing', camera: 'rear', timeoutMs }, t0);
    const health = (await (await fetch(`${url}/api/health`)).json()) as { boot?: BootMarks };
    const ready = manager && (await manager.waitFor('READY=1', timeoutMs, t0));
    // A revcam from before the boot marks (a baseline run) has none: only the display's figures then.
    const b: BootMarks = health.boot ?? { stages: {}, originMs: Number.NaN };
    const at = (ms: number | undefined) => (ms === undefined ? Number.NaN : b.originMs + ms - spawnedAtEpoch);
    return {
      nodeStartMs: at(b.stages.main),
      configMs: at(b.stages.config),
      listeningMs: at(b.stages.listening),
      serviceReadyMs: at(b.stages.service),
      cameraOpenMs: at(b.stages.camera),
      firstCaptureMs: at(b.captureMs),
      firstFrameAtGatewayMs: at(b.stages.frame),
      displayConnectedMs,
      viewMs: r.viewMs,
      acceptedMs: r.acceptedMs,
      firstPaintedMs: r.firstFrameMs,
      firstFrameAgeMs: r.firstFrameAgeMs,
      readyMs: ready ? ready.at - t0 : Number.NaN,
    };
  } catch (err) {
    throw new Error(`${(err as Error).message}\n${stderr}`);
  } finally {
    client?.close();
    void display.then((c) => c.close(), () => {});
    await stopProcess(child);
  }
}

async function bootInReverse(opts: BenchOptions): Promise<Record<string, unknown>> {
  const dir = mkdtempSync(join(tmpdir(), 'revcam-bench-boot-'));
  const configFile = join(dir, 'revcam.json');
  // The bench's rear camera (synthetic, 1280x720 at 30 fps, JPEG), warm standby as the product default; the simulator boots in R.
  const config = benchConfig({ standby: 'warm', codec: 'jpeg' });
  writeFileSync(configFile, JSON.stringify({ ...config, signals: { simulator: { initialGear: 'R' } } }, null, 2));
  const cacheDir = join(dir, 'cache');
  try {
    // One boot not counted: it draws the scene's background into the bench's own cache, as a car's first boot would.
    progress('boot in reverse: first boot (fills the scene cache, not counted)');
    const first = await bootOnce(configFile, cacheDir, 20_000);
    const samples: BootSample[] = [];
    for (let i = 0; i < opts.iterations; i++) {
      progress(`boot in reverse ${i + 1}/${opts.iterations}`);
      await sleep(300);
      samples.push(await bootOnce(configFile, cacheDir, 20_000));
    }
    const s = (k: keyof BootSample) => summarize(samples.map((x) => x[k]).filter((x) => Number.isFinite(x)), 'ms');
    const systemd = await underSystemd(configFile, cacheDir, dir, Math.max(5, Math.ceil(opts.iterations / 2)));
    return {
      spawnToNodeStartMs: s('nodeStartMs'),
      spawnToConfigMs: s('configMs'),
      spawnToListeningMs: s('listeningMs'),
      spawnToServiceReadyMs: s('serviceReadyMs'),
      spawnToCameraOpenMs: s('cameraOpenMs'),
      spawnToFirstCaptureMs: s('firstCaptureMs'),
      spawnToFirstFrameAtGatewayMs: s('firstFrameAtGatewayMs'),
      spawnToDisplayConnectedMs: s('displayConnectedMs'),
      spawnToViewMs: s('viewMs'),
      spawnToAcceptedMs: s('acceptedMs'),
      spawnToFirstPaintedMs: s('firstPaintedMs'),
      firstFrameAgeMs: s('firstFrameAgeMs'),
      firstBootPaintedMs: Math.round(first.firstPaintedMs * 10) / 10,
      ...systemd,
    };
  } finally {
    rmSync(dir, { recursive: true, force: true });
  }
}

/**
 * The same boot as systemd starts it (issue 17 §6; deploy/systemd, Type=notify): a NOTIFY_SOCKET whose manager
 * (test/helpers/notifyManager.ts) notes when READY=1 arrives. Reported: spawn → READY, READY → first painted frame.
 */
async function underSystemd(configFile: string, cacheDir: string, dir: string, boots: number): Promise<Record<string, unknown>> {
  const missing = [PYTHON, 'systemd-notify'].filter((cmd) => spawnSync(cmd, ['--version'], { stdio: 'ignore' }).status !== 0);
  if (missing.length > 0) return { underSystemd: `not measured: ${missing.join(' and ')} missing (Debian: apt-get install python3 systemd)` };
  const manager = await startManager(dir);
  try {
    const samples: BootSample[] = [];
    for (let i = 0; i < boots; i++) {
      progress(`boot in reverse under a NOTIFY_SOCKET ${i + 1}/${boots}`);
      await sleep(300);
      samples.push(await bootOnce(configFile, cacheDir, 20_000, manager));
    }
    return {
      systemdSpawnToReadyMs: summarize(samples.map((x) => x.readyMs), 'ms'),
      systemdReadyToFirstPaintedMs: summarize(samples.map((x) => x.firstPaintedMs - x.readyMs), 'ms'),
      systemdSpawnToFirstPaintedMs: summarize(samples.map((x) => x.firstPaintedMs), 'ms'),
    };
  } finally {
    manager.stop();
  }
}

export async function runBoot(opts: BenchOptions): Promise<Part[]> {
  return [await part('boot in reverse jpeg', () => bootInReverse(opts))];
}
