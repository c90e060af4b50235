/**
 * Two vehicles and two gateways on one real nats-server, each its own
 * process (issue 9, "Tests"): `revcam host` for veh-a and for veh-b,
 * `revcam gateway` twice. A viewer on gateway 1 watches veh-a; viewers on
 * gateway 2 watch veh-b and veh-a. nats-server's /connz shows each host
 * publishing each frame once whatever the number of gateways watching, and
 * a gateway receiving only the vehicles its viewers watch.
 * (test/integration/nats.test.ts covers one host with one and two gateways.)
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { connz, startGateway, startHost, startNatsServer, type ConnzEntry, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { TestViewer } from '../helpers/viewer.js';
import type { AcceptedMessage } from '../../src/wire/messages.js';
import { until } from '../helpers/until.js';

const skip = !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false;

async function vehicles(gatewayUrl: string): Promise<string[]> {
  const body = (await (await fetch(`${gatewayUrl}/api/services`)).json()) as { services: Array<{ vehicle: string | null; name: string; location: string }> };
  return [...new Set(body.services.filter((s) => s.name === 'reversing' && s.location === 'remote').map((s) => s.vehicle ?? ''))].sort();
}

describe('two vehicles (veh-a, veh-b) and two gateways, each its own process', { skip }, () => {
  let nats: NatsServer;
  const procs: RevcamProcess[] = [];
  const viewers: TestViewer[] = [];
  let gw1: RevcamProcess;
  let gw2: RevcamProcess;

  before(async () => {
    nats = await startNatsServer();
    procs.push(await startHost(nats.url, 'veh-a'), await startHost(nats.url, 'veh-b'));
    // One after the other: gateway 1's connection gets the lower client id in /connz.
    gw1 = await startGateway(nats.url);
    gw2 = await startGateway(nats.url);
    procs.push(gw1, gw2);
  });

  after(async () => {
    for (const v of viewers) v.close();
    await Promise.all(procs.map((p) => p.kill('SIGKILL')));
    await nats?.stop();
  });

  test("both gateways see both vehicles; gateway 1's viewer gets veh-a, gateway 2's viewers get veh-b and veh-a", async () => {
    for (const gw of [gw1, gw2]) await until('veh-a and veh-b on a gateway', 15_000, async () => (await vehicles(gw.url!)).join() === 'veh-a,veh-b');
    const watch = async (gw: RevcamProcess, vehicle: string) => {
      const v = new TestViewer(gw.url!, { keepPayloads: true });
      viewers.push(v);
      const a = (await v.request({ vehicle })) as AcceptedMessage;
      assert.equal(a.type, 'accepted', JSON.stringify(a));
      assert.equal(a.instance, `${vehicle}/reversing`);
      assert.equal(a.vehicle, vehicle);
      return v;
    };
    const [a1, b2, a2] = [await watch(gw1, 'veh-a'), await watch(gw2, 'veh-b'), await watch(gw2, 'veh-a')];
    await Promise.all([a1, b2, a2].map((v) => v.waitForFrames(20, 20_000)));
    for (const v of [a1, b2, a2]) {
      const seqs = v.frames.map((f) => f.seq);
      assert.ok(seqs.every((s, i) => i === 0 || s > seqs[i - 1]!), 'sequence numbers increase');
      assert.equal(v.closeCode, undefined);
    }
  });

  test('/connz: each host publishes each frame once (bytes in = one copy), each gateway receives only what its viewers watch', async (t) => {
    const snapshot = async () => {
      const conns = await connz(nats.monitorUrl);
      const one = (name: string) => {
        const c = conns.filter((x) => x.name === name);
        assert.equal(c.length, 1, `${name}: ${JSON.stringify(conns.map((x) => x.name))}`);
        return c[0]!;
      };
      const gws = conns.filter((x) => x.name === 'revcam gateway').sort((x, y) => x.cid - y.cid);
      assert.equal(gws.length, 2);
      return { a: one('revcam host veh-a'), b: one('revcam host veh-b'), gw1: gws[0]!, gw2: gws[1]! };
    };
    const viewerBytes = (v: TestViewer, from: number) => v.frames.slice(from).reduce((n, f) => n + f.payload.byteLength, 0);
    const [a1] = viewers;
    const from = a1!.frames.length;
    const t0 = await snapshot();
    await new Promise((r) => setTimeout(r, 3_000));
    const t1 = await snapshot();
    const d = (k: 'a' | 'b' | 'gw1' | 'gw2', f: keyof ConnzEntry) => (t1[k][f] as number) - (t0[k][f] as number);
    const seen = viewerBytes(a1!, from);
    const mb = (n: number) => `${(n / 1e6).toFixed(2)} MB`;
    t.diagnostic(`3 s: host veh-a published ${d('a', 'in_msgs')} msgs / ${mb(d('a', 'in_bytes'))}, host veh-b ${d('b', 'in_msgs')} / ${mb(d('b', 'in_bytes'))}; ` +
      `gateway 1 received ${d('gw1', 'out_msgs')} / ${mb(d('gw1', 'out_bytes'))}, gateway 2 ${d('gw2', 'out_msgs')} / ${mb(d('gw2', 'out_bytes'))}; gateway 1's veh-a viewer got ${mb(seen)} of frame payloads`);
    const near = (x: number, y: number, what: string) => assert.ok(x / y > 0.75 && x / y < 1.33, `${what}: ${mb(x)} vs ${mb(y)}`);
    assert.ok(d('a', 'in_bytes') > 500_000 && d('b', 'in_bytes') > 500_000, 'both hosts stream');
    // veh-a is watched through two gateways: published once, delivered once to each.
    near(d('a', 'in_bytes'), d('gw1', 'out_bytes'), "host veh-a's bytes vs gateway 1's (veh-a only)");
    near(d('a', 'in_bytes'), seen, "host veh-a's bytes vs the frames gateway 1's viewer got");
    // Gateway 2 watches both, gateway 1 only veh-a: veh-b's frames go to gateway 2 alone.
    near(d('a', 'in_bytes') + d('b', 'in_bytes'), d('gw2', 'out_bytes'), "both hosts' bytes vs gateway 2's");
  });
});
