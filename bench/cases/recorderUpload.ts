/**
 * Case 12's upload figure: recorded clips shipped by the host's own
 * EvidenceShipper (src/nats/EvidenceShipper.ts) to a hub nats-server with
 * JetStream, through a leaf node (no JetStream of its own) the shipper is
 * connected to, all on loopback. Timed from the shipper's start to the last
 * clip marked shipped: chunks acked one at a time, read back, SHA-256
 * compared, manifest published. The recorder is stood in for by a list of
 * finished clips (copies of a real recorded clip) in a folder.
 */
import { createHash } from 'node:crypto';
import { copyFileSync, existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { DEFAULT_CONFIG } from '../../src/config/defaults.js';
import { createLogger } from '../../src/log/logger.js';
import { EvidenceShipper, type RecorderHandle } from '../../src/nats/EvidenceShipper.js';
import type { ClipManifest } from '../../src/recorder/Manifest.js';
import { startBenchNatsServer, type BenchNatsServer } from '../nats/natsServer.js';
import { freePort, progress, sleep } from '../util.js';

const MB = 1024 * 1024;

export interface UploadOptions {
  /** A recorded clip (`<id>.mp4`, its sidecar `<id>.signals.json` beside it if there). */
  source: string;
  /** A scratch folder: the servers' configs and store, the clips to ship. */
  dir: string;
  copies: number;
}

export async function shipThroughLeaf(o: UploadOptions): Promise<Record<string, unknown>> {
  const clips = join(o.dir, 'recordings');
  mkdirSync(clips, { recursive: true });
  const sidecar = o.source.replace(/\.mp4$/, '.signals.json');
  const manifests: ClipManifest[] = [];
  for (let i = 0; i < o.copies; i++) {
    const id = `20261207T120000Z-rear-${i.toString(16).padStart(4, '0')}`;
    copyFileSync(o.source, join(clips, `${id}.mp4`));
    if (existsSync(sidecar)) copyFileSync(sidecar, join(clips, `${id}.signals.json`));
    const bytes = statSync(join(clips, `${id}.mp4`)).size;
    const sha256 = createHash('sha256').update(readFileSync(join(clips, `${id}.mp4`))).digest('hex');
    manifests.push({ id, state: 'complete', shipped: false, sha256, bytes, signals: `${id}.signals.json` } as unknown as ClipManifest);
  }
  const leafListen = await freePort();
  const hub = await startBenchNatsServer({ dir: o.dir, name: 'hub', conf: `jetstream { store_dir: "${join(o.dir, 'js')}", domain: fleet }\nleafnodes { listen: "127.0.0.1:${leafListen}" }\n` });
  let leaf: BenchNatsServer | undefined;
  try {
    leaf = await startBenchNatsServer({ dir: o.dir, name: 'leaf', conf: `leafnodes { remotes [ { url: "nats://127.0.0.1:${leafListen}" } ] }\n` });
    const deadline = Date.now() + 10_000;
    while (((await (await fetch(`${hub.monitorUrl}/leafz`)).json()) as { leafs?: unknown[] }).leafs?.length !== 1) {
      if (Date.now() > deadline) throw new Error('the leaf node did not connect to the hub in 10 s');
      await sleep(100);
    }
    const nc = await connect({ servers: leaf.url, inboxPrefix: '_INBOX_veh-a' });
    const shipped = new Set<string>();
    let allShipped: () => void = () => {};
    const done = new Promise<void>((res) => (allShipped = res));
    const recorder: RecorderHandle = {
      state: 'running',
      async call(method, args) {
        if (method === 'list') return manifests.filter((m) => !shipped.has(m.id));
        if (method === 'markShipped') {
          shipped.add((args as { id: string }).id);
          if (shipped.size === manifests.length) allShipped();
          return null;
        }
        throw new Error(`unexpected recorder call ${method}`);
      },
    };
    const config = DEFAULT_CONFIG.nats.evidence;
    const shipper = new EvidenceShipper({ nc, vehicle: 'veh-a', config: { ...config, pollMs: 100, domain: 'fleet' }, dir: clips, recorder, log: createLogger(process.env.REVCAM_BENCH_LOG ?? 'error') });
    const bytes = manifests.reduce((s, m) => s + (m as unknown as { bytes: number }).bytes, 0);
    progress(`recorder: shipping ${manifests.length} clips (${(bytes / MB).toFixed(1)} MB) through a leaf node`);
    const t0 = performance.now();
    shipper.start();
    let timer: NodeJS.Timeout | undefined;
    try {
      await Promise.race([done, new Promise((_, rej) => (timer = setTimeout(() => rej(new Error(`shipped ${shipped.size} of ${manifests.length} clips in 120 s`)), 120_000)))]);
    } finally {
      clearTimeout(timer);
    }
    const seconds = (performance.now() - t0) / 1000;
    await shipper.stop();
    await nc.close();
    return {
      clips: manifests.length,
      clipMB: Math.round((bytes / manifests.length / MB) * 100) / 100,
      totalMB: Math.round((bytes / MB) * 100) / 100,
      seconds: Math.round(seconds * 1000) / 1000,
      mbPerSecond: Math.round((bytes / MB / seconds) * 100) / 100,
      chunkBytes: config.chunkBytes,
      chunksSent: shipper.stats.chunksSent,
      digestChecked: true,
      path: 'EvidenceShipper → leaf nats-server (no JetStream) → hub nats-server (JetStream domain "fleet", file store, R1) on loopback',
    };
  } finally {
    await leaf?.stop();
    await hub.stop();
  }
}
