/**
 * Faults on a real NATS bus (docs/distributed.md "Faults"): nats-server
 * killed and restarted on the same port mid-stream, a SIGKILLed host, and a
 * request no vehicle can serve. `revcam host` and `revcam gateway` are real
 * processes; the viewer is a real WebSocket client on the gateway that never
 * reconnects.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, startHost, startNatsServer, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { TestViewer } from '../helpers/viewer.js';
import type { ErrorMessage, StatusMessage } from '../../src/wire/messages.js';
import { until as untilEvery } from '../helpers/until.js';

/** Polls every 50 ms: these tests time recoveries. */
const until = <T>(what: string, timeoutMs: number, probe: () => Promise<T | undefined | false>) => untilEvery(what, timeoutMs, probe, 50);

const skip = !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false;

const hasVehicle = async (gatewayUrl: string, vehicle: string) => {
  const res = await fetch(`${gatewayUrl}/api/services`);
  const body = (await res.json()) as { services: Array<{ vehicle: string | null }> };
  return body.services.some((s) => s.vehicle === vehicle);
};

/** Status events the viewer gets from now on, with their arrival times and the frames received by then. */
function statusLog(v: TestViewer): { events: () => Array<{ event: string; at: number; frames: number }> } {
  const events: Array<{ event: string; at: number; frames: number }> = [];
  let seen = 0;
  v.ws.on('message', (_d, isBinary) => {
    if (isBinary) return;
    // TestViewer's own listener ran first: the new message is the last one recorded.
    for (const m of v.messages.slice(seen)) if (m.type === 'status') events.push({ event: (m as StatusMessage).event, at: Date.now(), frames: v.frames.length });
    seen = v.messages.length;
  });
  return { events: () => events };
}

describe('nats-server restarted mid-stream', { skip }, () => {
  let nats: NatsServer;
  let host: RevcamProcess;
  let gateway: RevcamProcess;
  const viewers: TestViewer[] = [];

  before(async () => {
    nats = await startNatsServer();
    host = await startHost(nats.url, 'veh-a');
    gateway = await startGateway(nats.url);
    await until('veh-a on the gateway', 15_000, () => hasVehicle(gateway.url!, 'veh-a'));
  });

  after(async () => {
    for (const v of viewers) v.close();
    await Promise.all([host?.kill('SIGKILL'), gateway?.kill('SIGKILL')]);
    await nats?.stop();
  });

  for (const outageMs of [300, 4_500]) {
    test(`killed, down ${outageMs} ms, restarted on the same port: host and gateway reconnect and frames resume on the same viewer connection`, async (t) => {
      const v = new TestViewer(gateway.url!);
      viewers.push(v);
      const log = statusLog(v);
      const reply = await v.request({ vehicle: 'veh-a' });
      assert.equal(reply.type, 'accepted', JSON.stringify(reply));
      await v.waitForFrames(10, 20_000);

      nats.child.kill('SIGKILL');
      await nats.stop();
      const killedAt = Date.now();
      await new Promise((r) => setTimeout(r, outageMs));
      nats = await startNatsServer([], { port: nats.port, monitorPort: nats.monitorPort });
      const upAt = Date.now();
      const framesAtRestart = v.frames.length;
      // Frames that were in flight when the server died may still trickle in: count from the restart.
      await v.waitForFrames(10, 20_000);
      const resumedAfter = Date.now() - upAt;
      const events = log.events().map((e) => `${e.event}@${e.at - killedAt}ms`);
      const lostAt = log.events().find((e) => e.event === 'SERVICE_LOST');
      const restored = log.events().find((e) => e.event === 'SOURCE_RESTORED');
      t.diagnostic(`outage ${outageMs} ms: frames resumed ${resumedAfter} ms after the new nats-server was up (${v.frames.length - framesAtRestart} frames), SOURCE_RESTORED ${restored ? restored.at - upAt : '-'} ms after; status events since the kill: ${events.join(', ') || 'none'}`);
      assert.equal(v.closeCode, undefined, 'the viewer stays on the same connection');
      // The bound is 5 s; generous for a loaded 2-core machine.
      assert.ok(resumedAfter < 10_000, `frames resumed ${resumedAfter} ms after the restart`);
      // docs/protocol.md §3.4: the gateway tells its viewers SERVICE_LOST as soon as it loses the bus, once,
      // and SOURCE_RESTORED when the stream is back, before the resumed frames.
      const seq = log.events().map((e) => e.event);
      assert.deepEqual(seq, ['SERVICE_LOST', 'SOURCE_RESTORED'], events.join(', '));
      assert.ok(lostAt!.at - killedAt < 3_000, `SERVICE_LOST ${lostAt!.at - killedAt} ms after the kill`);
      // (Frames already queued for the viewer when the bus went may still arrive after SERVICE_LOST.)
      // The host kept the gateway's lease while it could not hear renewals (no camera re-open after the outage).
      assert.doesNotMatch(host.output(), /gateway lease expired/);
      assert.ok(restored!.frames - lostAt!.frames <= 3, `${restored!.frames - lostAt!.frames} frames arrived between SERVICE_LOST and SOURCE_RESTORED`);
      // Still streaming a few seconds later (a lease that lapsed during the outage was renewed, not left to expire).
      await new Promise((r) => setTimeout(r, 4_000));
      await v.waitForFrames(20, 10_000);
      // The host's micro-service came back with the client's resubscription: discovery still finds it (else it
      // would be forgotten 3 s after the reconnection) and its open endpoint answers renewals (else SERVICE_LOST).
      assert.ok(await hasVehicle(gateway.url!, 'veh-a'), 'veh-a is still listed');
      assert.deepEqual(log.events().map((e) => e.event), ['SERVICE_LOST', 'SOURCE_RESTORED'], 'no loss after the recovery');
      v.close();
    });
  }
});

