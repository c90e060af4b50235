/** The per-client pacing of SignalsWsTransport, with a stand-in socket whose backlog the test controls. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_ROLES } from '../../../src/config/defaults.js';
import { DeviceAuth } from '../../../src/device/DeviceAuth.js';
import { SignalBus } from '../../../src/signals/SignalBus.js';
import { SignalsWsTransport, type SignalsSocket } from '../../../src/transport/signalsWs.js';
import { VSS, type SignalsServerMessage } from '../../../src/wire/signals.js';

class FakeSocket implements SignalsSocket {
  readonly OPEN = 1;
  readyState = 1;
  bufferedAmount = 0;
  sent: SignalsServerMessage[] = [];
  #handlers = new Map<string, () => void>();
  send(data: string): void {
    this.sent.push(JSON.parse(data) as SignalsServerMessage);
  }
  on(event: string, fn: () => void): this {
    this.#handlers.set(event, fn);
    return this;
  }
  terminate(): void {
    this.readyState = 3;
    this.#handlers.get('close')?.();
  }
}

async function until(check: () => boolean, what: string): Promise<void> {
  const end = Date.now() + 10_000;
  while (!check()) {
    if (Date.now() > end) throw new Error(`timed out waiting for ${what}`);
    await new Promise((r) => setTimeout(r, 5));
  }
}

function setup() {
  const bus = new SignalBus({ staleAfterMs: 500 });
  const transport = new SignalsWsTransport({ bus, auth: new DeviceAuth({ anonymousLoopback: true, devices: [], roles: DEFAULT_ROLES }), maxMessagesPerSecond: 200, maxBufferedBytes: 1000 });
  return { bus, transport };
}

test('a new client gets the full snapshot first, then changes coalesced into one message per burst', async () => {
  const { bus, transport } = setup();
  bus.set([{ path: VSS.gear, value: 0 }]);
  const ws = new FakeSocket();
  transport.addClient(ws);
  assert.deepEqual(ws.sent, [{ type: 'signals', samples: [bus.get(VSS.gear)], full: true }]);
  for (let deg = 0; deg < 200; deg++) bus.set([{ path: VSS.steeringWheelAngle, value: deg }]);
  await until(() => ws.sent.length === 2, 'the coalesced change');
  const msg = ws.sent[1]!;
  assert.equal(msg.type, 'signals');
  assert.deepEqual(msg.type === 'signals' && msg.samples.map((s) => [s.path, s.value]), [[VSS.steeringWheelAngle, 199]], 'only the latest value per path');
  transport.close();
});

test('a backed-up client is skipped, keeps no backlog, and gets one fresh snapshot when it drains', async () => {
  const { bus, transport } = setup();
  const slow = new FakeSocket();
  const fast = new FakeSocket();
  transport.addClient(slow);
  transport.addClient(fast);
  slow.bufferedAmount = 5000;
  for (let i = 1; i <= 5; i++) {
    bus.set([{ path: VSS.speed, value: i }]);
    await until(() => fast.sent.length === 1 + i, `fast client change ${i}`);
  }
  assert.equal(slow.sent.length, 1, 'nothing more was queued for the backed-up client');
  assert.equal(transport.skipped, 1);
  transport.broadcastView({ type: 'view', view: 'rear', reason: 'reverse gear engaged', stale: [] });
  assert.equal(fast.sent.at(-1)?.type, 'view', 'views go out at once to clients that keep up');
  assert.equal(slow.sent.length, 1);
  slow.bufferedAmount = 0;
  await until(() => slow.sent.length === 3, 'the catch-up');
  assert.deepEqual(slow.sent[1], { type: 'view', view: 'rear', reason: 'reverse gear engaged', stale: [] });
  assert.deepEqual(slow.sent[2], { type: 'signals', samples: bus.snapshot(), full: true });
  transport.close();
});

test('a client that connects after a view command gets it right after the snapshot; closed clients get nothing', async () => {
  const { bus, transport } = setup();
  transport.broadcastView({ type: 'view', view: 'rear', reason: 'reverse gear engaged', stale: [VSS.gear] });
  const late = new FakeSocket();
  transport.addClient(late);
  assert.deepEqual(late.sent.map((m) => m.type), ['signals', 'view']);
  assert.equal(transport.clientCount, 1);
  late.terminate();
  assert.equal(transport.clientCount, 0);
  bus.set([{ path: VSS.gear, value: -1 }]);
  await new Promise((r) => setTimeout(r, 20));
  assert.equal(late.sent.length, 2);
  transport.close();
});
