/**
 * Role policies on a fleet gateway read the vehicle they protect (issue 17 §5,
 * docs/security.md "Roles"): a real nats-server, `revcam host` for veh-a and
 * veh-b, and a `revcam gateway` (no vehicle of its own) with a `phone` device
 * and controllers. veh-a parked with consent lets the phone stream veh-a;
 * veh-a driving ends that stream with FORBIDDEN and refuses new requests;
 * veh-b's signals never decide for veh-a; signal writes stay within a role's
 * vehicles.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { startGateway, startHost, startNatsServer, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { until } from '../helpers/until.js';
import { TestViewer } from '../helpers/viewer.js';

const PHONE = 'phone-token-0123456789abcdef';
const CONTROLLER = 'controller-token-0123456789abcdef';
const CONTROLLER_A = 'controller-a-token-0123456789abcdef';

async function post(url: string, vehicle: string, token: string, body: unknown): Promise<{ status: number; code?: string }> {
  const res = await fetch(`${url}/api/signals?vehicle=${vehicle}`, { method: 'POST', headers: { 'content-type': 'application/json', authorization: `Bearer ${token}` }, body: JSON.stringify(body) });
  const json = (await res.json()) as { error?: { code: string } };
  return { status: res.status, ...(json.error && { code: json.error.code }) };
}

const PARKED_WITH_CONSENT = { gear: 'P', speedKmh: 0, samples: [{ path: 'Vehicle.Private.Revcam.RemoteViewConsent', value: 1 }] };
const DRIVING = { gear: 'D', speedKmh: 20 };

describe('role policies on a gateway read the streamed vehicle\'s signals', { skip: !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false }, () => {
  let nats: NatsServer;
  let gateway: RevcamProcess;
  const started: RevcamProcess[] = [];
  const viewers: TestViewer[] = [];

  const phoneViewer = async (vehicle: string | undefined) => {
    const v = new TestViewer(gateway.url!);
    viewers.push(v);
    const reply = await v.request({ token: PHONE, ...(vehicle !== undefined && { vehicle }) });
    return { v, reply };
  };

  before(async () => {
    nats = await startNatsServer();
    const dir = mkdtempSync(join(tmpdir(), 'revcam-natspolicy-'));
    const hostConfig = join(dir, 'host.yaml');
    writeFileSync(hostConfig, 'signals:\n  simulator: { initialGear: P }\nservices:\n  - { manifest: "builtin:reversing", standby: cold }\n');
    const gatewayConfig = join(dir, 'gateway.yaml');
    writeFileSync(
      gatewayConfig,
      [
        'auth:',
        '  anonymousLoopback: false',
        '  devices:',
        `    - { id: phone-1, role: phone, token: ${PHONE} }`,
        `    - { id: ctl, role: controller, token: ${CONTROLLER} }`,
        `    - { id: ctl-a, role: fleet-a, token: ${CONTROLLER_A} }`,
        '  roles:',
        '    fleet-a: { writeSignals: true, vehicles: [veh-a] }',
        '',
      ].join('\n'),
    );
    const hosts = await Promise.allSettled([startHost(nats.url, 'veh-a', ['--config', hostConfig]), startHost(nats.url, 'veh-b', ['--config', hostConfig])]);
    for (const h of hosts) if (h.status === 'fulfilled') started.push(h.value);
    for (const h of hosts) if (h.status === 'rejected') throw h.reason;
    // --vehicle veh-a: a request naming no vehicle gets veh-a, and its policy must read veh-a's signals too.
    gateway = await startGateway(nats.url, ['--config', gatewayConfig, '--vehicle', 'veh-a']);
    started.push(gateway);
    for (const v of ['veh-a', 'veh-b']) {
      await until(`the gateway to follow ${v}`, 15_000, async () => (await fetch(`${gateway.url}/api/signals?vehicle=${v}`, { headers: { authorization: `Bearer ${CONTROLLER}` } })).status === 200);
    }
  });

  after(async () => {
    for (const v of viewers) v.close();
    await Promise.all(started.map((p) => p.kill()));
    await nats?.stop();
  });

  test('veh-a parked with consent (set through the gateway): the phone streams veh-a', async () => {
    assert.equal((await post(gateway.url!, 'veh-a', CONTROLLER, PARKED_WITH_CONSENT)).status, 200);
    const { v, reply } = await phoneViewer('veh-a');
    assert.equal(reply.type, 'accepted', JSON.stringify(reply));
    await v.waitForFrames(10);
  });

  test('veh-b driving decides nothing for veh-a: the phone on veh-a keeps streaming', async () => {
    const { v, reply } = await phoneViewer('veh-a');
    assert.equal(reply.type, 'accepted', JSON.stringify(reply));
    assert.equal((await post(gateway.url!, 'veh-b', CONTROLLER, DRIVING)).status, 200);
    // Long enough for veh-b's change to reach the gateway and for several policy sweeps.
    await v.waitForFrames(30);
    assert.equal(v.closeCode, undefined, 'veh-a viewer still open');
    const onB = await phoneViewer('veh-b');
    assert.equal(onB.reply.type, 'error', 'while veh-b drives, veh-b is refused');
    assert.equal(onB.reply.type === 'error' && onB.reply.code, 'FORBIDDEN');
  });

  test('veh-a put in D at 20 km/h: the phone\'s stream ends with FORBIDDEN at once, and a new request is refused', async () => {
    const { v, reply } = await phoneViewer('veh-a');
    assert.equal(reply.type, 'accepted', JSON.stringify(reply));
    const unnamed = await phoneViewer(undefined);
    assert.equal(unnamed.reply.type, 'accepted', 'a request naming no vehicle gets veh-a (the default) and its policy holds on veh-a');
    await v.waitForFrames(3);
    const t0 = performance.now();
    assert.equal((await post(gateway.url!, 'veh-a', CONTROLLER, DRIVING)).status, 200);
    const err = await v.waitFor(() => v.messages.find((m) => m.type === 'error'), 'the FORBIDDEN error', 5_000);
    const endedMs = performance.now() - t0;
    assert.equal(err.type === 'error' && err.code, 'FORBIDDEN');
    assert.match(err.type === 'error' ? err.message : '', /parked.*"veh-a"/);
    await v.waitFor(() => v.closeCode !== undefined, 'the close');
    await unnamed.v.waitFor(() => unnamed.v.closeCode !== undefined, 'the close of the unnamed request');
    // The issue asks for 500 ms; the change travels POST → bus → host → bus → gateway, then one sweep.
    console.log(`# veh-a into D → phone stream ended in ${endedMs.toFixed(0)} ms`);
    assert.ok(endedMs < 500, `ended after ${endedMs.toFixed(0)} ms`);
    // veh-b parked with consent must not let the phone onto a driving veh-a.
    assert.equal((await post(gateway.url!, 'veh-b', CONTROLLER, PARKED_WITH_CONSENT)).status, 200);
    const again = await phoneViewer('veh-a');
    assert.equal(again.reply.type === 'error' && again.reply.code, 'FORBIDDEN', JSON.stringify(again.reply));
    const defaulted = await phoneViewer(undefined);
    assert.equal(defaulted.reply.type === 'error' && defaulted.reply.code, 'FORBIDDEN', 'the default vehicle veh-a drives: refused, whatever the gateway itself knows');
  });

  test('signal writes are confined to the role\'s vehicles', async () => {
    assert.equal((await post(gateway.url!, 'veh-a', CONTROLLER_A, PARKED_WITH_CONSENT)).status, 200);
    const refused = await post(gateway.url!, 'veh-b', CONTROLLER_A, DRIVING);
    assert.deepEqual(refused, { status: 403, code: 'FORBIDDEN' });
    assert.equal((await post(gateway.url!, 'veh-a', PHONE, DRIVING)).code, 'FORBIDDEN', 'a phone writes no signals');
  });

  test('the gateway simulates no vehicle of its own; --simulate gives it one', async () => {
    const plain = await startGateway(nats.url);
    started.push(plain);
    const own = (await (await fetch(`${plain.url}/api/signals`)).json()) as { source: string | null; samples: unknown[] };
    assert.deepEqual({ source: own.source, samples: own.samples }, { source: 'none', samples: [] });
    const simulating = await startGateway(nats.url, ['--simulate']);
    started.push(simulating);
    const sim = (await (await fetch(`${simulating.url}/api/signals`)).json()) as { source: string | null; samples: unknown[] };
    assert.equal(sim.source, 'simulator');
    assert.ok(sim.samples.length > 0);
  });
});
