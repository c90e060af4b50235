/**
 * The StreamHub takes service endpoints added and removed at runtime (a
 * remote host joining and leaving the bus): a removed endpoint's viewers are
 * told SERVICE_LOST and stay; an endpoint of the same id coming back re-opens
 * the stream and they resume (SOURCE_RESTORED, frames) on the same consumer.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import type { RevcamConfig } from '../../../src/config/types.js';
import { TypedEmitter } from '../../../src/events/TypedEmitter.js';
import { ServiceHost } from '../../../src/host/ServiceHost.js';
import type { InstanceState, ServiceEndpoint, ServiceEndpointEvents } from '../../../src/host/ServiceEndpoint.js';
import { Metrics } from '../../../src/metrics/Metrics.js';
import type { OpenedCamera } from '../../../src/service/types.js';
import { StreamHub, SYSTEM_DEVICE } from '../../../src/stream/StreamHub.js';
import { encodeFrame, nowUs, type CodecName } from '../../../src/wire/frame.js';
import type { StreamEvent } from '../../../src/wire/messages.js';
import { captureLog } from '../../helpers/logCapture.js';

/** An endpoint whose frames the test pushes by hand. */
class HandEndpoint extends TypedEmitter<ServiceEndpointEvents> implements ServiceEndpoint {
  readonly location = 'remote' as const;
  readonly config = { standby: 'cold' as const };
  readonly cameraInfo = { rear: { width: 64, height: 48, fps: 30 } };
  readonly manifest = { name: 'reversing', version: '1.0.0', kind: 'reversing', cameras: ['rear'], codecs: ['jpeg' as CodecName], module: 'test' };
  restarts = 0;
  consecutiveFailures = 0;
  lastError: string | undefined;
  state: InstanceState = 'running';
  opens: string[] = [];
  closes: string[] = [];
  constructor(readonly id: string, readonly vehicle: string) {
    super();
  }
  async open(camera: string, codec: CodecName): Promise<OpenedCamera> {
    this.opens.push(`${camera}/${codec}`);
    return { width: 64, height: 48, fps: 30 };
  }
  async close(camera: string, codec: CodecName): Promise<void> {
    this.closes.push(`${camera}/${codec}`);
  }
  frame(seq: number): void {
    const wire = encodeFrame({ version: 1, codec: 'jpeg', keyframe: true, discontinuity: false, seq, captureUs: nowUs(), width: 64, height: 48, payload: new Uint8Array([0xff, 0xd8, 0xff, 0xd9]) });
    this.emit('frame', 'rear', Buffer.from(wire.buffer, wire.byteOffset, wire.byteLength));
  }
}

test('an endpoint removed and added again: SERVICE_LOST, the viewer stays, then SOURCE_RESTORED and frames on the same consumer', async () => {
  const config: RevcamConfig = { ...DEFAULT_CONFIG, services: [] };
  const { log } = captureLog('error');
  const host = await ServiceHost.create(config, log);
  const hub = new StreamHub(host, config, new Metrics(), log);
  const first = new HandEndpoint('veh-a/reversing', 'veh-a');
  hub.addEndpoint(first);
  assert.equal(hub.registry.get('veh-a/reversing')?.location, 'remote');
  assert.equal(hub.registry.get('veh-a/reversing')?.vehicle, 'veh-a');

  const written: Buffer[] = [];
  const sink = { write: (m: Buffer, done: (err?: Error) => void) => (written.push(m), done()), bufferedBytes: () => 0 };
  const pending = hub.subscribe({ service: 'reversing', camera: 'rear', codec: 'jpeg' }, sink, { transport: 'test', device: SYSTEM_DEVICE });
  await new Promise((r) => setImmediate(r));
  first.frame(1);
  const sub = await pending;
  assert.equal(sub.instance, first);
  const events: StreamEvent[] = [];
  sub.stream.on('status', (e) => events.push(e));
  assert.equal(written.length, 1);

  hub.removeEndpoint('veh-a/reversing');
  assert.deepEqual(events, ['SERVICE_LOST']);
  assert.equal(hub.registry.get('veh-a/reversing'), undefined, 'no longer matched');
  assert.throws(() => hub.registry.match({ service: 'reversing', camera: 'rear', codec: 'jpeg' }), { code: 'SERVICE_NOT_FOUND' });
  first.frame(2); // a straggler from the removed endpoint reaches nobody
  assert.equal(written.length, 1);
  assert.equal(sub.consumer.closed, false, 'the viewer stays');

  const second = new HandEndpoint('veh-a/reversing', 'veh-a');
  hub.addEndpoint(second);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(second.opens, ['rear/jpeg'], 'the returning endpoint re-opens the stream');
  assert.deepEqual(events, ['SERVICE_LOST', 'SOURCE_RESTORED']);
  second.frame(3);
  assert.equal(written.length, 2, 'frames resume on the same consumer');

  hub.unsubscribe(sub);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(second.closes, ['rear/jpeg'], 'the last viewer leaving closes it on the current endpoint');
  assert.deepEqual(first.closes, []);
  await hub.close();
});

test('a removed endpoint whose viewers leave: the stream ends without touching it', async () => {
  const config: RevcamConfig = { ...DEFAULT_CONFIG, services: [] };
  const { log } = captureLog('error');
  const hub = new StreamHub(await ServiceHost.create(config, log), config, new Metrics(), log);
  const ep = new HandEndpoint('veh-b/reversing', 'veh-b');
  hub.addEndpoint(ep);
  const sink = { write: (_m: Buffer, done: (err?: Error) => void) => done(), bufferedBytes: () => 0 };
  const pending = hub.subscribe({ service: 'reversing', camera: 'rear', codec: 'jpeg', vehicle: 'veh-b' }, sink, { transport: 'test', device: SYSTEM_DEVICE });
  await new Promise((r) => setImmediate(r));
  ep.frame(1);
  const sub = await pending;
  hub.removeEndpoint('veh-b/reversing');
  hub.unsubscribe(sub);
  await new Promise((r) => setImmediate(r));
  assert.deepEqual(ep.closes, []);
  assert.equal(hub.streams().length, 0);
  await hub.close();
});
