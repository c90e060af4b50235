/**
 * revcam on a real NATS bus (docs/distributed.md): a real nats-server on free
 * loopback ports, `revcam host` (vehicle veh-a) and `revcam gateway`, each its
 * own process, and a real WebSocket viewer on the gateway.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connz, requireNatsServer, startGateway, startHost, startNatsServer, startRevcamCommand, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { hasCommand, requireCommand } from '../helpers/requireCommand.js';
import { TestViewer } from '../helpers/viewer.js';
import { runProbe } from '../../src/cli/probe.js';
import { connect } from '@nats-io/transport-node';
import type { AcceptedMessage, ErrorMessage, StatusMessage } from '../../src/wire/messages.js';
import { until } from '../helpers/until.js';

interface ServiceEntry {
  id: string;
  name: string;
  vehicle: string | null;
  location: 'local' | 'remote';
  state: string;
  cameras: string[];
}

async function services(url: string): Promise<ServiceEntry[]> {
  const res = await fetch(`${url}/api/services`);
  assert.equal(res.status, 200);
  return ((await res.json()) as { services: ServiceEntry[] }).services;
}

/**
 * Messages the host published (its connection's in_msgs) and each gateway was
 * delivered (out_msgs) over `ms`, from nats-server's monitoring endpoint.
 */
async function busTraffic(monitorUrl: string, ms: number): Promise<{ published: number; received: Map<number, number> }> {
  const snapshot = async () => {
    const conns = await connz(monitorUrl);
    const hosts = conns.filter((c) => c.name === 'revcam host veh-a');
    assert.equal(hosts.length, 1, `connections: ${JSON.stringify(conns)}`);
    return { host: hosts[0]!.in_msgs, gws: new Map(conns.filter((c) => c.name === 'revcam gateway').map((g) => [g.cid, g.out_msgs])) };
  };
  const t0 = await snapshot();
  await new Promise((r) => setTimeout(r, ms));
  const t1 = await snapshot();
  return { published: t1.host - t0.host, received: new Map([...t1.gws].map(([cid, n]) => [cid, n - (t0.gws.get(cid) ?? 0)])) };
}

const statuses = (v: TestViewer) => v.messages.filter((m): m is StatusMessage => m.type === 'status');

