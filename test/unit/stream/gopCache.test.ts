import { test } from 'node:test';
import assert from 'node:assert/strict';
import { Consumer } from '../../../src/consumer/Consumer.js';
import { Stream } from '../../../src/stream/Stream.js';
import { nowUs } from '../../../src/wire/frame.js';
import { FastSink, h264Frame } from './h264Frames.js';

const overlay = { width: 640, height: 360, rails: [[], []], bands: [] };
let ids = 0;
function viewer() {
  const sink = new FastSink();
  const consumer = new Consumer({ id: `v${++ids}`, sink, queueFrames: 2, maxBufferedBytes: 1 << 20 });
  return { sink, consumer };
}
const h264Stream = (over: Partial<ConstructorParameters<typeof Stream>[0]> = {}) =>
  new Stream({ id: 's', instanceId: 'i', camera: 'rear', codec: 'h264', fps: 30, ...over });

test('a late H.264 viewer gets the cached group at once: keyframe first, all but the newest flagged catch-up', () => {
  const s = h264Stream();
  s.push(h264Frame(1, true, { meta: { overlay } }));
  s.push(h264Frame(2, false));
  s.push(h264Frame(3, false));
  assert.equal(s.cachedFrames, 3);
  const { sink, consumer } = viewer();
  s.add(consumer);
  const got = sink.frames;
  assert.deepEqual(got.map((f) => f.payload[0]), [1, 2, 3]);
  assert.deepEqual(got.map((f) => f.keyframe), [true, false, false]);
  assert.deepEqual(got.map((f) => f.catchUp), [true, true, false], 'the newest frame is live: painted');
  assert.deepEqual((got[0]!.meta as { overlay: unknown }).overlay, overlay, 'the first frame carries the overlay');
  // The cache is the stream's: the flags went on copies, not on other viewers' frames.
  const early = viewer();
  s.add(early.consumer);
  assert.deepEqual(early.sink.frames.map((f) => f.catchUp), [true, true, false]);
  s.push(h264Frame(4, false));
  assert.deepEqual(sink.frames.map((f) => f.payload[0]), [1, 2, 3, 4]);
  assert.equal(sink.frames[3]!.catchUp, false);
});

test('the overlay in force is spliced into the first catch-up frame when the keyframe carried none', () => {
  const s = h264Stream();
  s.push(h264Frame(9, false, { meta: { overlay } })); // before any keyframe: not cached
  s.push(h264Frame(1, true));
  s.push(h264Frame(2, false));
  const { sink, consumer } = viewer();
  s.add(consumer);
  assert.deepEqual(sink.frames.map((f) => f.payload[0]), [1, 2]);
  assert.deepEqual((sink.frames[0]!.meta as { overlay: unknown }).overlay, overlay);
});

test('the cache starts again at every keyframe', () => {
  const s = h264Stream();
  for (const [tag, key] of [[1, true], [2, false], [3, true], [4, false]] as const) s.push(h264Frame(tag, key));
  const { sink, consumer } = viewer();
  s.add(consumer);
  assert.deepEqual(sink.frames.map((f) => f.payload[0]), [3, 4]);
});

test('a group that outgrows the frame or byte bound is dropped; a new viewer then waits for the next keyframe', () => {
  for (const over of [{ gopMaxFrames: 3 }, { gopMaxBytes: 3 * (32 + 1000) }]) {
    const s = h264Stream(over);
    s.push(h264Frame(1, true, { bytes: 1000 }));
    s.push(h264Frame(2, false, { bytes: 1000 }));
    s.push(h264Frame(3, false, { bytes: 1000 }));
    assert.equal(s.cachedFrames, 3, JSON.stringify(over));
    s.push(h264Frame(4, false, { bytes: 1000 }));
    assert.equal(s.cachedFrames, 0, `bounded: ${JSON.stringify(over)}`);
    assert.equal(s.cachedBytes, 0);
    const { sink, consumer } = viewer();
    s.add(consumer);
    s.push(h264Frame(5, false, { bytes: 1000 }));
    assert.equal(sink.written.length, 0, 'nothing mid-chain');
    s.push(h264Frame(6, true, { bytes: 1000 }));
    s.push(h264Frame(7, false, { bytes: 1000 }));
    assert.deepEqual(sink.frames.map((f) => f.payload[0]), [6, 7]);
    assert.deepEqual(sink.frames.map((f) => f.catchUp), [false, false]);
  }
});

