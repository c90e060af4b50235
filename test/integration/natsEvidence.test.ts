/**
 * Evidence shipped to the fleet (docs/recorder.md "Shipping"), with real
 * parts: a three-node nats-server cluster with JetStream on loopback, running
 * examples/nats/permissions.conf (ports replaced, an admin user added for the
 * test's own checks); a `revcam host` for veh-a with the recorder, connected
 * as host-a through a TCP relay the test can cut; a `revcam gateway` as
 * gateway-a. Clips are triggered by the fleet's NATS request.
 *
 * Checks: every clip arrives exactly once with its digest; three link cuts in
 * the middle of uploads re-send at most one chunk each; the stream leader
 * SIGKILLed during uploads loses nothing (R3); gateway-a lists and plays
 * veh-a's clips (ffprobe clean, Range) and cannot read veh-b's evidence.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { createConnection, createServer, type Server, type Socket } from 'node:net';
import { tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { connect, headers, type NatsConnection } from '@nats-io/transport-node';
import { jetstream, jetstreamManager, type JetStreamManager } from '@nats-io/jetstream';
import { freePort, natsConfigWithPorts, startGateway, startHost, startNatsServer, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { ROOT } from '../helpers/server.js';
import { until } from '../helpers/until.js';
import type { ClipManifest } from '../../src/recorder/Manifest.js';
import type { FleetRecord } from '../../src/nats/evidence.js';

const missing = ['nats-server', 'ffprobe', 'ffmpeg'].filter((c) => !hasCommand(c));
if (missing.length > 0 && process.env.CI === 'true') throw new Error(`CI=true and ${missing.join(', ')} not installed`);
if (missing.length > 0) process.stderr.write(`\n!!! SKIPPED natsEvidence: ${missing.join(', ')} not installed (apt-get install nats-server ffmpeg)\n\n`);
const skip = missing.length > 0 ? `${missing.join(', ')} not installed` : false;

const CHUNK = 16 * 1024;
const STREAM = 'REVCAM_EVIDENCE_veh-a';
const dir = mkdtempSync(join(tmpdir(), 'revcam-evidence-'));
const stateDir = join(dir, 'host-state');
const recordings = join(stateDir, 'recordings');
const ADMIN = { user: 'test-admin', pass: 'test-admin-pass' };

/** A TCP relay to the first upstream that accepts; `cut()` drops every connection through it (a link cut). */
interface Relay {
  port: number;
  cut(): number;
  close(): Promise<void>;
}
async function startRelay(upstreams: () => number[]): Promise<Relay> {
  const pairs = new Set<[Socket, Socket]>();
  const server: Server = createServer((client) => {
    client.pause();
    const ports = upstreams();
    const tryAt = (i: number) => {
      if (i >= ports.length) return void client.destroy();
      const up = createConnection({ host: '127.0.0.1', port: ports[i]! });
      up.once('error', () => {
        up.destroy();
        tryAt(i + 1);
      });
      up.once('connect', () => {
        up.removeAllListeners('error');
        const pair: [Socket, Socket] = [client, up];
        pairs.add(pair);
        const end = () => {
          pairs.delete(pair);
          client.destroy();
          up.destroy();
        };
        client.on('error', end).on('close', end);
        up.on('error', end).on('close', end);
        client.pipe(up);
        up.pipe(client);
        client.resume();
      });
    };
    tryAt(0);
  });
  await new Promise<void>((r) => server.listen(0, '127.0.0.1', r));
  return {
    port: (server.address() as { port: number }).port,
    cut() {
      const n = pairs.size;
      for (const [a, b] of [...pairs]) {
        a.destroy();
        b.destroy();
      }
      return n;
    },
    close: () =>
      new Promise<void>((r) => {
        for (const [a, b] of pairs) (a.destroy(), b.destroy());
        server.close(() => r());
      }),
  };
}

function localClips(): ClipManifest[] {
  return readdirSync(recordings)
    .filter((f) => f.endsWith('.json') && !f.endsWith('.signals.json'))
    .map((f) => JSON.parse(readFileSync(join(recordings, f), 'utf8')) as ClipManifest);
}

const sha256 = (buf: Uint8Array) => createHash('sha256').update(buf).digest('hex');

/** A JetStream manager once the cluster answers (a meta leader elected): each try short, retried. */
function jetStreamAnswering(nc: NatsConnection, what: string): Promise<JetStreamManager> {
  return until(what, 30_000, async () => {
    try {
      const jsm = await jetstreamManager(nc, { timeout: 2_000 });
      await jsm.getAccountInfo();
      return jsm;
    } catch {
      return undefined;
    }
  }, 200);
}

