/**
 * `revcam gateway --vehicle`: with two vehicles offering the reversing
 * service, a request that names no vehicle gets the gateway's default one
 * (its stream and its signals); a gateway without a default refuses it with
 * BAD_REQUEST naming both.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { startGateway, startHost, startNatsServer, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { TestViewer } from '../helpers/viewer.js';
import type { AcceptedMessage, ErrorMessage } from '../../src/wire/messages.js';

const skip = !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false;

describe('a gateway with a default vehicle', { skip }, () => {
  let nats: NatsServer;
  const procs: RevcamProcess[] = [];
  let plain: RevcamProcess;
  let withDefault: RevcamProcess;
  const viewers: TestViewer[] = [];

  before(async () => {
    nats = await startNatsServer();
    procs.push(await startHost(nats.url, 'veh-a'), await startHost(nats.url, 'veh-b'));
    plain = await startGateway(nats.url);
    withDefault = await startGateway(nats.url, ['--vehicle', 'veh-b']);
    procs.push(plain, withDefault);
  });

  after(async () => {
    for (const v of viewers) v.close();
    await Promise.all(procs.map((p) => p.kill()));
    await nats?.stop();
  });

  /** Asks until both vehicles are discovered (discovery polls every second). */
  async function ask(url: string): Promise<AcceptedMessage | ErrorMessage> {
    const deadline = Date.now() + 15_000;
    for (;;) {
      const v = new TestViewer(url);
      viewers.push(v);
      const reply = (await v.request({})) as AcceptedMessage | ErrorMessage;
      const both = reply.type === 'error' ? /veh-a/.test(reply.message) && /veh-b/.test(reply.message) : reply.vehicle === 'veh-b';
      if (both || Date.now() > deadline) return reply;
      v.close();
      await new Promise((r) => setTimeout(r, 300));
    }
  }

  test('a request naming no vehicle gets veh-b on the gateway started with --vehicle veh-b', async () => {
    const reply = await ask(withDefault.url!);
    assert.equal(reply.type, 'accepted', JSON.stringify(reply));
    assert.equal((reply as AcceptedMessage).vehicle, 'veh-b');
    assert.equal((reply as AcceptedMessage).instance, 'veh-b/reversing');
    await viewers.at(-1)!.waitForFrames(5, 20_000);
  });

  test("/api/signals without vehicle= is the default vehicle's (remote) on that gateway, none of its own on the other (a gateway simulates no vehicle)", async () => {
    const deadline = Date.now() + 15_000;
    let body: { vehicle?: string; source?: string | null } = {};
    for (;;) {
      const res = await fetch(`${withDefault.url}/api/signals`);
      if (res.status === 200) body = (await res.json()) as typeof body;
      if (body.vehicle === 'veh-b' || Date.now() > deadline) break;
      await new Promise((r) => setTimeout(r, 300));
    }
    assert.equal(body.vehicle, 'veh-b', JSON.stringify(body));
    assert.equal(body.source, 'remote');
    const own = (await (await fetch(`${plain.url}/api/signals`)).json()) as typeof body;
    assert.equal(own.vehicle, undefined);
    assert.equal(own.source, 'none');
  });

  test('the same request on a gateway without a default: BAD_REQUEST naming both vehicles', async () => {
    const reply = await ask(plain.url!);
    assert.equal(reply.type, 'error', JSON.stringify(reply));
    assert.equal((reply as ErrorMessage).code, 'BAD_REQUEST');
    assert.match((reply as ErrorMessage).message, /veh-a/);
    assert.match((reply as ErrorMessage).message, /veh-b/);
  });
});
