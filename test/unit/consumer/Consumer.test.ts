import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer, type ConsumerSink } from '../../../src/consumer/Consumer.js';
import { ManualSink } from '../stream/h264Frames.js';

const frame = (n: number) => Buffer.from([n]);

test('a viewer that keeps up gets every frame in order', () => {
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 2, maxBufferedBytes: 1 << 20 });
  for (let i = 0; i < 10; i++) {
    c.push(frame(i));
    sink.complete();
  }
  assert.deepEqual(sink.written.map((b) => b[0]), [0, 1, 2, 3, 4, 5, 6, 7, 8, 9]);
  assert.equal(c.dropped, 0);
  assert.equal(c.sent, 10);
});

test('a stalled viewer holds at most queueFrames frames and the newest frame wins', () => {
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 2, maxBufferedBytes: 1 << 20 });
  for (let i = 0; i < 100; i++) {
    c.push(frame(i));
    assert.ok(c.queued <= 2, `queued ${c.queued} > 2`);
  }
  assert.equal(sink.written.length, 2, 'two frames went out before the stall filled the queue');
  assert.equal(c.dropped, 98);
  sink.complete(); // the viewer reads again
  sink.complete();
  c.push(frame(200));
  sink.complete();
  assert.equal(sink.written.at(-1)?.[0], 200, 'after the stall the viewer is served live, not a backlog');
});

test('"too slow" is reported once per episode, not per dropped frame', () => {
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 1, maxBufferedBytes: 1 << 20 });
  const reports: number[] = [];
  c.on('slow', (d) => reports.push(d));
  for (let i = 0; i < 50; i++) c.push(frame(i));
  assert.equal(reports.length, 1);
  sink.complete();
  c.push(frame(1));
  sink.complete();
  for (let i = 0; i < 5; i++) c.push(frame(i));
  assert.equal(reports.length, 2, 'a new episode after catching up is reported again');
});

test('a backed-up transport buffer holds frames back even with free slots', () => {
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 4, maxBufferedBytes: 100 });
  c.push(frame(1));
  sink.buffered = 1000;
  c.push(frame(2));
  assert.equal(sink.written.length, 1, 'second frame waits while the socket buffer is over the limit');
  sink.buffered = 0;
  sink.complete();
  assert.equal(sink.written.length, 2);
});

test('a closed consumer takes no more frames', () => {
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 2, maxBufferedBytes: 1 << 20 });
  c.close();
  assert.equal(c.push(frame(1)), false);
  assert.equal(sink.written.length, 0);
});

test('while the transport says the viewer is not reading, frames wait bounded and the newest goes out on kick', () => {
  const sink = new ManualSink();
  let reading = true;
  const gated: ConsumerSink = { write: (m, d) => sink.write(m, d), bufferedBytes: () => 0, writable: () => reading };
  const c = new Consumer({ id: 'v', sink: gated, queueFrames: 2, maxBufferedBytes: 1 << 20 });
  c.push(frame(0));
  sink.complete();
  reading = false;
  for (let i = 1; i <= 50; i++) c.push(frame(i));
  assert.equal(sink.written.length, 1, 'nothing is written while the viewer is not reading');
  assert.ok(c.queued <= 2);
  reading = true;
  c.kick();
  sink.complete();
  assert.deepEqual(sink.written.slice(1).map((b) => b[0]), [49, 50], 'the viewer resumes with the newest frames, not a backlog');
});

test('a sink that holds frames for a batch (holdsFrames) keeps them all; past the batch the usual bound drops', () => {
  const sink = Object.assign(new ManualSink(), { holdsFrames: 6 });
  const c = new Consumer({ id: 'v', sink, queueFrames: 2, maxBufferedBytes: 1 << 20 });
  for (let i = 0; i < 8; i++) c.push(frame(i)); // a batch not handed over yet: no write completes
  assert.equal(c.dropped, 0, 'a batch is not a slow viewer');
  assert.equal(sink.written.length, 8);
  c.push(frame(8));
  c.push(frame(9));
  assert.ok(c.dropped > 0, 'beyond queueFrames + holdsFrames the viewer is slow');
  sink.complete(); // the batch is handed over
  c.push(frame(10));
  assert.equal(sink.written.at(-1)?.[0], 10);
  // Without holdsFrames the same batch would have lost frames.
  const plain = new Consumer({ id: 'p', sink: new ManualSink(), queueFrames: 2, maxBufferedBytes: 1 << 20 });
  for (let i = 0; i < 8; i++) plain.push(frame(i));
  assert.ok(plain.dropped > 0);
});
