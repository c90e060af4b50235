/** Case 7: the service process boundary alone (bench/boundary.ts), at two frame sizes. */
import { measureBoundary } from '../boundary.js';
import type { BenchOptions } from '../options.js';
import { part, type Part } from '../results.js';
import { summarize } from '../stat.js';
import { progress } from '../util.js';

export async function runBoundary(opts: BenchOptions): Promise<Part[]> {
  const parts: Part[] = [];
  for (const bytes of [50_000, 200_000]) {
    parts.push(
      await part(`${bytes / 1000} kB frames`, async () => {
        progress(`service boundary, ${bytes / 1000} kB frames`);
        const r = await measureBoundary(bytes, 30, opts.seconds);
        return {
          frameBytes: r.frameBytes,
          fps: r.fps,
          frames: r.frames,
          latencyMs: summarize(r.samplesUs.map((us) => us / 1000), 'ms'),
          parentCpuUsPerFrame: Math.round(r.parentCpuUsPerFrame),
        };
      }),
    );
  }
  return parts;
}
