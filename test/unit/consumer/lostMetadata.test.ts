/**
 * A slow viewer that loses a frame carrying metadata (a new overlay: the
 * sensor arcs of an obstacle now 0.3 m away) gets the metadata in force on
 * the next frame it is sent (docs/protocol.md §5), not the old overlay until
 * the next change.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer } from '../../../src/consumer/Consumer.js';
import { decodeHeader, encodeMeta, HEADER_LENGTH, writeHeader } from '../../../src/wire/frame.js';
import { ManualSink } from '../stream/h264Frames.js';

/** A JPEG wire frame numbered `seq`, with `meta` when given. */
function wire(seq: number, meta?: object): Buffer {
  const m = meta ? Buffer.from(encodeMeta(meta as never)) : Buffer.alloc(0);
  const payload = Buffer.from([seq]);
  const out = Buffer.alloc(HEADER_LENGTH + m.length + payload.length);
  writeHeader(out, 0, { version: 1, codec: 'jpeg', keyframe: true, discontinuity: false, seq, captureUs: 1, width: 2, height: 2 }, m.length, payload.length);
  m.copy(out, HEADER_LENGTH);
  payload.copy(out, HEADER_LENGTH + m.length);
  return out;
}

const metaOf = (b: Buffer): unknown => {
  const h = decodeHeader(b);
  return h.metaLength > 0 ? JSON.parse(b.subarray(h.headerLength, h.headerLength + h.metaLength).toString('utf8')) : undefined;
};
const seqOf = (b: Buffer): number => b[b.length - 1]!;

test('a dropped frame with metadata: the next frame sent carries the metadata in force', () => {
  const near = { overlay: { width: 2, height: 2, rails: [[], []], bands: [], recommendedView: 'top' } };
  let inForce: Buffer | undefined;
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 2, maxBufferedBytes: 100, metaInForce: () => inForce });
  c.push(wire(0)); // sent
  sink.buffered = 1000; // the viewer has stopped reading: frames wait
  c.push(wire(1));
  inForce = Buffer.from(encodeMeta(near as never));
  c.push(wire(2, near)); // the queue is full: frame 1 dropped
  c.push(wire(3)); // frame 2, with the new overlay, dropped
  assert.equal(c.dropped, 2);
  sink.buffered = 0;
  sink.complete(); // the viewer reads again: frame 3 goes out
  const sent = sink.written.slice(1);
  assert.deepEqual(sent.map(seqOf), [3]);
  assert.deepEqual(metaOf(sent[0]!), near, 'frame 3 carries the overlay frame 2 took with it');
  c.push(wire(4));
  sink.complete();
  assert.equal(metaOf(sink.written.at(-1)!), undefined, 'once: the frame after it carries none');
});

test('a dropped frame without metadata changes nothing; without metaInForce nothing is spliced', () => {
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 1, maxBufferedBytes: 1 << 20, metaInForce: () => Buffer.from('{"x":1}') });
  c.push(wire(0)); // in flight
  c.push(wire(1)); // dropped: it had no metadata
  sink.complete();
  c.push(wire(2));
  assert.equal(metaOf(sink.written.at(-1)!), undefined);

  const plain = new ManualSink();
  const p = new Consumer({ id: 'p', sink: plain, queueFrames: 1, maxBufferedBytes: 1 << 20 });
  p.push(wire(0));
  p.push(wire(1, { y: 1 })); // dropped with its metadata: nothing to splice from
  plain.complete();
  p.push(wire(2));
  assert.equal(metaOf(plain.written.at(-1)!), undefined);
});

test('the new frame itself dropped (everything in flight) with metadata: the next frame sent carries it', () => {
  const meta = { overlay: { width: 2, height: 2, rails: [[], []], bands: [] } };
  const sink = new ManualSink();
  const c = new Consumer({ id: 'v', sink, queueFrames: 1, maxBufferedBytes: 1 << 20, metaInForce: () => Buffer.from(encodeMeta(meta as never)) });
  c.push(wire(0)); // in flight
  c.push(wire(1, meta)); // nothing pending to drop: frame 1 itself is lost
  c.push(wire(2)); // and frame 2
  assert.equal(c.dropped, 2);
  sink.complete();
  c.push(wire(3));
  assert.deepEqual(sink.written.map(seqOf), [0, 3]);
  assert.deepEqual(metaOf(sink.written.at(-1)!), meta, 'frame 3 carries the metadata frame 1 took with it');
});
