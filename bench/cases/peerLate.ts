/** Case 6, late viewer of the peer: what an HTTP-FLV client joining a running stream is shown first, and how old it is. */
import { Fleet } from '../fleet.js';
import type { BenchOptions } from '../options.js';
import { startPeer } from '../peerSystem.js';
import { peerReady } from '../systems.js';
import { LIVE_MS, progress, sleep } from '../util.js';
import { summarizeLate } from './firstFrame.js';

export async function peerLateViewer(opts: BenchOptions): Promise<Record<string, unknown>> {
  const peer = await startPeer();
  const fleet = new Fleet();
  try {
    await peerReady(peer.flvUrl);
    await fleet.connect({ kind: 'flv', url: peer.flvUrl }, 1);
    progress(`late viewer, peer (node-media-server ${peer.version})`);
    const out: Awaited<ReturnType<Fleet['lateFlv']>>[] = [];
    for (let i = 0; i < opts.iterations; i++) {
      await sleep(100 + Math.random() * 400); // a random phase against the GOP
      out.push(await fleet.lateFlv(peer.flvUrl, LIVE_MS, 5000));
    }
    return { system: 'peer', version: peer.version, ...summarizeLate('h264', out) };
  } finally {
    await fleet.close();
    await peer.stop();
  }
}