test('a viewer joining before any keyframe starts at the first one', () => {
  const s = h264Stream();
  const { sink, consumer } = viewer();
  s.add(consumer);
  s.push(h264Frame(1, false));
  s.push(h264Frame(2, true, { meta: { overlay } }));
  s.push(h264Frame(3, false));
  assert.deepEqual(sink.frames.map((f) => f.payload[0]), [2, 3]);
});

test('a cached group whose newest frame is not live is all catch-up: the first painted frame is the next live one', () => {
  const s = h264Stream();
  const old = nowUs() - 1_000_000;
  s.push(h264Frame(1, true, { captureUs: old }));
  s.push(h264Frame(2, false, { captureUs: old + 33_000 }));
  const { sink, consumer } = viewer();
  s.add(consumer);
  assert.deepEqual(sink.frames.map((f) => f.catchUp), [true, true]);
  s.push(h264Frame(3, false));
  assert.deepEqual(sink.frames.map((f) => [f.payload[0], f.catchUp]), [[1, true], [2, true], [3, false]]);
});

test('after a gap the cached group is dropped and frames up to the next keyframe go to nobody', () => {
  const s = h264Stream();
  const watching = viewer();
  s.add(watching.consumer);
  s.push(h264Frame(1, true));
  s.push(h264Frame(2, false));
  s.status('SOURCE_LOST', 'camera gone');
  assert.equal(s.cachedFrames, 0, 'frames from before a gap are no start for a new viewer');
  const late = viewer();
  s.add(late.consumer);
  s.push(h264Frame(3, false)); // the camera resumes mid-group: nobody can decode this
  assert.equal(s.cachedFrames, 0);
  s.push(h264Frame(4, true));
  s.push(h264Frame(5, false));
  const tags = (v: ReturnType<typeof viewer>) => v.sink.frames.map((f) => [f.payload[0], f.discontinuity, f.seq]);
  assert.deepEqual(tags(watching), [[1, false, 0], [2, false, 1], [4, true, 2], [5, false, 3]], 'resumed at the keyframe, flagged, seq unbroken');
  assert.deepEqual(tags(late), [[4, true, 2], [5, false, 3]]);
});

test('a JPEG stream keeps no group: a late viewer gets only the newest frame', () => {
  const s = new Stream({ id: 'j', instanceId: 'i', camera: 'rear', codec: 'jpeg', fps: 30 });
  const { sink, consumer } = viewer();
  s.push(Buffer.from(h264Frame(1, true)).fill(1, 3, 4)); // codec byte 1 = jpeg
  s.push(Buffer.from(h264Frame(2, true)).fill(1, 3, 4));
  assert.equal(s.cachedFrames, 0);
  s.add(consumer);
  assert.deepEqual(sink.frames.map((f) => [f.codec, f.payload[0], f.catchUp]), [['jpeg', 2, false]]);
});

