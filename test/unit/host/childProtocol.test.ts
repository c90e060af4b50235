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

test('records fed a byte at a time, and many records in one chunk, come out whole and in order', () => {
  const bodies = [Buffer.from('a'), Buffer.alloc(70_000, 3), Buffer.from('last frame')];
  const all = Buffer.concat(bodies.map((b, i) => record(`cam${i}`, b)));
  const got: [string, string][] = [];
  const p = new FrameRecordParser((cam, wire) => got.push([cam, wire.toString('hex')]));
  for (let i = 0; i < all.length; i++) p.push(all.subarray(i, i + 1));
  const whole: [string, string][] = [];
  new FrameRecordParser((cam, wire) => whole.push([cam, wire.toString('hex')])).push(all);
  const want = bodies.map((b, i): [string, string] => [`cam${i}`, b.toString('hex')]);
  assert.deepEqual(got, want);
  assert.deepEqual(whole, want);
});
