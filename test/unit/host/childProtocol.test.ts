import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FrameRecordParser, recordPrefix } from '../../../src/host/childProtocol.js';

const record = (camera: string, body: Buffer) => Buffer.concat([recordPrefix(camera, body.length), body]);

test('records split at every possible byte boundary are reassembled exactly', () => {
  const a = record('rear', Buffer.from('first frame bytes'));
  const b = record('cabin', Buffer.alloc(300, 7));
  const all = Buffer.concat([a, b]);
  for (let cut = 1; cut < all.length; cut++) {
    const got: [string, string][] = [];
    const p = new FrameRecordParser((cam, wire) => got.push([cam, wire.toString('hex')]));
    p.push(all.subarray(0, cut));
    p.push(all.subarray(cut));
    assert.deepEqual(got, [
      ['rear', Buffer.from('first frame bytes').toString('hex')],
      ['cabin', Buffer.alloc(300, 7).toString('hex')],
    ], `cut at ${cut}`);
  }
});

test('a corrupt length is rejected instead of buffering without bound', () => {
  const p = new FrameRecordParser(() => {}, 1024);
  const bad = Buffer.alloc(8);
  bad.writeUInt32LE(1 << 30, 0);
  assert.throws(() => p.push(bad), /out of bounds/);
});
