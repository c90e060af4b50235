/**
 * /api/signals over real HTTP and WebSocket: a plain node http server with
 * the signals handlers (the Gateway wires the same functions), real fetch
 * and real ws clients.
 */
import { test, after, before } from 'node:test';
import assert from 'node:assert/strict';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { WebSocket } from 'ws';
import { DEFAULT_ROLES } from '../../src/config/defaults.js';
import { DeviceAuth } from '../../src/device/DeviceAuth.js';
import { SignalBus } from '../../src/signals/SignalBus.js';
import { SimulatorSource } from '../../src/signals/SimulatorSource.js';
import { handleSignalsHttp, MAX_SIGNALS_BODY_BYTES, SIGNALS_PATH, type SignalsHttpDeps } from '../../src/transport/signalsHttp.js';
import { SignalsWsTransport } from '../../src/transport/signalsWs.js';
import { VSS, type SignalsMessage, type SignalsServerMessage } from '../../src/wire/signals.js';

const TOKEN = 'cluster-token-0123456789';
const CONTROLLER_TOKEN = 'controller-token-0123456789';

interface Harness {
  url: string;
  bus: SignalBus;
  ws: SignalsWsTransport;
  close(): Promise<void>;
}

async function startHarness(opts: { anonymousLoopback?: boolean; source?: 'simulator' | 'can' } = {}): Promise<Harness> {
  const bus = new SignalBus({ staleAfterMs: 500 });
  const sim = new SimulatorSource(bus, { republishMs: 100 });
  if (opts.source !== 'can') await sim.start();
  const auth = new DeviceAuth({ anonymousLoopback: opts.anonymousLoopback ?? true, devices: [{ id: 'cluster', token: TOKEN, role: 'cluster' }, { id: 'sim', token: CONTROLLER_TOKEN, role: 'controller' }], roles: DEFAULT_ROLES });
  const deps: SignalsHttpDeps = { bus, auth, source: opts.source === 'can' ? { kind: 'can' } : sim };
  const ws = new SignalsWsTransport({ bus, auth });
  const server: Server = createServer((req, res) => {
    if (new URL(req.url ?? '/', 'http://x').pathname === SIGNALS_PATH) return void handleSignalsHttp(req, res, deps);
    res.writeHead(404).end();
  });
  server.on('upgrade', (req, socket, head) => ws.handleUpgrade(req, socket, head));
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const { port } = server.address() as AddressInfo;
  return {
    url: `http://127.0.0.1:${port}`,
    bus,
    ws,
    async close() {
      ws.close();
      await sim.stop();
      server.closeAllConnections();
      await new Promise<void>((resolve) => server.close(() => resolve()));
    },
  };
}

/** A ws client that records every message; `next(pred)` waits for one that matches. */
function connect(url: string): Promise<{ socket: WebSocket; messages: SignalsServerMessage[]; next(pred: (m: SignalsServerMessage) => boolean): Promise<SignalsServerMessage> }> {
  const socket = new WebSocket(url.replace(/^http/, 'ws'));
  const messages: SignalsServerMessage[] = [];
  const waiters: { pred: (m: SignalsServerMessage) => boolean; resolve: (m: SignalsServerMessage) => void }[] = [];
  let seen = 0;
  socket.on('message', (data) => {
    const m = JSON.parse(data.toString()) as SignalsServerMessage;
    messages.push(m);
    for (const w of [...waiters]) if (w.pred(m)) (waiters.splice(waiters.indexOf(w), 1), w.resolve(m));
  });
  const next = (pred: (m: SignalsServerMessage) => boolean) =>
    new Promise<SignalsServerMessage>((resolve) => {
      const found = messages.slice(seen).find(pred);
      if (found) {
        seen = messages.indexOf(found) + 1;
        return resolve(found);
      }
      waiters.push({ pred, resolve: (m) => ((seen = messages.indexOf(m) + 1), resolve(m)) });
    });
  return new Promise((resolve, reject) => {
    socket.once('open', () => resolve({ socket, messages, next }));
    socket.once('error', reject);
    socket.once('unexpected-response', (_req, res) => reject(new Error(`HTTP ${res.statusCode}`)));
  });
}

const post = (url: string, body: unknown, headers: Record<string, string> = {}) =>
  fetch(`${url}${SIGNALS_PATH}`, { method: 'POST', headers: { 'content-type': 'application/json', ...headers }, body: typeof body === 'string' ? body : JSON.stringify(body) });

const valueIn = (m: SignalsServerMessage, path: string) => (m.type === 'signals' ? m.samples.find((s) => s.path === path)?.value : undefined);

let h: Harness;
before(async () => {
  h = await startHarness();
});
after(async () => {
  await h.close();
});

test('WS: the first message is the full snapshot; a POST reaches connected displays', async () => {
  const client = await connect(`${h.url}${SIGNALS_PATH}`);
  try {
    const first = (await client.next(() => true)) as SignalsMessage;
    assert.equal(first.type, 'signals');
    assert.equal(first.full, true);
    assert.equal(valueIn(first, VSS.selectedGear), 126, 'the simulator starts parked');
    const res = await post(h.url, { gear: 'R', steeringDeg: 45.5, sensors: { innerLeft: 1.2 } });
    assert.equal(res.status, 200);
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const body = (await res.json()) as { samples: { path: string; value: number }[]; drive: string | null };
    assert.deepEqual(body.samples.map((s) => [s.path, s.value]), [
      [VSS.gear, -1],
      [VSS.selectedGear, -1],
      [VSS.steeringWheelAngle, 45.5],
      [VSS.rearSensor.innerLeft, 1.2],
    ]);
    const update = await client.next((m) => valueIn(m, VSS.gear) === -1);
    assert.equal(valueIn(update, VSS.steeringWheelAngle), 45.5);
    assert.equal((update as SignalsMessage).full, undefined, 'changes are not full snapshots');
  } finally {
    client.socket.close();
  }
});