describe('one host (veh-a) and one gateway on a real nats-server', { skip: !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false }, () => {
  let nats: NatsServer;
  let host: RevcamProcess;
  let gateway: RevcamProcess;
  const viewers: TestViewer[] = [];

  before(async () => {
    nats = await startNatsServer();
    host = await startHost(nats.url, 'veh-a');
    gateway = await startGateway(nats.url);
  });

  after(async () => {
    for (const v of viewers) v.close();
    await Promise.all([host?.kill('SIGKILL'), gateway?.kill()]);
    await nats?.stop();
  });

  test('requireNatsServer: the test environment has nats-server (skips loudly otherwise)', (t) => {
    assert.ok(requireNatsServer(t));
  });

  test("/api/services on the gateway lists the host's services as remote instances of veh-a", async () => {
    const list = await until('the remote reversing service', 10_000, async () => {
      const l = await services(gateway.url!);
      return l.some((s) => s.name === 'reversing') && l;
    });
    const rev = list.find((s) => s.name === 'reversing')!;
    assert.equal(rev.vehicle, 'veh-a');
    assert.equal(rev.location, 'remote');
    assert.equal(rev.id, 'veh-a/reversing');
    assert.ok(rev.cameras.includes('rear'), `cameras: ${rev.cameras.join(',')}`);
    assert.ok(list.every((s) => s.location === 'remote'), 'a gateway runs no services of its own');
  });

  test("a WebSocket viewer on the gateway gets veh-a's rear camera, with and without naming the vehicle", async () => {
    for (const req of [{}, { vehicle: 'veh-a' }]) {
      const v = new TestViewer(gateway.url!);
      viewers.push(v);
      const accepted = (await v.request(req)) as AcceptedMessage | ErrorMessage;
      assert.equal(accepted.type, 'accepted', JSON.stringify(accepted));
      const a = accepted as AcceptedMessage;
      assert.equal(a.instance, 'veh-a/reversing');
      assert.equal(a.vehicle, 'veh-a');
      assert.ok(a.width > 0 && a.height > 0, 'the real size, from the first frame');
      await v.waitForFrames(20, 20_000);
      const seqs = v.frames.map((f) => f.seq);
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'sequence numbers increase');
    }
  });

  test('H.264 crosses the bus too: the probe decodes a keyframe-led stream from veh-a through the gateway', async (t) => {
    if (!requireCommand(t, 'ffmpeg')) return;
    const r = await runProbe({ url: gateway.url!, vehicle: 'veh-a', codec: 'h264', frames: 30, timeoutMs: 20_000 });
    assert.ok(r.ok, JSON.stringify(r.error));
    assert.equal(r.codec, 'h264');
    assert.equal(r.instance, 'veh-a/reversing');
    assert.ok(r.keyframes >= 1, 'starts at a keyframe');
  });

  test('a request for a vehicle nobody serves gets SERVICE_NOT_FOUND', async () => {
    const v = new TestViewer(gateway.url!);
    viewers.push(v);
    const reply = await v.request({ vehicle: 'veh-z' });
    assert.equal(reply.type, 'error');
    assert.equal((reply as ErrorMessage).code, 'SERVICE_NOT_FOUND');
    assert.match((reply as ErrorMessage).message, /veh-z/);
    const res = await fetch(`${gateway.url}/stream.mjpg?vehicle=veh-z`);
    assert.equal(res.status, 404);
    assert.equal(((await res.json()) as { error: { code: string } }).error.code, 'SERVICE_NOT_FOUND');
  });

  test("the host's open endpoint answers a bad request with the local path's error codes", async () => {
    const nc = await connect({ servers: nats.url });
    try {
      const ask = async (body: unknown) => {
        const msg = await nc.request('revcam.v1.veh-a.reversing.open', JSON.stringify(body), { timeout: 5_000 });
        return { reply: msg.json<{ ok: boolean; code?: string; message?: string }>(), errorCode: msg.headers?.get('Nats-Service-Error-Code') };
      };
      const noCamera = await ask({ camera: 'roof', codec: 'jpeg', gateway: 'test' });
      assert.equal(noCamera.reply.ok, false);
      assert.equal(noCamera.reply.code, 'CAMERA_NOT_AVAILABLE');
      assert.equal(noCamera.errorCode, '404', 'the services framework error header carries the HTTP-like status');
      const noCodec = await ask({ camera: 'rear', codec: 'vp9', gateway: 'test' });
      assert.equal(noCodec.reply.code, 'BAD_REQUEST');
      const noGateway = await ask({ camera: 'rear', codec: 'jpeg' });
      assert.equal(noGateway.reply.code, 'BAD_REQUEST');
      const notJson = await nc.request('revcam.v1.veh-a.reversing.open', 'not json', { timeout: 5_000 });
      assert.equal(notJson.json<{ code: string }>().code, 'BAD_REQUEST');
      // A good open is a lease for gateway "test"; closing releases it.
      const ok = await ask({ camera: 'rear', codec: 'jpeg', gateway: 'test' });
      assert.equal(ok.reply.ok, true);
      const closed = await nc.request('revcam.v1.veh-a.reversing.close', JSON.stringify({ camera: 'rear', codec: 'jpeg', gateway: 'test' }), { timeout: 5_000 });
      assert.equal(closed.json<{ ok: boolean }>().ok, true);
    } finally {
      await nc.close();
    }
  });

  test('two viewers on one gateway: the gateway receives each frame once (nats-server /connz)', async (t) => {
    const { published, received } = await busTraffic(nats.monitorUrl, 3_000);
    assert.ok(published > 20, `the host published ${published} messages in 3 s`);
    const [gw] = [...received.values()];
    // One subscription for both viewers: one delivery per published frame (about twice as many if it subscribed per viewer).
    const ratio = gw! / published;
    t.diagnostic(`in 3 s: host published ${published}, the gateway received ${gw}`);
    assert.ok(ratio > 0.6 && ratio < 1.5, `host published ${published}, the gateway received ${gw} in 3 s`);
  });

  test('two gateways watching one stream: the host publishes each frame once, each gateway receives it once', async (t) => {
    const gateway2 = await startGateway(nats.url);
    try {
      const v2 = new TestViewer(gateway2.url!);
      viewers.push(v2);
      const a = await until('the remote service on gateway 2', 10_000, async () => {
        const l = await services(gateway2.url!);
        return l.some((x) => x.vehicle === 'veh-a' && x.name === 'reversing') && true;
      }).then(() => v2.request({ vehicle: 'veh-a' }));
      assert.equal(a.type, 'accepted', JSON.stringify(a));
      await v2.waitForFrames(10, 20_000);
      const { published, received } = await busTraffic(nats.monitorUrl, 3_000);
      assert.equal(received.size, 2);
      assert.ok(published > 20, `the host published ${published} messages in 3 s`);
      for (const [cid, got] of received) {
        // Published once per gateway, the host's count would be about twice each gateway's.
        // (Both counts include a few control messages a second: discovery pings and lease renewals.)
        const ratio = published / got;
        t.diagnostic(`in 3 s: host published ${published}, gateway ${cid} received ${got}`);
        assert.ok(ratio > 0.6 && ratio < 1.6, `host published ${published}, gateway ${cid} received ${got} in 3 s`);
      }
      // A gateway that dies without closing: its lease runs out on the host by itself.
      const killedAt = Date.now();
      await gateway2.kill('SIGKILL');
      await until('the host to expire the dead gateway\'s lease', 10_000, async () => /gateway lease expired/.test(host.output()));
      t.diagnostic(`lease of a SIGKILLed gateway expired on the host after ${Date.now() - killedAt} ms`);
    } finally {
      await gateway2.kill();
    }
  });

  test('killing the host: viewers get SERVICE_LOST and stay connected, /api/services drops it within ~3 s, and a new host resumes them', async (t) => {
    const v = viewers[0]!;
    const before = statuses(v).length;
    const killedAt = Date.now();
    await host.kill('SIGKILL');
    await v.waitFor(() => statuses(v).slice(before).find((s) => s.event === 'SERVICE_LOST'), 'SERVICE_LOST', 10_000);
    const lostAfter = Date.now() - killedAt;
    await until('the service to leave /api/services', 10_000, async () => !(await services(gateway.url!)).some((s) => s.vehicle === 'veh-a'));
    const goneAfter = Date.now() - killedAt;
    t.diagnostic(`after SIGKILL: SERVICE_LOST at ${lostAfter} ms, gone from /api/services at ${goneAfter} ms`);
    // 3 s without an answer, polled every second; generous slack for a loaded machine.
    assert.ok(goneAfter < 7_000, `left the registry ${goneAfter} ms after the kill`);
    assert.ok(lostAfter < 5_000, `SERVICE_LOST ${lostAfter} ms after the kill`);
    assert.equal(v.closeCode, undefined, 'the viewer stays connected');

    host = await startHost(nats.url, 'veh-a');
    const framesBefore = v.frames.length;
    const restartedAt = Date.now();
    await v.waitFor(() => statuses(v).slice(before).find((s) => s.event === 'SOURCE_RESTORED'), 'SOURCE_RESTORED', 20_000);
    t.diagnostic(`SOURCE_RESTORED ${Date.now() - restartedAt} ms after the new host announced itself`);
    await v.waitForFrames(10, 20_000);
    assert.ok(v.frames.length >= framesBefore + 10);
    assert.equal(v.closeCode, undefined, 'resumed on the same connection');
  });
});

