/**
 * Cases 2, 3, 5 and 6 share their runs: for each codec and viewer count,
 * revcam, the floor and (H.264) the peer each serve the same number of
 * viewers for the same window, one after the other, on the same machine.
 */
import type { CodecName } from '../../src/wire/frame.js';
import type { BenchOptions } from '../options.js';
import { skipReason } from '../results.js';
import { floorFrames, runFloor, runPeer, runRevcam, type RunRow, type SystemName } from '../systems.js';
import { progress } from '../util.js';

export const CODECS: readonly CodecName[] = ['jpeg', 'h264'];

async function attempt(system: SystemName, codec: CodecName, viewers: number, fn: () => Promise<RunRow>): Promise<RunRow> {
  try {
    return await fn();
  } catch (err) {
    const skipped = skipReason(err);
    if (skipped !== undefined) {
      progress(`${system} ${codec} × ${viewers}: skipped (${skipped})`);
      return { system, codec, viewers, status: 'skipped', skipped };
    }
    progress(`${system} ${codec} × ${viewers}: FAILED ${(err as Error).message}`);
    return { system, codec, viewers, status: 'failed', error: (err as Error).stack ?? String(err) };
  }
}

export async function runSweep(opts: BenchOptions): Promise<RunRow[]> {
  const want = (c: number) => opts.cases.includes(c);
  const rows: RunRow[] = [];
  if (![2, 3, 5, 6].some(want)) return rows;
  for (const codec of CODECS) {
    // Case 6 alone compares H.264 only.
    if (codec === 'jpeg' && ![2, 3, 5].some(want)) continue;
    let frames: Uint8Array[] | undefined;
    let revcamSkip: RunRow | undefined;
    for (const n of opts.viewers) {
      if (revcamSkip) rows.push({ ...revcamSkip, viewers: n });
      else {
        const r = await attempt('revcam', codec, n, () =>
          runRevcam(opts, codec, n, async (url) => {
            if (want(5) && !frames) frames = await floorFrames(url, codec);
          }),
        );
        rows.push(r);
        // A codec revcam does not serve yet is skipped for every viewer count, without restarting for each.
        if (r.status === 'skipped') revcamSkip = r;
      }
      if (want(5)) {
        rows.push(
          await attempt('floor', codec, n, async () => {
            frames ??= await floorFrames(undefined, codec);
            return runFloor(opts, codec, n, frames);
          }),
        );
        rows.push(
          await attempt('floor-prebuilt', codec, n, async () => {
            frames ??= await floorFrames(undefined, codec);
            return runFloor(opts, codec, n, frames, 'prebuilt');
          }),
        );
      }
      if (want(6) && codec === 'h264') rows.push(await attempt('peer', codec, n, () => runPeer(opts, n)));
    }
  }
  return rows;
}
