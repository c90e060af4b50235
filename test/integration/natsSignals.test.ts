/**
 * Vehicle signals on a real NATS bus (docs/distributed.md, "Signals"): a real
 * nats-server, `revcam host` for veh-a and veh-b (simulator) and veh-c (CAN
 * log replay), one `revcam gateway`, each its own process. Reverse gear set
 * for veh-a through the gateway brings veh-a's rear view to the displays
 * watching veh-a, and to nobody else.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect as natsConnect } from '@nats-io/transport-node';
import { WebSocket } from 'ws';
import { startGateway, startHost, startNatsServer, startRevcamCommand, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { VSS, type SignalSample, type SignalsServerMessage } from '../../src/wire/signals.js';
import { until } from '../helpers/until.js';

interface SignalsGet {
  vehicle?: string;
  source: string | null;
  samples: SignalSample[];
  stale: string[];
}

interface ErrorBody {
  error: { code: string; message: string };
}

const query = (vehicle: string | undefined) => (vehicle === undefined ? '' : `?vehicle=${encodeURIComponent(vehicle)}`);

async function getSignals(url: string, vehicle?: string): Promise<{ status: number; body: SignalsGet & Partial<ErrorBody> }> {
  const res = await fetch(`${url}/api/signals${query(vehicle)}`);
  return { status: res.status, body: (await res.json()) as SignalsGet & Partial<ErrorBody> };
}

async function post(url: string, vehicle: string | undefined, body: unknown): Promise<{ status: number; allow: string | null; body: { samples?: SignalSample[] } & Partial<ErrorBody> }> {
  const res = await fetch(`${url}/api/signals${query(vehicle)}`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
  return { status: res.status, allow: res.headers.get('allow'), body: (await res.json()) as { samples?: SignalSample[] } & Partial<ErrorBody> };
}

const valueOf = (samples: SignalSample[] | undefined, path: string) => samples?.find((s) => s.path === path)?.value;

/** A display's /api/signals socket: every message it was sent. */
class SignalsSocket {
  readonly ws: WebSocket;
  readonly messages: SignalsServerMessage[] = [];
  readonly opened: Promise<void>;
  #waiters: (() => void)[] = [];

