/**
 * /api/signals by vehicle: which signals a `?vehicle=` gets, and that a remote
 * vehicle's reverse gear holds that vehicle's rear stream and tells only the
 * displays of that vehicle.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { VehicleSignals, type SignalsEndpoint } from '../../../src/app/VehicleSignals.js';
import { loadConfig } from '../../../src/config/loadConfig.js';
import { DeviceAuth } from '../../../src/device/DeviceAuth.js';
import { RevcamError } from '../../../src/errors/RevcamError.js';
import { createLogger } from '../../../src/log/logger.js';
import type { MatchRequest } from '../../../src/registry/Registry.js';
import { SignalBus } from '../../../src/signals/SignalBus.js';
import { vehicleInputSamples } from '../../../src/signals/vehicleInput.js';
import type { SignalsSocket } from '../../../src/transport/signalsWs.js';
import { SignalsWsTransport } from '../../../src/transport/signalsWs.js';
import type { SignalsServerMessage } from '../../../src/wire/signals.js';

const config = loadConfig({ raw: { log: { level: 'silent' } } });
const log = createLogger('silent');

/** A display socket stand-in (the transport's documented seam): records what it is sent. */
function display(): SignalsSocket & { sent: SignalsServerMessage[] } {
  const sent: SignalsServerMessage[] = [];
  return { readyState: 1, OPEN: 1, bufferedAmount: 0, sent, send: (d: string) => void sent.push(JSON.parse(d) as SignalsServerMessage), on: () => undefined, terminate: () => undefined };
}

function setup(ownVehicle?: string, defaultVehicle?: string) {
  const auth = new DeviceAuth(config.auth, { log });
  const bus = new SignalBus({ staleAfterMs: 500 });
  const local: SignalsEndpoint = { http: { bus, auth }, ws: new SignalsWsTransport({ bus, auth }) };
  const held: MatchRequest[] = [];
  const vs = new VehicleSignals({ config, auth, log, local, ownVehicle, defaultVehicle, hold: async (req) => (held.push(req), () => undefined) });
  const forward = async () => ({ ok: true as const, samples: [], drive: null });
  return { vs, local, held, forward };
}

const code = (fn: () => unknown) => {
  try {
    fn();
  } catch (err) {
    return (err as RevcamError).code;
  }
  return 'no error';
};

test('no vehicle, or the process\'s own, is the local signals; a remote one its own; others are refused', () => {
  const { vs, local, forward } = setup('veh-own');
  assert.equal(vs.resolve(null), local);
  assert.equal(vs.resolve('veh-own'), local);
  assert.equal(code(() => vs.resolve('veh-a')), 'NOT_FOUND');
  assert.equal(code(() => vs.resolve('Veh_A')), 'BAD_REQUEST');
  assert.equal(code(() => vs.resolve('')), 'BAD_REQUEST');
  const a = vs.addRemote('veh-a', forward);
  const ep = vs.resolve('veh-a');
  assert.notEqual(ep, local);
  assert.equal(ep.http.bus, a.bus);
  assert.equal(ep.http.vehicle, 'veh-a');
  assert.equal(ep.http.forward, forward);
  assert.deepEqual(vs.vehicles(), ['veh-own', 'veh-a']);
  a.remove();
  assert.equal(code(() => vs.resolve('veh-a')), 'NOT_FOUND');
  assert.match((() => { try { vs.resolve('veh-z'); } catch (e) { return (e as Error).message; } return ''; })(), /veh-z.*vehicles: veh-own/);
  vs.close();
});

test("reverse on vehicle A holds A's rear stream and tells A's displays only", async () => {
  const { vs, local, held, forward } = setup();
  const a = vs.addRemote('veh-a', forward);
  const b = vs.addRemote('veh-b', forward);
  const [da, db, dl] = [display(), display(), display()];
  vs.resolve('veh-a').ws.addClient(da);
  vs.resolve('veh-b').ws.addClient(db);
  local.ws.addClient(dl);
  b.bus.publish(vehicleInputSamples({ gear: 'P' }));
  a.bus.publish(vehicleInputSamples({ gear: 'R' }));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(held.map((r) => r.vehicle), ['veh-a']);
  assert.equal(held[0]!.service, config.reverse.service);
  const views = (d: { sent: SignalsServerMessage[] }) => d.sent.flatMap((m) => (m.type === 'view' ? [m.view] : []));
  assert.deepEqual(views(da), ['none', 'rear']);
  assert.deepEqual(views(db), ['none']);
  assert.deepEqual(views(dl), [], 'the local displays got nothing from veh-a');
  vs.close();
  local.ws.close();
});

test('reverse on a remote vehicle nobody here follows holds nothing: no frames pulled over the bus for nobody', async () => {
  const { vs, held, forward } = setup();
  const a = vs.addRemote('veh-a', forward);
  a.bus.publish(vehicleInputSamples({ gear: 'R' }));
  await new Promise((r) => setTimeout(r, 50));
  assert.deepEqual(held, [], 'no display follows veh-a here');
  // A display that connects now is told the view and asks for the stream itself.
  const d = display();
  vs.resolve('veh-a').ws.addClient(d);
  assert.ok(d.sent.some((m) => m.type === 'view' && m.view === 'rear'));
  vs.close();
});

test("a gateway's default vehicle answers a request naming none; without it the local signals do", () => {
  const { vs, local, forward } = setup(undefined, 'veh-a');
  assert.equal(code(() => vs.resolve(null)), 'NOT_FOUND', 'not discovered yet');
  vs.addRemote('veh-a', forward);
  assert.equal(vs.resolve(null), vs.resolve('veh-a'));
  assert.notEqual(vs.resolve(null), local);
  vs.close();
});
