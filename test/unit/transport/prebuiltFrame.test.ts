import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wsModule from 'ws';
import { binaryFrameHeader, PING_FRAME, prebuiltBinaryFrame, prebuiltBinaryFrameWithPing } from '../../../src/transport/prebuiltFrame.js';

// The ws library's own framer is the oracle: our prebuilt frames must be byte-identical.
const wsFrame = (data: Buffer): Buffer => {
  const Sender = (wsModule as unknown as { Sender: { frame(d: Buffer, o: object): Buffer[] } }).Sender;
  return Buffer.concat(Sender.frame(data, { fin: true, rsv1: false, opcode: 2, mask: false, readOnly: true }));
};

test('prebuilt binary frames are byte-identical to ws framing at every length boundary', () => {
  for (const n of [0, 1, 125, 126, 127, 65535, 65536, 200_000]) {
    const data = Buffer.alloc(n, n & 0xff);
    assert.deepEqual(prebuiltBinaryFrame(data), wsFrame(data), `length ${n}`);
    assert.equal(binaryFrameHeader(n).length, n < 126 ? 2 : n < 65536 ? 4 : 10);
  }
});

test('a message is framed once, however many viewers ask', () => {
  const msg = Buffer.from('frame');
  assert.equal(prebuiltBinaryFrame(msg), prebuiltBinaryFrame(msg));
});

test('the frame with a ping is the frame followed by the ws library\'s own empty ping, sharing its bytes', () => {
  const Sender = (wsModule as unknown as { Sender: { frame(d: Buffer, o: object): Buffer[] } }).Sender;
  const ping = Buffer.concat(Sender.frame(Buffer.alloc(0), { fin: true, rsv1: false, opcode: 9, mask: false, readOnly: true }));
  assert.deepEqual(PING_FRAME, ping);
  for (const n of [10, 300, 70_000]) {
    const data = Buffer.alloc(n, 7);
    const both = prebuiltBinaryFrameWithPing(data);
    assert.deepEqual(both, Buffer.concat([wsFrame(data), ping]), `length ${n}`);
    assert.equal(both, prebuiltBinaryFrameWithPing(data), 'built once');
    assert.equal(prebuiltBinaryFrame(data).buffer, both.buffer, 'one allocation for both variants');
  }
});