  constructor(url: string, vehicle?: string) {
    this.ws = new WebSocket(`${url.replace(/^http/, 'ws')}/api/signals${query(vehicle)}`);
    this.opened = new Promise((resolve, reject) => {
      this.ws.once('open', () => resolve());
      this.ws.once('unexpected-response', (_req, res) => reject(Object.assign(new Error(`HTTP ${res.statusCode}`), { status: res.statusCode })));
      this.ws.once('error', reject);
    });
    this.ws.on('message', (data) => {
      this.messages.push(JSON.parse(data.toString()) as SignalsServerMessage);
      for (const w of this.#waiters.splice(0)) w();
    });
  }

  views(): string[] {
    return this.messages.flatMap((m) => (m.type === 'view' ? [m.view] : []));
  }

  /** The latest value of `path` this display was told. */
  latest(path: string): unknown {
    for (let i = this.messages.length - 1; i >= 0; i--) {
      const m = this.messages[i]!;
      if (m.type === 'signals') {
        const v = valueOf(m.samples, path);
        if (v !== undefined) return v;
      }
    }
    return undefined;
  }

  waitFor(what: string, ok: () => boolean, timeoutMs = 15_000): Promise<void> {
    return new Promise((resolve, reject) => {
      const timer = setTimeout(() => reject(new Error(`timed out waiting for ${what}; messages: ${JSON.stringify(this.messages.slice(-5))}`)), timeoutMs);
      const check = () => {
        if (ok()) {
          clearTimeout(timer);
          resolve();
        } else this.#waiters.push(check);
      };
      check();
    });
  }

  close(): void {
    this.ws.terminate();
  }
}

async function framesIn(url: string, instance: string): Promise<number> {
  const text = await (await fetch(`${url}/metrics`)).text();
  let n = 0;
  for (const line of text.split('\n')) if (line.startsWith('revcam_frames_in_total{') && line.includes(`stream="${instance}/`)) n += Number(line.split(' ').at(-1));
  return n;
}

describe('vehicle signals on a real nats-server: two simulator hosts, a CAN host, one gateway', { skip: !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false }, () => {
  let nats: NatsServer;
  let hostC: RevcamProcess | undefined;
  let gateway: RevcamProcess;
  let parked: string;
  const sockets: SignalsSocket[] = [];
  /** Every process started, killed in after() even when another failed to start. */
  const started: RevcamProcess[] = [];

  async function startAll(starts: Promise<RevcamProcess>[]): Promise<RevcamProcess[]> {
    const settled = await Promise.allSettled(starts);
    for (const s of settled) if (s.status === 'fulfilled') started.push(s.value);
    const failed = settled.find((s): s is PromiseRejectedResult => s.status === 'rejected');
    if (failed) throw failed.reason;
    return settled.map((s) => (s as PromiseFulfilledResult<RevcamProcess>).value);
  }

  before(async () => {
    nats = await startNatsServer();
    const dir = mkdtempSync(join(tmpdir(), 'revcam-natssignals-'));
    // veh-c: signals from the example CAN log (the vehicle sets them: no POST); one service is enough.
    const canConfig = join(dir, 'can.yaml');
    writeFileSync(canConfig, 'signals:\n  source: can\nservices:\n  - { manifest: "builtin:reversing", standby: cold }\n');
    // The simulators start parked (the built-in default is R), and leaving reverse ends the view soon.
    parked = join(dir, 'parked.yaml');
    // One cold service per host: nothing runs until a stream is asked for (a light start on a busy machine).
    writeFileSync(parked, 'signals:\n  simulator: { initialGear: P }\nreverse:\n  holdMs: 300\nservices:\n  - { manifest: "builtin:reversing", standby: cold }\n');
    [, , hostC] = await startAll([
      startHost(nats.url, 'veh-a', ['--config', parked]),
      startHost(nats.url, 'veh-b', ['--config', parked]),
      startHost(nats.url, 'veh-c', ['--config', canConfig]),
      // veh-d: services only; its signals belong to another (absent) host of the vehicle.
      startHost(nats.url, 'veh-d', ['--config', canConfig, '--no-signals']),
    ]);
    // --simulate: the gateway's own signals are the reference a forwarded POST's answers are compared with.
    [gateway] = await startAll([startGateway(nats.url, ['--config', parked, '--simulate'])]);
    // Discovery polls every second: wait until the gateway follows all three vehicles.
    for (const v of ['veh-a', 'veh-b', 'veh-c', 'veh-d']) await until(`the gateway to follow ${v}'s signals`, 15_000, async () => (await getSignals(gateway.url!, v)).status === 200);
  });

  after(async () => {
    for (const s of sockets) s.close();
    await Promise.all(started.map((p) => p.kill()));
    await nats?.stop();
  });

  /** The vehicle's gear sample at the gateway is re-stamped (newer samples keep arriving). */
  async function sampleFlow(vehicle: string): Promise<void> {
    const stamp = async () => (await getSignals(gateway.url!, vehicle)).body.samples.find((s) => s.path === VSS.gear)?.timestampUs ?? 0;
    const first = await stamp();
    await until(`newer ${vehicle} samples`, 10_000, async () => (await stamp()) > first);
  }

  test("GET /api/signals?vehicle=veh-a: veh-a's own values, fresh, from its host", async () => {
    const { status, body } = await until('fresh veh-a signals', 10_000, async () => {
      const r = await getSignals(gateway.url!, 'veh-a');
      return r.body.stale?.length === 0 && r;
    });
    assert.equal(status, 200);
    assert.equal(body.vehicle, 'veh-a');
    assert.equal(body.source, 'remote');
    assert.equal(valueOf(body.samples, VSS.gear), 0, 'the host simulator starts parked');
    assert.equal(valueOf(body.samples, VSS.selectedGear), 126);
    // Samples keep flowing (the host re-publishes them, newly stamped), not one snapshot.
    await sampleFlow('veh-a');
  });

  test('the gateway subscribes per vehicle (revcam.v1.<vehicle>.vss.>), never with a wildcard over vehicles (nats-server /connz)', async () => {
    const res = await fetch(`${nats.monitorUrl}/connz?subs=1`);
    const conns = ((await res.json()) as { connections: Array<{ name?: string; subscriptions_list?: string[] }> }).connections;
    const gw = conns.filter((c) => c.name === 'revcam gateway');
    assert.equal(gw.length, 1);
    const subs = gw[0]!.subscriptions_list ?? [];
    for (const v of ['veh-a', 'veh-b', 'veh-c']) assert.ok(subs.includes(`revcam.v1.${v}.vss.>`), `${v}: ${subs.join(' ')}`);
    const overVehicles = subs.filter((s) => /^revcam\.v1\.(\*|>)/.test(s) || s === '>');
    assert.deepEqual(overVehicles, []);
  });

  test("reverse gear POSTed for veh-a through the gateway: veh-a's displays get the rear view and gear R, veh-b's do not", async (t) => {
    const a = new SignalsSocket(gateway.url!, 'veh-a');
    const b = new SignalsSocket(gateway.url!, 'veh-b');
    const local = new SignalsSocket(gateway.url!);
    sockets.push(a, b, local);
    await Promise.all([a.opened, b.opened, local.opened]);
    await a.waitFor('veh-a view none at connect', () => a.views().at(-1) === 'none');
    await b.waitFor('veh-b view none at connect', () => b.views().at(-1) === 'none');
    const framesBefore = await framesIn(gateway.url!, 'veh-b/reversing');

    const posted = performance.now();
    const r = await post(gateway.url!, 'veh-a', { gear: 'R' });
    const answered = performance.now();
    assert.equal(r.status, 200, JSON.stringify(r.body));
    assert.equal(valueOf(r.body.samples, VSS.gear), -1, 'the answer is what the host stored');

    await a.waitFor('the rear view on veh-a', () => a.views().includes('rear'));
    // A diagnostic, not a benchmark: POST → gateway → host → bus → gateway → display.
    t.diagnostic(`POST answered in ${(answered - posted).toFixed(1)} ms; view rear on the veh-a socket ${(performance.now() - posted).toFixed(1)} ms after the POST`);
    await a.waitFor('gear R on veh-a', () => a.latest(VSS.gear) === -1);
    // The gateway's reverse policy for veh-a holds veh-a's rear camera: frames arrive from veh-a's host.
    await until("veh-a's rear frames at the gateway", 15_000, async () => (await framesIn(gateway.url!, 'veh-a/reversing')) > 0);

    // Meanwhile veh-b's displays never got a rear view or reverse gear (a second more to be sure).
    await new Promise((r) => setTimeout(r, 1_000));
    assert.deepEqual(b.views(), ['none'], 'veh-b got no view change');
    assert.equal(b.latest(VSS.gear), 0);
    assert.equal(valueOf((await getSignals(gateway.url!, 'veh-b')).body.samples, VSS.gear), 0, "veh-b's signals are untouched");
    assert.equal(await framesIn(gateway.url!, 'veh-b/reversing'), framesBefore, "veh-b's camera was not opened");
    // And the gateway's own (local) signals, which a request without vehicle= gets, are untouched too.
    assert.ok(!local.views().includes('rear'), 'the local displays got no rear view');
    assert.equal(valueOf((await getSignals(gateway.url!)).body.samples, VSS.gear), 0);

    // Out of reverse: the view ends on veh-a after the hold time.
    assert.equal((await post(gateway.url!, 'veh-a', { gear: 'D' })).status, 200);
    await a.waitFor('the view to end on veh-a', () => a.views().at(-1) === 'none', 20_000);
  });

  test("a bad sample for veh-a gets the local POST's status, code and message; nothing is applied", async () => {
    for (const body of [{ steeringDeg: 2000 }, { gear: 'X' }, { samples: [{ path: 'Vehicle.Nope', value: 1 }] }]) {
      const remote = await post(gateway.url!, 'veh-a', body);
      const local = await post(gateway.url!, undefined, body);
      assert.ok(remote.status === 422 || remote.status === 400, `${JSON.stringify(body)} → ${remote.status}`);
      assert.deepEqual({ status: remote.status, error: remote.body.error }, { status: local.status, error: local.body.error }, JSON.stringify(body));
    }
    assert.notEqual(valueOf((await getSignals(gateway.url!, 'veh-a')).body.samples, VSS.steeringWheelAngle), 2000);

    // The host checks again whatever reaches its input on the bus (not only what a gateway checked).
    const nc = await natsConnect({ servers: nats.url });
    try {
      const ask = async (body: string) => (await nc.request('revcam.v1.veh-a.signals.set', body, { timeout: 5_000 })).json<{ ok: boolean; code?: string; status?: number }>();
      assert.deepEqual(await ask(JSON.stringify({ steeringDeg: 2000 })), { ...(await ask(JSON.stringify({ steeringDeg: 2000 }))), ok: false, code: 'SIGNAL_INVALID', status: 422 });
      assert.equal((await ask('not json')).code, 'BAD_REQUEST');
      assert.equal((await ask(JSON.stringify({ gear: 'R', extra: 1 }))).code, 'BAD_REQUEST');
    } finally {
      await nc.close();
    }
  });

  test('a CAN host publishes its decoded signals too, and refuses a forwarded POST as it does locally (405 BAD_REQUEST, Allow: GET, HEAD)', async () => {
    const c = await until("veh-c's CAN values at the gateway", 15_000, async () => {
      const r = await getSignals(gateway.url!, 'veh-c');
      return valueOf(r.body.samples, VSS.gear) !== undefined && r;
    });
    assert.equal(c.body.source, 'remote');
    const r = await post(gateway.url!, 'veh-c', { gear: 'R' });
    assert.equal(r.status, 405);
    assert.equal(r.allow, 'GET, HEAD');
    assert.equal(r.body.error?.code, 'BAD_REQUEST');
    assert.match(r.body.error?.message ?? '', /can source/);
  });

  test('a host started with --no-signals publishes none and takes no input: its vehicle is followed but silent, a POST gets SERVICE_FAILED', async () => {
    const { status, body } = await getSignals(gateway.url!, 'veh-d');
    assert.equal(status, 200);
    assert.deepEqual(body.samples, []);
    assert.ok(body.stale.includes(VSS.gear), 'every watched signal is missing');
    const r = await post(gateway.url!, 'veh-d', { gear: 'R' });
    assert.equal(r.status, 503);
    assert.equal(r.body.error?.code, 'SERVICE_FAILED');
    assert.match(r.body.error?.message ?? '', /veh-d did not answer/);
  });

  test('an unknown vehicle is refused with NOT_FOUND (GET, POST, WebSocket); a malformed name with BAD_REQUEST', async () => {
    const g = await getSignals(gateway.url!, 'veh-z');
    assert.equal(g.status, 404);
    assert.equal(g.body.error?.code, 'NOT_FOUND');
    assert.match(g.body.error?.message ?? '', /veh-z.*veh-a, veh-b, veh-c, veh-d/);
    const p = await post(gateway.url!, 'veh-z', { gear: 'R' });
    assert.equal(p.status, 404);
    assert.equal(p.body.error?.code, 'NOT_FOUND');
    const s = new SignalsSocket(gateway.url!, 'veh-z');
    await assert.rejects(s.opened, (err: Error & { status?: number }) => err.status === 404);
    s.close();
    assert.equal((await getSignals(gateway.url!, 'Veh_A')).body.error?.code, 'BAD_REQUEST');
  });

  test('malformed messages on a vehicle signal subject are logged and dropped, never applied; the gateway keeps going', async () => {
    const nc = await natsConnect({ servers: nats.url });
    try {
      nc.publish(`revcam.v1.veh-b.vss.${VSS.speed}`, 'garbage');
      nc.publish(`revcam.v1.veh-b.vss.${VSS.speed}`, JSON.stringify({ value: 9999, timestampUs: Date.now() * 1000 }));
      nc.publish(`revcam.v1.veh-b.vss.${VSS.speed}`, JSON.stringify({ value: '7', timestampUs: 1 }));
      nc.publish('revcam.v1.veh-b.vss.Vehicle.Nope', JSON.stringify({ value: 1, timestampUs: 1 }));
      nc.publish(`revcam.v1.veh-b.vss.${VSS.gear}`, JSON.stringify({ value: -1 }));
      await nc.flush();
    } finally {
      await nc.close();
    }
    await until('the gateway to log the dropped message', 10_000, async () => /bad signal message on the bus dropped/.test(gateway.output()));
    const { body } = await getSignals(gateway.url!, 'veh-b');
    assert.equal(valueOf(body.samples, VSS.speed), 0);
    assert.equal(valueOf(body.samples, VSS.gear), 0);
    await sampleFlow('veh-b'); // the good samples keep flowing
    assert.equal(gateway.child.exitCode, null);
  });

  test('revcam serve --nats --vehicle veh-s: its own signals are local (with or without vehicle=), it follows the others, and publishes its own', async () => {
    const serve = await startRevcamCommand(['serve', '--nats', nats.url, '--vehicle', 'veh-s', '--port', '0', '--config', parked], /display at (http:\/\/[^\s/]+)\//);
    try {
      for (const v of [undefined, 'veh-s']) {
        const { status, body } = await getSignals(serve.url!, v);
        assert.equal(status, 200);
        assert.equal(body.vehicle, 'veh-s');
        assert.equal(body.source, 'simulator', 'its own source, not a copy from the bus');
      }
      assert.equal((await post(serve.url!, 'veh-s', { gear: 'R' })).status, 200);
      assert.equal(valueOf((await getSignals(serve.url!)).body.samples, VSS.gear), -1, 'vehicle=veh-s is the same local bus');
      // It follows the other vehicles like a gateway...
      await until('serve to follow veh-a', 15_000, async () => (await getSignals(serve.url!, 'veh-a')).body.source === 'remote');
      // ...and a plain gateway follows veh-s from what serve publishes.
      await until("the gateway to see veh-s's reverse gear", 15_000, async () => valueOf((await getSignals(gateway.url!, 'veh-s')).body.samples, VSS.gear) === -1);
    } finally {
      await serve.kill();
    }
  });

  test("a host that leaves takes its vehicle's signals with it (NOT_FOUND once discovery forgets it)", async () => {
    await hostC!.kill('SIGKILL');
    await until('veh-c to be forgotten', 15_000, async () => (await getSignals(gateway.url!, 'veh-c')).status === 404);
    assert.equal((await getSignals(gateway.url!, 'veh-a')).status, 200, 'the others stay');
  });
});
