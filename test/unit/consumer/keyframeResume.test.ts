import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer } from '../../../src/consumer/Consumer.js';
import { h264Frame, ManualSink, tagOf } from '../stream/h264Frames.js';

const h264Consumer = (sink: ManualSink, queueFrames = 2) => new Consumer({ id: 'v', sink, queueFrames, maxBufferedBytes: 1 << 20, resumeAtKeyframe: true });

test('a slow H.264 viewer loses whole runs up to the next keyframe and resumes exactly there', () => {
  const sink = new ManualSink();
  const c = h264Consumer(sink);
  const slow: number[] = [];
  c.on('slow', (d) => slow.push(d));
  c.push(h264Frame(1, true));
  c.push(h264Frame(2, false));
  // Both in flight; the viewer stalls. Frames 3..6 cannot all wait.
  for (let t = 3; t <= 6; t++) c.push(h264Frame(t, false));
  assert.ok(c.queuedLive <= 2, `bounded: ${c.queuedLive}`);
  assert.equal(c.awaitingKeyframe, true);
  sink.complete(); // the viewer reads again
  c.push(h264Frame(7, false)); // still mid-chain: never sent
  c.push(h264Frame(8, true));
  c.push(h264Frame(9, false));
  sink.complete();
  const tags = sink.written.map(tagOf);
  assert.deepEqual(tags, [1, 2, 8, 9], 'after 2 the next frame delivered is the keyframe');
  assert.equal(c.dropped, 5, 'frames 3-7');
  assert.deepEqual(slow.length, 1, 'one "too slow" report for the episode');
});

test('frames pending behind a stall go too when the chain breaks: they are useless without the frame after them', () => {
  const sink = new ManualSink();
  sink.buffered = 10 << 20; // socket backed up: one write in flight, the rest pends
  const c = h264Consumer(sink, 3);
  c.push(h264Frame(1, true));
  c.push(h264Frame(2, false));
  c.push(h264Frame(3, false));
  assert.equal(sink.written.length, 1);
  c.push(h264Frame(4, true)); // overflow, but a keyframe with a free slot: it is taken, 2 and 3 dropped
  sink.buffered = 0;
  sink.complete();
  sink.complete();
  assert.deepEqual(sink.written.map(tagOf), [1, 4]);
  assert.equal(c.dropped, 2);
  assert.equal(c.awaitingKeyframe, false);
});

test('a catch-up burst is outside the bound and live frames queue behind it in order', () => {
  const sink = new ManualSink();
  const c = h264Consumer(sink);
  c.pushCatchUp([1, 2, 3, 4, 5, 6].map((t) => h264Frame(t, t === 1)));
  assert.equal(c.queued, 6);
  assert.equal(c.queuedLive, 0);
  c.push(h264Frame(7, false));
  c.push(h264Frame(8, false));
  assert.equal(c.dropped, 0, 'two live frames fit behind the burst');
  sink.complete();
  sink.complete();
  sink.complete();
  sink.complete();
  sink.complete();
  assert.deepEqual(sink.written.map(tagOf), [1, 2, 3, 4, 5, 6, 7, 8]);
  assert.equal(c.queued, 0);
});

test('without keyframe resume (JPEG) any frame after a drop is delivered', () => {
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 2, maxBufferedBytes: 1 << 20 });
  for (let t = 1; t <= 5; t++) c.push(h264Frame(t, false));
  sink.complete();
  c.push(h264Frame(6, false));
  sink.complete();
  assert.deepEqual(sink.written.map(tagOf), [1, 2, 6]);
  assert.equal(c.dropped, 3);
  assert.equal(c.awaitingKeyframe, false);
});
