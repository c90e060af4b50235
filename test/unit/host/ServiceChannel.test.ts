import { test } from 'node:test';
import assert from 'node:assert/strict';
import { createLogger } from '../../../src/log/logger.js';
import type { ChildMessage, ParentMessage } from '../../../src/host/childProtocol.js';
import { ServiceChannel, type ChannelPort } from '../../../src/host/ServiceChannel.js';

/** A child's end of the IPC channel that records what it is sent. */
function fakePort(): ChannelPort & { sent: ParentMessage[]; connected: boolean } {
  const port = {
    connected: true,
    sent: [] as ParentMessage[],
    send(m: ParentMessage, cb: (err: Error | null) => void): boolean {
      port.sent.push(m);
      cb(null);
      return true;
    },
  };
  return port;
}

const log = createLogger('silent');
const idOf = (m: ParentMessage | undefined) => (m && 'id' in m ? m.id : undefined);

test('a request gets the reply with its id, whatever order replies come in', async () => {
  const ch = new ServiceChannel(log, 's');
  const port = fakePort();
  ch.attach(port);
  const a = ch.request({ op: 'call', method: 'a', args: 1 });
  const b = ch.request({ op: 'call', method: 'b', args: 2 });
  const [ma, mb] = port.sent;
  assert.equal(ma?.op, 'call');
  assert.notEqual(idOf(ma), idOf(mb));
  assert.equal(ch.receive({ op: 'reply', id: idOf(mb)!, ok: true, result: 'B' }), true);
  assert.equal(ch.receive({ op: 'reply', id: idOf(ma)!, ok: true, result: 'A' }), true);
  assert.deepEqual([((await a) as Extract<ChildMessage, { ok: true }>).result, ((await b) as Extract<ChildMessage, { ok: true }>).result], ['A', 'B']);
  // A late or unknown reply is consumed and ignored; other messages are left to the caller.
  assert.equal(ch.receive({ op: 'reply', id: 999, ok: true }), true);
  assert.equal(ch.receive({ op: 'pong', id: 1, framesOut: 0, framesDropped: 0, rssBytes: 0 }), false);
});

test('a request without a reply times out, and its late reply is ignored', async () => {
  const ch = new ServiceChannel(log, 's');
  const port = fakePort();
  ch.attach(port);
  await assert.rejects(ch.request({ op: 'open', camera: 'rear', codec: 'jpeg' }, 20), /open timed out/);
  assert.equal(ch.receive({ op: 'reply', id: idOf(port.sent[0])!, ok: true }), true);
});

test('requests waiting when the child exits are rejected at once, and later messages are dropped', async () => {
  const ch = new ServiceChannel(log, 's');
  const port = fakePort();
  ch.attach(port);
  const pending = ch.request({ op: 'close', camera: 'rear', codec: 'jpeg' }, 60_000);
  ch.detach();
  await assert.rejects(pending, /service exited/);
  ch.post({ op: 'stop' });
  assert.equal(port.sent.length, 1);
});

test('ids keep counting across children; a disconnected or throwing port loses the message quietly', () => {
  const ch = new ServiceChannel(log, 's');
  const first = fakePort();
  ch.attach(first);
  ch.post({ op: 'ping', id: ch.nextId() });
  ch.detach();
  const second = fakePort();
  ch.attach(second);
  ch.post({ op: 'ping', id: ch.nextId() });
  assert.ok(idOf(second.sent[0])! > idOf(first.sent[0])!);
  second.connected = false;
  ch.post({ op: 'stop' });
  assert.equal(second.sent.length, 1);
  ch.attach({ connected: true, send: () => { throw new Error('EPIPE'); } });
  assert.doesNotThrow(() => ch.post({ op: 'stop' }));
});