describe('a SIGKILLed host and a vehicle nobody serves', { skip }, () => {
  let nats: NatsServer;
  let host: RevcamProcess;
  let gateway: RevcamProcess;
  const viewers: TestViewer[] = [];

  before(async () => {
    nats = await startNatsServer();
    host = await startHost(nats.url, 'veh-a');
    gateway = await startGateway(nats.url);
    await until('veh-a on the gateway', 15_000, () => hasVehicle(gateway.url!, 'veh-a'));
  });

  after(async () => {
    for (const v of viewers) v.close();
    await Promise.all([host?.kill('SIGKILL'), gateway?.kill('SIGKILL')]);
    await nats?.stop();
  });

  test('a request no vehicle can serve gets SERVICE_NOT_FOUND at once', async (t) => {
    const v = new TestViewer(gateway.url!);
    viewers.push(v);
    await v.opened;
    const t0 = Date.now();
    const reply = (await v.request({ vehicle: 'veh-z' })) as ErrorMessage;
    const took = Date.now() - t0;
    t.diagnostic(`SERVICE_NOT_FOUND after ${took} ms`);
    assert.equal(reply.type, 'error');
    assert.equal(reply.code, 'SERVICE_NOT_FOUND');
    assert.ok(took < 3_000, `answered after ${took} ms (the issue asks 1 s; generous here)`);
  });

  test("a SIGKILLed host: its viewers get SERVICE_LOST within about a second, on the same connection", async (t) => {
    const vs = [new TestViewer(gateway.url!), new TestViewer(gateway.url!)];
    viewers.push(...vs);
    const logs = vs.map(statusLog);
    for (const [i, v] of vs.entries()) {
      const reply = await v.request({ vehicle: 'veh-a', codec: i === 0 ? 'jpeg' : 'h264' });
      assert.equal(reply.type, 'accepted', JSON.stringify(reply));
      await v.waitForFrames(5, 20_000);
    }
    // Several kill times relative to the lease renewal: the worst case is just after a renewal.
    const killedAt = Date.now();
    await host.kill('SIGKILL');
    const lostAt = await Promise.all(
      logs.map((l) => until('SERVICE_LOST or SOURCE_LOST', 10_000, async () => l.events().find((e) => e.event === 'SERVICE_LOST' || e.event === 'SOURCE_LOST')?.at)),
    );
    const after = lostAt.map((at) => at - killedAt);
    t.diagnostic(`SERVICE_LOST/SOURCE_LOST after the host's SIGKILL: ${after.join(' ms, ')} ms`);
    for (const ms of after) assert.ok(ms < 3_000, `told ${ms} ms after the kill (the issue asks 1 s; generous here)`);
    for (const v of vs) assert.equal(v.closeCode, undefined);
  });
});

describe('a host killed while a lease renewal waits for its answer', { skip }, () => {
  test('the viewers are told at the next renewal ("no responders"), not at the waiting one\'s 2 s timeout', async (t) => {
    const nats = await startNatsServer();
    const procs: RevcamProcess[] = [];
    const v: TestViewer[] = [];
    try {
      const host = await startHost(nats.url, 'veh-c');
      procs.push(host);
      const gateway = await startGateway(nats.url);
      procs.push(gateway);
      await until('veh-c on the gateway', 15_000, () => hasVehicle(gateway.url!, 'veh-c'));
      v.push(new TestViewer(gateway.url!));
      const log = statusLog(v[0]!);
      const reply = await v[0]!.request({ vehicle: 'veh-c' });
      assert.equal(reply.type, 'accepted', JSON.stringify(reply));
      await v[0]!.waitForFrames(10, 20_000);
      // Frozen for longer than a renewal period: at least one renewal reaches it and gets no answer.
      host.child.kill('SIGSTOP');
      await new Promise((r) => setTimeout(r, 600));
      const killedAt = Date.now();
      await host.kill('SIGKILL');
      const lost = await until('SERVICE_LOST', 10_000, async () => log.events().find((e) => e.event === 'SERVICE_LOST'));
      t.diagnostic(`SERVICE_LOST ${lost.at - killedAt} ms after the SIGKILL of a host frozen 600 ms`);
      // The renewal sent while it was frozen would time out 1.4-2 s after the kill.
      assert.ok(lost.at - killedAt < 1_300, `told ${lost.at - killedAt} ms after the kill`);
    } finally {
      for (const x of v) x.close();
      await Promise.all(procs.map((p) => p.kill('SIGKILL')));
      await nats.stop();
    }
  });
});
