import { test } from 'node:test';
import assert from 'node:assert/strict';
import { setTimeout as sleep } from 'node:timers/promises';
import { checkManifest } from '../../../src/service/manifest.js';
import { GUIDELINE_SIGNALS, guidelineOverlay, SIGNAL_STALE_MS } from '../../../src/services/reversing/guidelineOverlay.js';
import reversing, { ReversingService } from '../../../src/services/reversing/index.js';
import { manifest } from '../../../src/services/reversing/manifest.js';
import { VSS, type SignalSample } from '../../../src/wire/signals.js';
import { smallCamera, vehicle } from '../source/fixtures.js';
import { fakeContext, until } from './fakeContext.js';
import { ManualSource } from './manualSource.js';

const rear = smallCamera({ fps: 30 });

test('the reversing manifest is valid and offers the rear and door-mirror cameras in jpeg and h264', () => {
  const m = checkManifest(manifest, 'builtin:reversing');
  assert.deepEqual([m.name, m.kind, m.cameras, m.codecs, m.module], ['reversing', 'reversing', ['rear', 'front', 'left', 'right'], ['jpeg', 'h264'], './index.js']);
  // It subscribes to what the guidelines are drawn from.
  for (const path of [...GUIDELINE_SIGNALS, VSS.speed]) assert.ok(m.signals?.includes(path), `${path} not subscribed`);
});

test('reversing emits rear frames; the first carries the guideline overlay, later ones do not; close stops them', async () => {
  const ctx = fakeContext(manifest, { rear });
  const logic = await reversing(ctx);
  const opened = await logic.openCamera('rear', 'jpeg');
  assert.deepEqual(opened, { width: 640, height: 360, fps: 30 });
  await until(() => ctx.frames.length >= 4);

  assert.ok(ctx.frames.every((f) => f.camera === 'rear' && f.frame.codec === 'jpeg' && f.frame.width === 640));
  const first = ctx.frames[0]!;
  assert.equal(first.meta?.overlay?.bands.length, 3);
  // No signal has arrived: static guidelines, the notice, and every signal reported stale.
  const noSignals = { steeringDeg: undefined, forwardGear: false, creepingForward: false, sensors: {}, stale: [...GUIDELINE_SIGNALS] };
  assert.deepEqual(first.meta.overlay, guidelineOverlay(rear, vehicle, noSignals));
  for (const later of ctx.frames.slice(1)) assert.equal(later.meta, undefined);

  await logic.closeCamera('rear', 'jpeg');
  const atClose = ctx.frames.length;
  await sleep(200);
  assert.equal(ctx.frames.length, atClose, 'no frames after closeCamera');

  // Opening again sends the overlay again with the first frame.
  await logic.openCamera('rear', 'jpeg');
  await until(() => ctx.frames.length > atClose + 1);
  assert.ok(ctx.frames[atClose]!.meta?.overlay);
  assert.equal(ctx.frames[atClose + 1]!.meta, undefined);
  await logic.stop();
  const atStop = ctx.frames.length;
  await sleep(200);
  assert.equal(ctx.frames.length, atStop, 'no frames after stop');
});

test('reversing refuses unknown cameras and codecs with coded errors', async () => {
  const logic = await reversing(fakeContext(manifest, { rear }));
  await assert.rejects(logic.openCamera('front', 'jpeg'), (err: Error & { code?: string }) =>
    err.code === 'CAMERA_NOT_AVAILABLE' && /no camera 'front'/.test(err.message));
  await assert.rejects(logic.closeCamera('front', 'jpeg'), { code: 'CAMERA_NOT_AVAILABLE' });
  // A service refuses a codec its manifest does not offer.
  const jpegOnly = await reversing(fakeContext({ ...manifest, codecs: ['jpeg'] }, { rear }));
  await assert.rejects(jpegOnly.openCamera('rear', 'h264'), { code: 'CODEC_UNSUPPORTED' });
  await jpegOnly.stop();
  // Closing a camera that is not open is harmless.
  await logic.closeCamera('rear', 'jpeg');
  await logic.stop();
});

/** A reversing service on a manual camera and a clock the test moves. */
async function manual() {
  const ctx = fakeContext(manifest, { rear });
  let nowMs = 1_700_000_000_000;
  const source = new ManualSource();
  const logic = new ReversingService(ctx, { nowUs: () => nowMs * 1000, checkEveryMs: 5, createSource: () => source });
  await logic.openCamera('rear', 'jpeg');
  const signal = (path: string, value: number): SignalSample => ({ path, value, timestampUs: nowMs * 1000 });
  const all = (steering: number): SignalSample[] => [
    signal(VSS.gear, -1),
    signal(VSS.steeringWheelAngle, steering),
    ...Object.values(VSS.rearSensor).map((p) => signal(p, 5)),
  ];
  /** The overlay the next frame carries, if any. */
  const next = () => {
    source.frame();
    return ctx.frames.at(-1)!.meta?.overlay;
  };
  return { ctx, logic, next, signal, all, advance: (ms: number) => (nowMs += ms) };
}

test('a steering change rides on the next frame; jitter and repeats do not re-send the overlay', async () => {
  const { logic, next, signal, all } = await manual();
  try {
    next();
    logic.onSignals(all(0));
    const straight = next();
    assert.ok(straight?.trajectory, 'the first frame after the signals carries the trajectory');
    assert.deepEqual(straight.staleSignals, undefined);
    assert.equal(next(), undefined, 'unchanged: no metadata');

    logic.onSignals([signal(VSS.steeringWheelAngle, 0.4)]);
    logic.onSignals(all(-0.3));
    assert.equal(next(), undefined, 'jitter under a degree sends nothing');

    logic.onSignals([signal(VSS.steeringWheelAngle, 360)]);
    const turned = next();
    assert.equal(turned?.trajectory?.steeringDeg, 360);
    assert.notDeepEqual(turned.trajectory.left, straight.trajectory.left);
    assert.equal(next(), undefined);
  } finally {
    await logic.stop();
  }
});

test('a signal that stops arriving is reported stale on a frame without any new sample; the frames go on', async () => {
  const { ctx, logic, next, all, advance } = await manual();
  try {
    logic.onSignals(all(90));
    assert.ok(next()?.trajectory);
    advance(SIGNAL_STALE_MS + 50);
    await until(() => logic.inputs.stale.length > 0);
    const stale = next();
    assert.deepEqual(stale?.staleSignals, [...GUIDELINE_SIGNALS]);
    assert.equal(stale.trajectory, undefined, 'no trajectory from a stale steering angle');
    assert.deepEqual(stale.notices, ['Check surroundings']);
    // Fresh values again: the warning goes.
    logic.onSignals(all(90));
    const back = next();
    assert.equal(back?.staleSignals, undefined);
    assert.equal(back?.trajectory?.steeringDeg, 90);
    assert.ok(ctx.frames.every((f) => f.frame.data.length > 0));
  } finally {
    await logic.stop();
  }
});