test('GET answers the current values and which watched signals are stale', async () => {
  await post(h.url, { samples: [{ path: VSS.speed, value: 4.2 }] });
  const res = await fetch(`${h.url}${SIGNALS_PATH}`);
  assert.equal(res.status, 200);
  const body = (await res.json()) as { source: string; samples: { path: string; value: number }[]; stale: string[]; health: unknown[] };
  assert.equal(body.source, 'simulator');
  assert.equal(body.samples.find((s) => s.path === VSS.speed)?.value, 4.2);
  assert.deepEqual(body.stale, []);
  assert.equal(body.health.length, 6);
});

test('POST errors: coded, JSON, naming the field, and nothing applied', async () => {
  const before = h.bus.get(VSS.steeringWheelAngle)?.value;
  const cases: [unknown, Record<string, string>, number, string, RegExp][] = [
    ['{"gear":', {}, 400, 'BAD_REQUEST', /not valid JSON/],
    [{ gear: 'X' }, {}, 400, 'BAD_REQUEST', /\/gear/],
    [{ steeringDeg: 10 }, { 'content-type': 'text/plain' }, 400, 'BAD_REQUEST', /Content-Type must be application\/json/],
    [{ steeringDeg: 5000 }, {}, 422, 'SIGNAL_INVALID', /steeringDeg: .*5000 is outside/],
    [{ steeringDeg: 10, samples: [{ path: 'Vehicle.Body.Horn.IsActive', value: 1 }] }, {}, 422, 'SIGNAL_INVALID', /samples\[0\]: unknown signal path "Vehicle\.Body\.Horn\.IsActive"/],
    [{ samples: [{ path: VSS.speed, value: 1 }], pad: 'x'.repeat(MAX_SIGNALS_BODY_BYTES) }, {}, 413, 'MESSAGE_TOO_LARGE', /16384/],
  ];
  for (const [body, headers, status, code, pattern] of cases) {
    const res = await post(h.url, body, headers);
    assert.equal(res.status, status, JSON.stringify(body).slice(0, 80));
    assert.match(res.headers.get('content-type') ?? '', /application\/json/);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, code);
    assert.match(error.message, pattern);
  }
  assert.equal(h.bus.get(VSS.steeringWheelAngle)?.value, before, 'no refused request changed anything');
  const put = await fetch(`${h.url}${SIGNALS_PATH}`, { method: 'PUT', body: '{}' });
  assert.equal(put.status, 405);
  assert.equal(((await put.json()) as { error: { code: string } }).error.code, 'BAD_REQUEST');
});

test('POST can start and stop a scripted drive', async () => {
  const res = await post(h.url, { drive: 'park-left' });
  assert.equal(res.status, 200);
  assert.equal(((await res.json()) as { drive: string }).drive, 'park-left');
  const stop = await post(h.url, { drive: null });
  assert.equal(((await stop.json()) as { drive: string | null }).drive, null);
});

test('view commands reach every display, and one that connects later', async () => {
  const a = await connect(`${h.url}${SIGNALS_PATH}`);
  const b = await connect(`${h.url}${SIGNALS_PATH}`);
  try {
    await Promise.all([a.next(() => true), b.next(() => true)]);
    h.ws.broadcastView({ type: 'view', view: 'rear', reason: 'reverse gear engaged', stale: [] });
    const [va, vb] = await Promise.all([a.next((m) => m.type === 'view'), b.next((m) => m.type === 'view')]);
    assert.deepEqual(va, { type: 'view', view: 'rear', reason: 'reverse gear engaged', stale: [] });
    assert.deepEqual(vb, va);
    const late = await connect(`${h.url}${SIGNALS_PATH}`);
    try {
      await late.next((m) => m.type === 'view');
      assert.deepEqual(late.messages.slice(0, 2).map((m) => m.type), ['signals', 'view']);
    } finally {
      late.socket.close();
    }
  } finally {
    a.socket.close();
    b.socket.close();
  }
});

test('with anonymous loopback off, POST needs a controller token and WS a reader token', async () => {
  const strict = await startHarness({ anonymousLoopback: false });
  try {
    const noToken = await post(strict.url, { gear: 'R' });
    assert.equal(noToken.status, 401);
    assert.equal(((await noToken.json()) as { error: { code: string } }).error.code, 'UNAUTHORIZED');
    const withToken = await post(strict.url, { gear: 'R' }, { authorization: `Bearer ${CONTROLLER_TOKEN}` });
    assert.equal(withToken.status, 200);
    const cluster = await post(strict.url, { gear: 'R' }, { authorization: `Bearer ${TOKEN}` });
    assert.equal(cluster.status, 403, 'a cluster reads signals but may not write them');
    await assert.rejects(connect(`${strict.url}${SIGNALS_PATH}`), /HTTP 401/);
    const ok = await connect(`${strict.url}${SIGNALS_PATH}?token=${TOKEN}`);
    const first = await ok.next(() => true);
    assert.equal(valueIn(first, VSS.gear), -1);
    ok.socket.close();
  } finally {
    await strict.close();
  }
});

test('with the can source, POST is refused: the vehicle sets the signals', async () => {
  const can = await startHarness({ source: 'can' });
  try {
    const res = await post(can.url, { gear: 'R' });
    assert.equal(res.status, 405);
    const { error } = (await res.json()) as { error: { code: string; message: string } };
    assert.equal(error.code, 'BAD_REQUEST');
    assert.match(error.message, /can source.*signals\.source: simulator/);
    assert.equal(can.bus.get(VSS.gear), undefined);
  } finally {
    await can.close();
  }
});