describe('frames above the server max_payload', { skip: !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false }, () => {
  test('are refused by the host with one clear logged error per stream; the viewer stays connected and nothing oversize crosses the bus', async () => {
    const dir = mkdtempSync(join(tmpdir(), 'revcam-nats-'));
    const conf = join(dir, 'small.conf');
    writeFileSync(conf, 'max_payload: 16384\n'); // a 720p JPEG is ~50-100 kB
    const nats = await startNatsServer(['-c', conf]);
    let host: RevcamProcess | undefined;
    let gateway: RevcamProcess | undefined;
    let v: TestViewer | undefined;
    try {
      host = await startHost(nats.url, 'veh-a');
      gateway = await startGateway(nats.url);
      await until('the remote service', 10_000, async () => (await services(gateway!.url!)).some((s) => s.vehicle === 'veh-a'));
      v = new TestViewer(gateway.url!, { keepPayloads: true });
      const reply = await v.request({ vehicle: 'veh-a' });
      assert.equal(reply.type, 'accepted', JSON.stringify(reply));
      await until('the host to log the refusal', 15_000, async () => /larger than the NATS server max_payload/.test(host!.output()));
      await new Promise((r) => setTimeout(r, 1_000));
      // (A frame small enough, a dark scene say, may pass; nothing above the limit can.)
      assert.ok(v.frames.every((f) => f.payload.byteLength < 16_384), 'no oversize frame reached the viewer');
      assert.equal(v.closeCode, undefined);
      assert.equal(host.output().match(/larger than the NATS server max_payload/g)?.length, 1, 'logged once per stream, not per frame');
      assert.match(host.output(), /"maxPayload":16384/);
    } finally {
      v?.close();
      await Promise.all([host?.kill(), gateway?.kill()]);
      await nats.stop();
    }
  });
});

