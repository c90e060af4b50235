/**
 * A vehicle's own nats-server as a leaf node of a hub (docs/distributed.md
 * "Leaf nodes"): examples/nats/hub.conf and leaf.conf as shipped (ports
 * replaced), both on loopback. The host runs on the leaf, a gateway on the
 * hub; an in-vehicle gateway on the leaf stands for the vehicle's own
 * display. The leaf link (the hub's /leafz) carries frames only while a
 * viewer on the hub side watches.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { resolve } from 'node:path';
import { freePort, natsConfigWithPorts, startGateway, startHost, startNatsServer, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { ROOT } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';
import type { AcceptedMessage } from '../../src/wire/messages.js';
import { until } from '../helpers/until.js';

const skip = !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false;

interface LeafLink {
  in_msgs: number;
  out_msgs: number;
  in_bytes: number;
  out_bytes: number;
}

/** The hub's one leaf link (in = from the vehicle to the hub). */
async function leafLink(hub: NatsServer): Promise<LeafLink | undefined> {
  const body = (await (await fetch(`${hub.monitorUrl}/leafz`)).json()) as { leafs?: LeafLink[] | null };
  return body.leafs?.length === 1 ? body.leafs[0] : undefined;
}

/** What crossed the leaf link, and what the leaf server received from its clients, over `ms`. */
async function traffic(hub: NatsServer, leaf: NatsServer, ms: number): Promise<{ toHub: number; toHubMsgs: number; toVehicle: number; publishedOnLeaf: number }> {
  const varz = async () => ((await (await fetch(`${leaf.monitorUrl}/varz`)).json()) as { in_bytes: number }).in_bytes;
  const [l0, v0] = [(await leafLink(hub))!, await varz()];
  await new Promise((r) => setTimeout(r, ms));
  const [l1, v1] = [(await leafLink(hub))!, await varz()];
  return { toHub: l1.in_bytes - l0.in_bytes, toHubMsgs: l1.in_msgs - l0.in_msgs, toVehicle: l1.out_bytes - l0.out_bytes, publishedOnLeaf: v1 - v0 };
}

const hasVeh = async (url: string) => ((await (await fetch(`${url}/api/services`)).json()) as { services: Array<{ vehicle: string | null }> }).services.some((s) => s.vehicle === 'veh-a');
const kb = (n: number) => `${(n / 1000).toFixed(1)} kB`;

describe('a vehicle on a leaf node of a hub (examples/nats/hub.conf, leaf.conf)', { skip }, () => {
  let hub: NatsServer;
  let leaf: NatsServer;
  let host: RevcamProcess;
  let hubGateway: RevcamProcess;
  let vehicleGateway: RevcamProcess;
  const viewers: TestViewer[] = [];

  before(async () => {
    const [hubPort, hubMonitor, leafnodes, leafPort, leafMonitor] = await Promise.all([freePort(), freePort(), freePort(), freePort(), freePort()]);
    const hubConf = natsConfigWithPorts(resolve(ROOT, 'examples/nats/hub.conf'), { 4222: hubPort, 8222: hubMonitor, 7422: leafnodes });
    const leafConf = natsConfigWithPorts(resolve(ROOT, 'examples/nats/leaf.conf'), { 4223: leafPort, 8223: leafMonitor, 7422: leafnodes });
    hub = await startNatsServer(['-c', hubConf], { port: hubPort, monitorPort: hubMonitor });
    leaf = await startNatsServer(['-c', leafConf], { port: leafPort, monitorPort: leafMonitor });
    await until('the leaf link', 15_000, () => leafLink(hub));
    host = await startHost(leaf.url, 'veh-a');
    hubGateway = await startGateway(hub.url);
    vehicleGateway = await startGateway(leaf.url);
    for (const gw of [hubGateway, vehicleGateway]) await until('veh-a on a gateway', 15_000, () => hasVeh(gw.url!));
  });

  after(async () => {
    for (const v of viewers) v.close();
    await Promise.all([host, hubGateway, vehicleGateway].map((p) => p?.kill('SIGKILL')));
    await Promise.all([leaf?.stop(), hub?.stop()]);
  });

  test("the vehicle's own display streams on the leaf while the link to the hub carries no frames", async (t) => {
    const inVehicle = new TestViewer(vehicleGateway.url!);
    viewers.push(inVehicle);
    const a = (await inVehicle.request({ vehicle: 'veh-a' })) as AcceptedMessage;
    assert.equal(a.type, 'accepted', JSON.stringify(a));
    await inVehicle.waitForFrames(10, 20_000);
    const idle = await traffic(hub, leaf, 3_000);
    t.diagnostic(`3 s, no hub viewer: host published ${kb(idle.publishedOnLeaf)} on the leaf; the link carried ${kb(idle.toHub)} (${idle.toHubMsgs} msgs) to the hub, ${kb(idle.toVehicle)} to the vehicle`);
    assert.ok(idle.publishedOnLeaf > 500_000, 'frames are published in the vehicle');
    // Discovery answers and nothing else: far below one frame a second (a frame is tens of kB).
    assert.ok(idle.toHub < 30_000, `${kb(idle.toHub)} crossed to the hub`);
  });

  test('a viewer on the hub gateway gets veh-a; frames cross the link only while it watches', async (t) => {
    const v = new TestViewer(hubGateway.url!);
    viewers.push(v);
    const a = (await v.request({ vehicle: 'veh-a' })) as AcceptedMessage;
    assert.equal(a.type, 'accepted', JSON.stringify(a));
    assert.equal(a.instance, 'veh-a/reversing');
    await v.waitForFrames(20, 20_000);
    const watching = await traffic(hub, leaf, 3_000);
    t.diagnostic(`3 s, a hub viewer: the link carried ${kb(watching.toHub)} (${watching.toHubMsgs} msgs) to the hub, ${kb(watching.toVehicle)} to the vehicle`);
    assert.ok(watching.toHub > 500_000, `${kb(watching.toHub)} crossed while watching`);

    v.close();
    // The gateway closes the stream (or its lease runs out): the link goes quiet again.
    await until('the link to go quiet', 15_000, async () => (await traffic(hub, leaf, 1_000)).toHub < 10_000);
    const after = await traffic(hub, leaf, 3_000);
    t.diagnostic(`3 s after the hub viewer left: ${kb(after.toHub)} (${after.toHubMsgs} msgs) to the hub`);
    assert.ok(after.toHub < 30_000, `${kb(after.toHub)} crossed after the viewer left`);
  });
});