describe('evidence to a three-node JetStream cluster', { skip, timeout: 180_000 }, () => {
  const nodes: (NatsServer | undefined)[] = [];
  const clientPorts: number[] = [];
  let relay: Relay;
  let host: RevcamProcess;
  let gw: RevcamProcess | undefined;
  let admin: NatsConnection;
  let jsm: JetStreamManager;
  let cuts = 0;
  const triggered: string[] = [];

  before(async () => {
    const cluster = await Promise.all([0, 1, 2].map(() => freePort()));
    for (let i = 0; i < 3; i++) clientPorts.push(await freePort());
    const monitors = await Promise.all([0, 1, 2].map(() => freePort()));
    // The sample as shipped, its ports replaced, plus an unrestricted user for the test's own checks.
    const conf = natsConfigWithPorts(resolve(ROOT, 'examples/nats/permissions.conf'), { 4222: clientPorts[0]!, 8222: monitors[0]! });
    writeFileSync(conf, readFileSync(conf, 'utf8').replace(/\]\s*\}\s*$/, `  { user: ${ADMIN.user}, password: ${ADMIN.pass} }\n  ]\n}\n`));
    const routes = cluster.map((p) => `nats://127.0.0.1:${p}`).join(',');
    for (let i = 0; i < 3; i++) {
      const args = ['-c', conf, '-n', `n${i + 1}`, '-js', '-sd', join(dir, `js${i + 1}`), '--cluster_name', 'hub', '--cluster', `nats://127.0.0.1:${cluster[i]}`, '--routes', routes, '--no_advertise'];
      nodes.push(await startNatsServer(args, { port: clientPorts[i]!, monitorPort: monitors[i]! }));
    }
    // The host reaches the hub through the relay (to the first node that answers): the relay is its link.
    relay = await startRelay(() => clientPorts.filter((_, i) => nodes[i] !== undefined));
    admin = await connect({ servers: nodes[0]!.url, ...ADMIN, name: 'test admin' });
    // JetStream needs its meta leader before a stream can be created.
    jsm = await jetStreamAnswering(admin, 'the JetStream meta leader');
    // veh-b's evidence exists in the fleet store (made while all three nodes run).
    // A meta leader may answer before the third node has joined it: an R3 stream is placed once all three have.
    await until('three JetStream peers for an R3 stream', 30_000, async () => {
      try {
        return await jsm.streams.add({ name: 'REVCAM_EVIDENCE_veh-b', subjects: ['revcam.v1.veh-b.evidence.>'], num_replicas: 3 });
      } catch (err) {
        if (/no suitable peers/i.test((err as Error).message)) return undefined;
        throw err;
      }
    }, 200);
    await jetstream(admin).publish('revcam.v1.veh-b.evidence.20261207T000000Z-rear-0000.manifest', JSON.stringify({ version: 1, id: '20261207T000000Z-rear-0000' }), { headers: headers() });
    const hostConfig = join(dir, 'host.json');
    writeFileSync(
      hostConfig,
      JSON.stringify({
        stateDir,
        recorder: { preSeconds: 1, postSeconds: 1, triggers: { sensorBelowM: null, decelerationMps2: null, impact: false, manoeuvre: false } },
        nats: { user: 'host-a', pass: 'sample-host-a-change-me', evidence: { replicas: 3, chunkBytes: CHUNK, pollMs: 300 } },
      }),
    );
    host = await startHost(`nats://127.0.0.1:${relay.port}`, 'veh-a', ['-c', hostConfig]);
    // The recorder comes up a second after the host.
    await until('the recorder to take a fleet trigger', 20_000, async () => {
      try {
        await trigger();
        return true;
      } catch {
        return false;
      }
    }, 500);
  });

  after(async () => {
    await gw?.kill();
    await host?.kill();
    await admin?.close();
    await relay?.close();
    await Promise.all(nodes.map((n) => n?.stop()));
  });

  async function trigger(): Promise<string> {
    const r = (await admin.request('revcam.v1.veh-a.events.trigger', JSON.stringify({ by: 'test' }), { timeout: 5_000 })).json<{ ok: boolean; id?: string; message?: string }>();
    if (!r.ok) throw new Error(r.message);
    triggered.push(r.id!);
    return r.id!;
  }

  /** The chunk subjects of the stream with some but not all of their chunks stored: an upload in progress. */
  async function uploading(): Promise<string | undefined> {
    try {
      const info = await jsm.streams.info(STREAM, { subjects_filter: 'revcam.v1.veh-a.evidence.*.chunks' });
      for (const [subject, count] of Object.entries(info.state.subjects ?? {})) {
        const last = await jsm.streams.getMessage(STREAM, { last_by_subj: subject });
        const total = Number(last?.header.get('Revcam-Chunks'));
        if (count > 0 && count < total) return subject;
      }
    } catch {
      // no stream yet, or the leader is moving
    }
    return undefined;
  }

  async function allShipped(ms: number): Promise<void> {
    await until(`clips ${triggered.join(', ')} shipped`, ms, async () => {
      const clips = localClips();
      return triggered.every((id) => clips.find((c) => c.id === id)?.shipped === true);
    }, 200);
  }

  /** Clips are 1 s + 1 s; a trigger after the post window opens a new clip. */
  async function triggerSpaced(n: number): Promise<void> {
    for (let i = 0; i < n; i++) {
      if (i > 0 || triggered.length > 0) await new Promise((r) => setTimeout(r, 1_500));
      await trigger();
    }
  }

  test('clips arrive exactly once with their digests, through three link cuts and a node killed', async () => {
    // The first clip (triggered in before) ships on a clean link.
    await allShipped(30_000);

    // Three cuts, each in the middle of an upload.
    for (let c = 0; c < 3; c++) {
      await triggerSpaced(1);
      const subject = await until('an upload in progress', 20_000, uploading, 20);
      const dropped = relay.cut();
      assert.ok(dropped > 0, 'the host was connected through the relay');
      cuts++;
      process.stderr.write(`cut ${c + 1} during the upload of ${subject}\n`);
      await allShipped(40_000);
    }

    // The stream's leader SIGKILLed in the middle of an upload: R3 keeps every acked chunk.
    await triggerSpaced(1);
    await until('an upload in progress', 20_000, uploading, 20);
    const leader = (await jsm.streams.info(STREAM)).cluster?.leader;
    const victim = Math.max(0, ['n1', 'n2', 'n3'].indexOf(leader ?? 'n3'));
    if (victim === 0) cuts++; // the relay's upstream: the host's link is cut too
    nodes[victim]!.child.kill('SIGKILL');
    await nodes[victim]!.stop();
    nodes[victim] = undefined;
    process.stderr.write(`killed n${victim + 1} (stream leader ${leader})\n`);
    if (victim === 0) {
      await admin.close();
      admin = await connect({ servers: nodes[1]!.url, ...ADMIN, name: 'test admin' });
      // The two left elect a new meta leader first: JetStream's API times out until then.
      jsm = await jetStreamAnswering(admin, 'JetStream after the leader was killed');
    }
    await triggerSpaced(1);
    await allShipped(60_000);

    // Every clip: stored exactly once (chunks 0…n−1 once each), digest equal to the vehicle's file and manifest.
    const js = jetstream(admin, { timeout: 5_000 });
    let resent = 0;
    for (const m of localClips()) {
      assert.equal(m.shipped, true, `${m.id} shipped`);
      const file = readFileSync(join(recordings, `${m.id}.mp4`));
      assert.equal(sha256(file), m.sha256);
      const fm = (await jsm.streams.getMessage(STREAM, { last_by_subj: `revcam.v1.veh-a.evidence.${m.id}.manifest` }))!.json<ClipManifest & { fleet: FleetRecord }>();
      const subject = `revcam.v1.veh-a.evidence.${m.id}.chunks`;
      const stored = (await jsm.streams.info(STREAM, { subjects_filter: subject })).state.subjects?.[subject] ?? 0;
      const expected = Math.ceil(file.length / CHUNK);
      assert.equal(stored, expected, `${m.id}: ${stored} chunk messages stored, ${expected} expected`);
      // Read back by the test's own ordered consumer (retried: right after the leader's death a consumer create may time out).
      const indices: number[] = [];
      const digest = await until(`${subject} read back`, 30_000, async () => {
        indices.length = 0;
        const hash = createHash('sha256');
        try {
          const consumer = await js.consumers.get(STREAM, { filter_subjects: subject });
          const messages = await consumer.consume();
          for await (const msg of messages) {
            indices.push(Number(msg.headers?.get('Revcam-Chunk')));
            hash.update(msg.data);
            if (msg.info.pending === 0) break;
          }
          await consumer.delete().catch(() => {});
          return hash.digest('hex');
        } catch {
          return undefined;
        }
      }, 500);
      assert.deepEqual(indices, [...Array(expected).keys()], `${m.id}: each chunk once, in order`);
      assert.equal(digest, m.sha256, `${m.id}: digest of the stored chunks`);
      assert.equal(fm.fleet.sha256, m.sha256);
      assert.ok(fm.fleet.chunksSent >= expected);
      resent += fm.fleet.chunksSent - expected;
      const sig = `revcam.v1.veh-a.evidence.${m.id}.signals`;
      assert.ok(((await jsm.streams.info(STREAM, { subjects_filter: sig })).state.subjects?.[sig] ?? 0) >= 1, `${m.id}: its signals sidecar`);
      process.stderr.write(`${m.id}: ${file.length} B, ${expected} chunks stored, ${fm.fleet.chunksSent} sent, ${fm.fleet.resumes} resumes\n`);
    }
    const info = await jsm.streams.info(STREAM);
    assert.equal(info.config.num_replicas, 3);
    process.stderr.write(`clips ${localClips().length}, link cuts ${cuts}, chunks re-sent ${resent} (${resent * CHUNK} B at most)\n`);
    assert.equal(localClips().length, triggered.length);
    assert.ok(resent <= cuts, `at most one chunk re-sent per cut: ${resent} re-sent for ${cuts} cuts`);
  });

  test('gateway-a lists and plays veh-a clips from the fleet store, and cannot read veh-b', async () => {
    const live = nodes.find((n) => n !== undefined)!;
    const gwConfig = join(dir, 'gw.json');
    writeFileSync(gwConfig, JSON.stringify({ stateDir: join(dir, 'gw-state'), nats: { user: 'gateway-a', pass: 'sample-gateway-a-change-me' } }));
    gw = await startGateway(live.url, ['-c', gwConfig]);
    // The store may still be electing a leader after the node killed above, and this machine may be loaded:
    // a gateway answers 503 SERVICE_FAILED meanwhile (a display retries); the test waits for its 200 as a display would.
    const ok = (path: string) =>
      until(`200 for ${path}`, 30_000, async () => {
        const r = await fetch(`${gw!.url}${path}`);
        if (r.status === 503) {
          process.stderr.write(`503 for ${path}, retrying: ${await r.text()}\n`);
          return false;
        }
        return r;
      }, 500);
    const list = (await (await ok('/api/events?vehicle=veh-a')).json()) as { events: Array<{ id: string; startUs: number }> };
    const ids = list.events.map((e) => e.id).sort();
    assert.deepEqual(ids, [...triggered].sort());
    assert.ok(list.events.every((e, i) => i === 0 || list.events[i - 1]!.startUs >= e.startUs), 'newest first');

    const id = list.events[0]!.id;
    const manifest = (await (await fetch(`${gw.url}/api/events/${id}?vehicle=veh-a`)).json()) as ClipManifest;
    assert.equal(manifest.id, id);
    const started = performance.now();
    const res = await ok(`/api/events/${id}.mp4?vehicle=veh-a`);
    assert.equal(res.status, 200);
    const body = new Uint8Array(await res.arrayBuffer());
    process.stderr.write(`gateway assembled and served ${body.length} B in ${(performance.now() - started).toFixed(0)} ms\n`);
    assert.equal(sha256(body), manifest.sha256);
    const file = join(dir, 'played.mp4');
    writeFileSync(file, body);
    const probe = spawnSync('ffprobe', ['-v', 'error', file], { encoding: 'utf8' });
    assert.equal(probe.status, 0);
    assert.equal(probe.stderr + probe.stdout, '', 'ffprobe -v error prints nothing');
    const range = await fetch(`${gw.url}/api/events/${id}.mp4?vehicle=veh-a`, { headers: { Range: 'bytes=100-199' } });
    assert.equal(range.status, 206);
    assert.deepEqual(new Uint8Array(await range.arrayBuffer()), body.subarray(100, 200));
    // The signal timeline, read back from its chunks: the same bytes as the vehicle's sidecar.
    const timeline = await ok(`/api/events/${id}/signals?vehicle=veh-a`);
    assert.equal(timeline.status, 200, await timeline.clone().text());
    assert.equal(await timeline.text(), readFileSync(join(recordings, `${id}.signals.json`), 'utf8'));

    // veh-b: the server refuses gateway-a's JetStream requests on veh-b's stream.
    const refused = await fetch(`${gw.url}/api/events?vehicle=veh-b`);
    assert.equal(refused.status, 403, await refused.clone().text());
    const one = await fetch(`${gw.url}/api/events/20261207T000000Z-rear-0000?vehicle=veh-b`);
    assert.equal(one.status, 403);
    // And with gateway-a's credentials the official client gets nothing of veh-b's stream.
    const nc = await connect({ servers: live.url, user: 'gateway-a', pass: 'sample-gateway-a-change-me' });
    try {
      const gm = await jetstreamManager(nc, { checkAPI: false, timeout: 3_000 });
      await assert.rejects(gm.streams.getMessage('REVCAM_EVIDENCE_veh-b', { last_by_subj: 'revcam.v1.veh-b.evidence.20261207T000000Z-rear-0000.manifest' }), /permission|timeout/i);
      await assert.rejects(jetstream(nc, { timeout: 3_000 }).consumers.get('REVCAM_EVIDENCE_veh-b', { filter_subjects: 'revcam.v1.veh-b.evidence.>' }).then((c) => c.next({ expires: 2_000 })), /permission|timeout|not found/i);
    } finally {
      await nc.close();
    }

    // A fleet trigger through gateway-a reaches veh-a's recorder.
    const posted = await fetch(`${gw.url}/api/events?vehicle=veh-a`, { method: 'POST' });
    assert.equal(posted.status, 201, await posted.clone().text());
  });
});
