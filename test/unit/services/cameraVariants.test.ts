import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CameraSessions } from '../../../src/services/reversing/cameraSessions.js';
import { manifest } from '../../../src/services/reversing/manifest.js';
import type { Transcoder } from '../../../src/source/createSource.js';
import type { Source, SourceFrame, SourceListener } from '../../../src/source/Source.js';
import type { CodecName } from '../../../src/wire/frame.js';
import type { Overlay } from '../../../src/wire/overlay.js';
import { smallCamera } from '../source/fixtures.js';
import { fakeContext } from './fakeContext.js';
import { SourceEmitter } from '../../../src/source/SourceEmitter.js';

class FakeSource extends SourceEmitter implements Source {
  readonly width = 640;
  readonly height = 360;
  readonly fps = 30;
  stops = 0;
  constructor(readonly codec: CodecName) {
    super();
  }
  async start(): Promise<void> {}
  async stop(): Promise<void> {
    this.stops++;
  }
  frame(n: number, keyframe = true): void {
    const f: SourceFrame = { codec: this.codec, keyframe, captureUs: n, width: 640, height: 360, data: new Uint8Array([n]) };
    this.emitSource('frame', f);
  }
  emit<E extends 'lost' | 'restored'>(event: E, ...args: Parameters<SourceListener[E]>): void {
    this.emitSource(event, ...args);
  }
}

/** A transcoder that "encodes" by tagging: it re-emits each fed frame in its own codec. */
class FakeTranscoder extends FakeSource implements Transcoder {
  fed: number[] = [];
  resets = 0;
  constructor(readonly from: CodecName, to: CodecName) {
    super(to);
  }
  feed(f: SourceFrame): void {
    this.fed.push(f.captureUs);
    this.frame(f.captureUs + 1000, f.keyframe);
  }
  reset(): void {
    this.resets++;
  }
}

const overlay = (tag: number): Overlay => ({ width: tag, height: 360, rails: [[], []], bands: [] });

function setup(sourceCodec: CodecName) {
  const ctx = fakeContext(manifest, { rear: smallCamera() });
  const sources: FakeSource[] = [];
  const transcoders: FakeTranscoder[] = [];
  const asked: Array<CodecName | undefined> = [];
  const logic = new CameraSessions(ctx, {
    overlayFor: () => overlay(1),
    createSource: (_c, _v, opts) => {
      asked.push(opts?.codec);
      const s = new FakeSource(sourceCodec);
      sources.push(s);
      return s;
    },
    createTranscoder: (from, to) => {
      const t = new FakeTranscoder(from, to);
      transcoders.push(t);
      return t;
    },
  });
  return { ctx, sources, transcoders, asked, logic };
}

test("the source's own codec goes out as is; another codec gets one encoder, however often it is opened", async () => {
  const { ctx, sources, transcoders, asked, logic } = setup('h264');
  await logic.openCamera('rear', 'h264');
  await logic.openCamera('rear', 'jpeg');
  await logic.openCamera('rear', 'jpeg');
  assert.deepEqual(asked, ['h264'], 'the source learns the first codec asked for');
  assert.equal(sources.length, 1);
  assert.deepEqual(transcoders.map((t) => [t.from, t.codec]), [['h264', 'jpeg']]);
  sources[0]!.frame(1);
  assert.deepEqual(ctx.frames.map((f) => [f.frame.codec, f.frame.captureUs]), [['h264', 1], ['jpeg', 1001]], 'the camera bytes, then the encoded picture');
  assert.deepEqual(transcoders[0]!.fed, [1]);
});

test('each codec carries the overlay on its own first frame', async () => {
  const { ctx, sources, logic } = setup('jpeg');
  await logic.openCamera('rear', 'jpeg');
  await logic.openCamera('rear', 'h264');
  sources[0]!.frame(1);
  sources[0]!.frame(2);
  logic.setOverlay('rear', overlay(2));
  sources[0]!.frame(3);
  const byCodec = (c: CodecName) => ctx.frames.filter((f) => f.frame.codec === c).map((f) => f.meta?.overlay?.width);
  assert.deepEqual(byCodec('jpeg'), [1, undefined, 2]);
  assert.deepEqual(byCodec('h264'), [1, undefined, 2]);
});

test("an encoder stops with its codec's last viewer; the camera with the last codec", async () => {
  const { sources, transcoders, logic } = setup('jpeg');
  await logic.openCamera('rear', 'jpeg');
  await logic.openCamera('rear', 'h264');
  await logic.closeCamera('rear', 'h264');
  assert.equal(transcoders[0]!.stops, 1);
  assert.equal(sources[0]!.stops, 0, 'JPEG viewers still watch');
  sources[0]!.frame(1);
  assert.deepEqual(transcoders[0]!.fed, [], 'a stopped encoder is fed nothing');
  await logic.openCamera('rear', 'h264');
  assert.equal(transcoders.length, 2, 'a new viewer of the codec starts a new encoder');
  await logic.stop();
  assert.equal(transcoders[1]!.stops, 1);
  assert.equal(sources[0]!.stops, 1);
});

test('after the camera was lost, encoders start afresh with its first frame back', async () => {
  const { ctx, sources, transcoders, logic } = setup('jpeg');
  await logic.openCamera('rear', 'h264');
  const src = sources[0]!;
  src.frame(1);
  src.emit('lost', 'unplugged');
  src.emit('restored');
  assert.equal(transcoders[0]!.resets, 0);
  src.frame(2);
  assert.equal(transcoders[0]!.resets, 1, 'reset before the first frame after the loss is fed');
  assert.deepEqual(transcoders[0]!.fed, [1, 2]);
  assert.deepEqual(ctx.statuses.map((s) => s.event), ['SOURCE_LOST', 'SOURCE_RESTORED']);
});