test('seedGroup (a remote host cached group): a viewer waiting for the first frame gets it as a late viewer does, and live frames follow', () => {
  const s = h264Stream({ firstSeq: 100 });
  const { sink, consumer } = viewer();
  // The hub adds its first viewer at the stream's first frame.
  s.beforeFirstFrame(() => s.add(consumer));
  const group = [h264Frame(1, true, { meta: { overlay } }), h264Frame(2, false), h264Frame(3, false)];
  assert.equal(s.seedGroup(group), true);
  assert.equal(s.cachedFrames, 3);
  assert.deepEqual(sink.frames.map((f) => f.payload[0]), [1, 2, 3]);
  assert.deepEqual(sink.frames.map((f) => f.catchUp), [true, true, false]);
  assert.deepEqual(sink.frames.map((f) => f.seq), [100, 101, 102], 'our sequence numbers, continuing');
  assert.deepEqual((s.overlay as unknown), overlay);
  s.push(h264Frame(4, false));
  assert.deepEqual(sink.frames.map((f) => [f.payload[0], f.seq, f.catchUp]).at(-1), [4, 103, false]);
  // A second viewer later gets the seeded group plus the live frame, like any late viewer.
  const late = viewer();
  s.add(late.consumer);
  assert.deepEqual(late.sink.frames.map((f) => f.payload[0]), [1, 2, 3, 4]);
});

test('seedGroup: a viewer already waiting for a keyframe starts on the group; no group is taken after frames flowed, nor one not led by a keyframe', () => {
  const s = h264Stream();
  const { sink, consumer } = viewer();
  s.add(consumer); // no frame yet: waits for a keyframe
  assert.equal(s.seedGroup([h264Frame(2, false), h264Frame(3, false)]), false, 'not keyframe-led');
  assert.equal(sink.frames.length, 0);
  assert.equal(s.seedGroup([h264Frame(1, true), h264Frame(2, false)]), true);
  assert.deepEqual(sink.frames.map((f) => [f.payload[0], f.catchUp]), [[1, true], [2, false]]);
  assert.equal(s.seedGroup([h264Frame(7, true)]), false, 'frames already flowed');
  assert.equal(s.cachedFrames, 2);
  const jpeg = new Stream({ id: 'j', instanceId: 'i', camera: 'rear', codec: 'jpeg', fps: 30 });
  assert.equal(jpeg.seedGroup([h264Frame(1, true)]), false, 'only H.264 streams take a group');
});

test('seedGroup with an old group: every frame flagged catch-up, the next live frame is the first painted', () => {
  const s = h264Stream();
  const old = nowUs() - 2_000_000;
  const { sink, consumer } = viewer();
  s.beforeFirstFrame(() => s.add(consumer));
  s.seedGroup([h264Frame(1, true, { captureUs: old }), h264Frame(2, false, { captureUs: old + 33_000 })]);
  assert.deepEqual(sink.frames.map((f) => f.catchUp), [true, true]);
  s.push(h264Frame(3, false));
  assert.equal(sink.frames.at(-1)!.catchUp, false);
});

test('late viewers of one group share its catch-up copies: no per-viewer copy of the group (F5)', () => {
  const s = h264Stream();
  s.push(h264Frame(1, true, { meta: { overlay } }));
  s.push(h264Frame(2, false));
  const a = viewer();
  s.add(a.consumer);
  s.push(h264Frame(3, false));
  const b = viewer();
  s.add(b.consumer);
  const c = viewer();
  s.add(c.consumer);
  assert.deepEqual(b.sink.frames.map((f) => f.catchUp), [true, true, false]);
  assert.equal(b.sink.written[0], c.sink.written[0], 'the same flagged keyframe');
  assert.equal(b.sink.written[1], c.sink.written[1]);
  assert.equal(a.sink.written[0], b.sink.written[0], 'copies made for the first late viewer are reused');
  assert.equal(b.sink.written[2], a.sink.written[2], 'the live newest frame is the stream\'s own frame');
  assert.equal(a.sink.frames[2]!.catchUp, false);
  s.push(h264Frame(4, true));
  const d = viewer();
  s.add(d.consumer);
  assert.notEqual(d.sink.written[0], a.sink.written[0], 'a new group, new copies');
  assert.deepEqual(d.sink.frames.map((f) => f.payload[0]), [4]);
});
