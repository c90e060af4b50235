import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer } from '../../../src/consumer/Consumer.js';
import { RevcamError } from '../../../src/errors/RevcamError.js';
import { ManualSink } from '../stream/h264Frames.js';

test('end() stops frames and tells the transport why, once', () => {
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 2, maxBufferedBytes: 1 << 20 });
  const reasons: string[] = [];
  c.on('end', (r) => reasons.push(r.code));
  c.push(Buffer.from([1]));
  sink.complete();
  c.end(new RevcamError('FORBIDDEN', 'policy'));
  c.end(new RevcamError('FORBIDDEN', 'again'));
  assert.equal(c.push(Buffer.from([2])), false);
  assert.deepEqual(reasons, ['FORBIDDEN']);
  assert.equal(sink.written.length, 1);
  assert.ok(c.closed);
});

test('a transport without an end listener still closes: end() falls back to error', () => {
  const c = new Consumer({ id: 'v', sink: new ManualSink(), queueFrames: 2, maxBufferedBytes: 1 << 20 });
  const errors: Error[] = [];
  c.on('error', (e) => errors.push(e));
  c.end(new RevcamError('FORBIDDEN', 'policy'));
  assert.equal(errors.length, 1);
});
