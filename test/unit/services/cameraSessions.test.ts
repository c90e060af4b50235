import { test } from 'node:test';
import assert from 'node:assert/strict';
import type { Source, SourceFrame, SourceListener } from '../../../src/source/Source.js';
import { CameraSessions } from '../../../src/services/reversing/cameraSessions.js';
import { manifest } from '../../../src/services/reversing/manifest.js';
import type { Overlay } from '../../../src/wire/overlay.js';
import { smallCamera } from '../source/fixtures.js';
import { fakeContext } from './fakeContext.js';
import { SourceEmitter } from '../../../src/source/SourceEmitter.js';

/** A source that emits only when told to. */
class FakeSource extends SourceEmitter implements Source {
  readonly width = 640;
  readonly height = 360;
  readonly fps = 30;
  readonly codec = 'jpeg' as const;
  starts = 0;
  stops = 0;
  failStart = false;
  async start(): Promise<void> {
    if (this.failStart) throw new Error('device busy');
    this.starts++;
  }
  async stop(): Promise<void> {
    this.stops++;
  }
  listeners(): number {
    return this.listenerCountOf('frame');
  }
  frame(n: number): void {
    const f: SourceFrame = { codec: 'jpeg', keyframe: true, captureUs: n, width: 640, height: 360, data: new Uint8Array([n]) };
    this.emitSource('frame', f);
  }
  emit<E extends 'lost' | 'restored'>(event: E, ...args: Parameters<SourceListener[E]>): void {
    this.emitSource(event, ...args);
  }
}

const overlay = (tag: number): Overlay => ({ width: tag, height: 360, rails: [[], []], bands: [] });

function setup() {
  const ctx = fakeContext(manifest, { rear: smallCamera() });
  const sources: FakeSource[] = [];
  const logic = new CameraSessions(ctx, {
    overlayFor: () => overlay(1),
    createSource: () => {
      const s = new FakeSource();
      sources.push(s);
      return s;
    },
  });
  return { ctx, sources, logic };
}

test('one source per camera, started once however often it is opened', async () => {
  const { sources, logic } = setup();
  await logic.openCamera('rear', 'jpeg');
  await logic.openCamera('rear', 'jpeg');
  assert.equal(sources.length, 1);
  assert.equal(sources[0]!.starts, 1);
});

test('overlay rides on the first frame after open and after a change, only then', async () => {
  const { ctx, sources, logic } = setup();
  await logic.openCamera('rear', 'jpeg');
  const src = sources[0]!;
  src.frame(1);
  src.frame(2);
  logic.setOverlay('rear', overlay(2));
  src.frame(3);
  src.frame(4);
  await logic.openCamera('rear', 'jpeg');
  src.frame(5);
  assert.deepEqual(ctx.frames.map((f) => f.meta?.overlay?.width), [1, undefined, 2, undefined, 2]);
  assert.deepEqual(ctx.frames.map((f) => f.frame.captureUs), [1, 2, 3, 4, 5]);
});

test('closing the last codec stops the source and detaches from it', async () => {
  const { ctx, sources, logic } = setup();
  await logic.openCamera('rear', 'jpeg');
  const src = sources[0]!;
  await logic.closeCamera('rear', 'jpeg');
  assert.equal(src.stops, 1);
  assert.equal(src.listeners(), 0);
  src.frame(1);
  assert.equal(ctx.frames.length, 0);
  await logic.closeCamera('rear', 'jpeg');
  assert.equal(src.stops, 1, 'closing again is a no-op');
});

test('stop() releases every open camera', async () => {
  const { sources, logic } = setup();
  await logic.openCamera('rear', 'jpeg');
  await logic.stop();
  assert.equal(sources[0]!.stops, 1);
});

test('source loss and recovery reach the viewers as status events', async () => {
  const { ctx, sources, logic } = setup();
  await logic.openCamera('rear', 'jpeg');
  sources[0]!.emit('lost', 'cable unplugged');
  sources[0]!.emit('restored');
  assert.deepEqual(ctx.statuses.map((s) => [s.camera, s.event]), [['rear', 'SOURCE_LOST'], ['rear', 'SOURCE_RESTORED']]);
  assert.equal(ctx.statuses[0]!.message, 'cable unplugged');
});

test('a source that fails to start is released and the open fails with SERVICE_FAILED', async () => {
  const ctx = fakeContext(manifest, { rear: smallCamera() });
  let made = 0;
  const logic = new CameraSessions(ctx, {
    createSource: () => {
      made++;
      const s = new FakeSource();
      s.failStart = made === 1;
      return s;
    },
  });
  await assert.rejects(logic.openCamera('rear', 'jpeg'), (err: Error & { code?: string }) =>
    err.code === 'SERVICE_FAILED' && /device busy/.test(err.message));
  // The next open tries a fresh source.
  await logic.openCamera('rear', 'jpeg');
  assert.equal(made, 2);
});
