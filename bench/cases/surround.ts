/**
 * Case 13, the surround view (issue 18 §1 and §4, docs/display.md "Surround
 * view"):
 *
 * 1. What the cameras cost the server: a fresh `revcam serve` on the built-in
 *    surround rig (the synthetic rear, left, right and front cameras, warm
 *    standby: a camera captures only while watched), one JPEG viewer per
 *    camera watched, the whole process tree's CPU (the gateway and the
 *    service host, which renders and encodes the synthetic pictures) over the
 *    window; for the rear camera alone, the three of before (rear and the
 *    mirror cameras) and all four. Per camera: what adding it added.
 * 2. The surround shader's time per frame on SwiftShader: Chromium (software
 *    WebGL2, as the tests) shows `/?view=surround` at 1280×720 for the
 *    window; the page's own figures (`window.revcamSurround().cost`: the
 *    stitch pass timed to its last pixel every tenth frame, docs/display.md),
 *    each new one read through the window.
 */
import type { BenchOptions } from '../options.js';
import { launchBenchChromium } from '../browser.js';
import { Fleet } from '../fleet.js';
import { ProcMeter } from '../proc.js';
import { part, type Part } from '../results.js';
import { startRevcamServer, type RevcamServer } from '../revcamServer.js';
import { summarize } from '../stat.js';
import { progress, sleep } from '../util.js';

/** The cameras watched in each run, in the order they are added. */
export const CAMERA_SETS = [['rear'], ['rear', 'left', 'right'], ['rear', 'left', 'right', 'front']] as const;

/** The built-in rig (src/config/defaults.ts): its four synthetic cameras, the reversing service on warm standby. */
function startRig(): Promise<RevcamServer> {
  return startRevcamServer({
    codec: 'jpeg',
    standby: 'warm',
    // The config's own cameras, not the bench clip: the surround view is the built-in synthetic rig.
    extra: { cameras: undefined, display: { maxFrameAgeMs: 5000 } },
  });
}

async function cpuRun(opts: BenchOptions, cameras: readonly string[]): Promise<Record<string, unknown>> {
  const server = await startRig();
  const fleet = new Fleet();
  try {
    progress(`surround: ${cameras.join(' + ')} watched`);
    for (const camera of cameras) await fleet.connect({ kind: 'revcam', url: server.url, codec: 'jpeg', camera }, 1);
    await sleep(opts.warmupSeconds * 1000);
    const meter = new ProcMeter(server.pid);
    meter.start();
    await fleet.mark();
    await sleep(opts.seconds * 1000);
    const m = meter.stop();
    const c = await fleet.collect();
    return {
      cameras: [...cameras],
      cpuPercent: Math.round((m.main.cpuPercent + m.children.cpuPercent) * 100) / 100,
      gatewayCpuPercent: m.main.cpuPercent,
      hostCpuPercent: m.children.cpuPercent,
      fps: c.fps,
    };
  } finally {
    await fleet.close();
    await server.stop();
  }
}

interface ShaderCost {
  frames: number;
  lastMs: number | null;
  meanMs: number | null;
  maxMs: number | null;
  uploadMeanMs: number | null;
}

async function shaderRun(opts: BenchOptions): Promise<Record<string, unknown>> {
  const server = await startRig();
  const browser = await launchBenchChromium();
  try {
    progress('surround: the stitch pass in Chromium (SwiftShader)');
    const page = await browser.context.newPage();
    await page.setViewportSize({ width: 1280, height: 720 });
    await page.goto(`${server.url}/?view=surround&panel=0&follow=0&lostMs=5000`);
    const read = () => page.evaluate(() => (globalThis as unknown as { revcamSurround(): { cost: ShaderCost; cameras: { camera: string; framesPainted: number }[] } | null }).revcamSurround());
    await page.waitForFunction(() => ((globalThis as unknown as { revcamSurround(): { cost: { frames: number } } | null }).revcamSurround()?.cost.frames ?? 0) > 3, undefined, { timeout: 60_000 });
    const before = await read();
    // The pass is timed every tenth frame (2 a second here): its newest figure, read through the window, is the steady one
    // (the page's mean also holds the first samples, when SwiftShader still compiles the shader).
    const last: number[] = [];
    const until = performance.now() + opts.seconds * 1000;
    while (performance.now() < until) {
      await sleep(500);
      const ms = (await read())?.cost.lastMs;
      if (typeof ms === 'number' && ms !== last.at(-1)) last.push(ms);
    }
    const after = await read();
    const size = await page.evaluate(() => {
      const el = (globalThis as unknown as { document: { getElementById(id: string): { clientWidth: number; clientHeight: number } | null } }).document.getElementById('surround');
      return el ? `${el.clientWidth}x${el.clientHeight}` : null;
    });
    const frames = (after?.cost.frames ?? 0) - (before?.cost.frames ?? 0);
    return {
      size,
      framesPerSecond: Math.round((frames / opts.seconds) * 10) / 10,
      stitchInWindowMs: summarize(last, 'ms'),
      stitchMeanMs: after?.cost.meanMs ?? null,
      stitchMaxMs: after?.cost.maxMs ?? null,
      uploadMeanMs: after?.cost.uploadMeanMs ?? null,
    };
  } finally {
    await browser.close();
    await server.stop();
  }
}

/** Per camera: what each set added over the one before it, % of a core. */
export function perCamera(runs: Part[]): Record<string, number> {
  const out: Record<string, number> = {};
  let prev: Part | undefined;
  for (const r of runs) {
    const cams = r.data!.cameras as string[];
    const added = prev ? cams.filter((c) => !(prev!.data!.cameras as string[]).includes(c)) : cams;
    const delta = (r.data!.cpuPercent as number) - ((prev?.data?.cpuPercent as number | undefined) ?? 0);
    for (const c of added) out[c] = Math.round((delta / added.length) * 100) / 100;
    prev = r;
  }
  return out;
}

export async function runSurround(opts: BenchOptions): Promise<Part[]> {
  const runs: Part[] = [];
  for (const set of CAMERA_SETS) runs.push(await part(`surround cpu × ${set.length}`, () => cpuRun(opts, set)));
  const ok = runs.filter((r) => r.status === 'ok');
  const cpu = (i: number) => runs[i]!.data!.cpuPercent as number;
  const per: Part[] =
    ok.length === runs.length
      ? [{
          name: 'surround per camera',
          status: 'ok',
          data: {
            cpuPercentAdded: perCamera(runs),
            // The steps are noisy (± 3 % of a core between runs); the three surround cameras together are not.
            surroundCameraMeanPercent: Math.round(((cpu(2) - cpu(0)) / 3) * 100) / 100,
            note: 'the rear camera alone includes the server at rest; left and right: what the two mirror cameras added together, halved',
          },
        }]
      : [];
  return [...runs, ...per, await part('surround shader', () => shaderRun(opts))];
}