describe('revcam serve --nats: host and gateway in one process', { skip: !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false }, () => {
  test('its own services stay local (not doubled), another vehicle is remote, a request without vehicle gets its own, and a plain gateway sees it as remote', async (t) => {
    const nats = await startNatsServer();
    const procs: RevcamProcess[] = [];
    const viewers: TestViewer[] = [];
    try {
      procs.push(await startHost(nats.url, 'veh-b'));
      const serve = await startRevcamCommand(['serve', '--port', '0', '--nats', nats.url, '--vehicle', 'veh-a'], /display at (http:\/\/[^\s/]+)\//);
      procs.push(serve);
      const list = await until('veh-b on the serve process', 10_000, async () => {
        const l = await services(serve.url!);
        return l.some((s) => s.vehicle === 'veh-b') && l;
      });
      const rev = list.filter((s) => s.name === 'reversing');
      t.diagnostic(JSON.stringify(rev.map((s) => [s.id, s.vehicle, s.location])));
      assert.deepEqual(rev.map((s) => [s.id, s.vehicle, s.location]).sort(), [['reversing', 'veh-a', 'local'], ['veh-b/reversing', 'veh-b', 'remote']]);
      const own = new TestViewer(serve.url!);
      viewers.push(own);
      const a = (await own.request()) as AcceptedMessage;
      assert.equal(a.type, 'accepted', JSON.stringify(a));
      assert.equal(a.instance, 'reversing', 'no vehicle named: this process\'s own vehicle');
      const other = new TestViewer(serve.url!);
      viewers.push(other);
      const b = (await other.request({ vehicle: 'veh-b' })) as AcceptedMessage;
      assert.equal(b.instance, 'veh-b/reversing');
      await Promise.all([own.waitForFrames(10, 20_000), other.waitForFrames(10, 20_000)]);

      const gateway = await startGateway(nats.url);
      procs.push(gateway);
      await until('both vehicles on the gateway', 10_000, async () => {
        const l = await services(gateway.url!);
        return l.some((s) => s.vehicle === 'veh-a') && l.some((s) => s.vehicle === 'veh-b');
      });
      const v = new TestViewer(gateway.url!);
      viewers.push(v);
      const ambiguous = await v.request();
      assert.equal(ambiguous.type, 'error');
      assert.equal((ambiguous as ErrorMessage).code, 'BAD_REQUEST');
      assert.match((ambiguous as ErrorMessage).message, /veh-a, veh-b/);
      const w = new TestViewer(gateway.url!);
      viewers.push(w);
      const c = (await w.request({ vehicle: 'veh-a' })) as AcceptedMessage;
      assert.equal(c.instance, 'veh-a/reversing');
      await w.waitForFrames(10, 20_000);
      // The CLI probe names the vehicle too (revcam probe --vehicle).
      const probe = await runProbe({ url: gateway.url!, vehicle: 'veh-b', frames: 5, timeoutMs: 20_000 });
      assert.ok(probe.ok, JSON.stringify(probe.error));
      assert.equal(probe.instance, 'veh-b/reversing');
      assert.equal(probe.frames, 5);
      // SIGTERM: every role shuts down cleanly (exit 0) within the 2 s budget.
      for (const p of procs.splice(0).reverse()) {
        const t0 = Date.now();
        assert.equal(await p.kill('SIGTERM'), 0, p.output().slice(-2000));
        assert.ok(Date.now() - t0 < 5_000, `stopped in ${Date.now() - t0} ms`);
      }
    } finally {
      for (const v of viewers) v.close();
      await Promise.all(procs.map((p) => p.kill()));
      await nats.stop();
    }
  });
});
