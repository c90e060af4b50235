import { test } from 'node:test';
import assert from 'node:assert/strict';
import * as wsModule from 'ws';
import { binaryFrameHeader, prebuiltBinaryFrame } from '../../../src/transport/prebuiltFrame.js';

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
