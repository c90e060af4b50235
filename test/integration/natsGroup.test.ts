/**
 * A gateway's first H.264 viewer does not wait up to a GOP for the host's
 * next keyframe (issue 9 §3): the gateway asks for the host's cached group of
 * pictures when it opens the stream and its viewer starts on it at once.
 * Real nats-server, `revcam host` with a 5 s keyframe interval, two gateways.
 */
import { after, before, describe, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { connect } from '@nats-io/transport-node';
import { requireNatsServer, startGateway, startHost, startNatsServer, type NatsServer, type RevcamProcess } from '../helpers/natsServer.js';
import { hasCommand, requireCommand } from '../helpers/requireCommand.js';
import { TestViewer } from '../helpers/viewer.js';
import { nowUs } from '../../src/wire/frame.js';

const skip = !hasCommand('nats-server') && process.env.CI !== 'true' ? 'nats-server is not installed (apt-get install nats-server)' : false;

describe('the cached H.264 group crosses the bus on open', { skip }, () => {
  let nats: NatsServer;
  let host: RevcamProcess;
  const gateways: RevcamProcess[] = [];
  const viewers: TestViewer[] = [];

  before(async () => {
    nats = await startNatsServer();
    const dir = mkdtempSync(join(tmpdir(), 'revcam-group-'));
    const config = join(dir, 'revcam.yaml');
    // A keyframe every 5 s: without the group a new viewer waits for one for up to 5 s.
    writeFileSync(config, 'cameras:\n  rear:\n    h264:\n      keyframeIntervalFrames: 150\n');
    host = await startHost(nats.url, 'veh-a', ['--config', config]);
    gateways.push(await startGateway(nats.url), await startGateway(nats.url));
  });

  after(async () => {
    for (const v of viewers) v.close();
    await Promise.all([host?.kill(), ...gateways.map((g) => g.kill())]);
    await nats?.stop();
  });

  test("a second gateway's first H.264 viewer starts on the host's cached group: keyframe first, captured before it asked, catch-up flagged but the newest", async (t) => {
    if (!requireNatsServer(t) || !requireCommand(t, 'ffmpeg')) return;
    const [gw1, gw2] = gateways as [RevcamProcess, RevcamProcess];
    const first = new TestViewer(gw1.url!);
    viewers.push(first);
    assert.equal((await first.request({ vehicle: 'veh-a', codec: 'h264' })).type, 'accepted');
    // The host's stream runs and has cached its group by now (a keyframe and the frames since).
    await first.waitForFrames(20, 20_000);

    const v = new TestViewer(gw2.url!);
    viewers.push(v);
    await v.opened;
    const askedUs = nowUs();
    const accepted = await v.request({ vehicle: 'veh-a', codec: 'h264' });
    assert.equal(accepted.type, 'accepted', JSON.stringify(accepted));
    await v.waitFor(() => v.frames.some((f) => !f.catchUp) && v.frames.length >= 3, 'a live frame', 20_000);
    const [f0] = v.frames;
    assert.ok(f0!.keyframe, 'starts at a keyframe');
    // The next keyframe is up to 5 s away: a first frame captured before the request is the cached one.
    assert.ok(f0!.captureUs < askedUs, `the first frame was captured ${(f0!.captureUs - askedUs) / 1000} ms after the request: not the cached group`);
    const burst = v.frames.findIndex((f) => !f.catchUp);
    assert.ok(burst >= 0, 'a live frame follows');
    assert.ok(v.frames.slice(0, burst).every((f) => f.catchUp), 'the burst is catch-up flagged (decode, do not paint)');
    const seqs = v.frames.map((f) => f.seq);
    assert.ok(seqs.every((s, i) => i === 0 || s === seqs[i - 1]! + 1), `consecutive sequence numbers: ${seqs.slice(0, 12).join(',')}`);
    const caps = v.frames.map((f) => f.captureUs);
    assert.ok(caps.every((c, i) => i === 0 || c > caps[i - 1]!), 'no frame twice, none out of order (held live frames newer than the group only)');
    t.diagnostic(`group of ${burst} catch-up frame(s), the first captured ${((askedUs - f0!.captureUs) / 1000).toFixed(0)} ms before the request`);
  });

  test('a group token that is not one subject token is refused with BAD_REQUEST', async (t) => {
    if (!requireNatsServer(t)) return;
    const nc = await connect({ servers: nats.url });
    try {
      const reply = await nc.request('revcam.v1.veh-a.reversing.open', JSON.stringify({ camera: 'rear', codec: 'h264', gateway: 'test', group: 'a.b' }), { timeout: 5_000 });
      const body = reply.json<{ ok: boolean; code?: string }>();
      assert.equal(body.ok, false);
      assert.equal(body.code, 'BAD_REQUEST');
    } finally {
      await nc.close();
    }
  });
});
