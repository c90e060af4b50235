/**
 * H.264 end to end through a real revcam: a clip played as the rear camera
 * (passed through untouched), a late viewer that must decode its very first
 * frame, a viewer that stalls and must resume at a keyframe, the camera's
 * ffmpeg killed under the viewers, and one encoder per codec however many
 * viewers. Everything a viewer receives is decoded by ffmpeg, strictly.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { RevcamApp } from '../../src/app/startRevcam.js';
import type { Stream } from '../../src/stream/Stream.js';
import type { DecodedFrame } from '../../src/wire/frame.js';
import type { StatusMessage } from '../../src/wire/messages.js';
import { hasCommand } from '../helpers/requireCommand.js';
import { startTestServer } from '../helpers/server.js';
import { TestViewer } from '../helpers/viewer.js';
import { children, decodeH264, hasParameterSets, makeClip, x264Clip } from './sources/media.js';

const dir = mkdtempSync(join(tmpdir(), 'revcam-h264-'));
const SKIP = hasCommand('ffmpeg') ? false : 'ffmpeg is not installed (apt-get install ffmpeg)';
if (SKIP && process.env.CI === 'true') throw new Error(`CI=true and ${SKIP}`);
if (SKIP) process.stderr.write(`\n!!! SKIPPED: ${SKIP}\n\n`);
let app: RevcamApp;
const viewers: TestViewer[] = [];
const viewer = (keepPayloads = true) => {
  const v = new TestViewer(app.url, { keepPayloads });
  viewers.push(v);
  return v;
};

before(async () => {
  if (SKIP) return;
  // Big noisy 720p pictures (tens of kB) so a stalled viewer's socket fills fast; a keyframe every 15 frames.
  const clip = await makeClip(join(dir, 'rear.mp4'), { width: 1280, height: 720, fps: 30, seconds: 2, filter: 'noise=alls=15:allf=t', codec: x264Clip(15, ['-crf', '26']) });
  app = await startTestServer({
    cameras: { rear: { source: `file:${clip}`, width: 1280, height: 720, fps: 30 } },
    services: [{ manifest: 'builtin:reversing', standby: 'cold' }],
    stream: { viewerQueueFrames: 2, viewerMaxBufferedBytes: 65536 },
    // The simulator boots in reverse gear: let the rear view it opens be the H.264 stream.
    reverse: { codec: 'h264' },
  });
});
after(async () => {
  for (const v of viewers) v.close();
  await app?.close();
  rmSync(dir, { recursive: true, force: true });
});

const h264Stream = (): Stream => app.hub.streams().find((s) => s.camera === 'rear' && s.codec === 'h264')!;
const ffmpegs = () => children(app.host.get('reversing')!.pid!).filter((c) => c.comm === 'ffmpeg');
const cmdline = (pid: number) => readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0');
const payloads = (frames: DecodedFrame[]) => frames.map((f) => f.payload);

/** Every frame after a gap in the sequence is a keyframe: the viewer was never fed a broken chain. */
function assertResumesAtKeyframes(frames: DecodedFrame[]): number {
  let gaps = 0;
  for (let i = 1; i < frames.length; i++) {
    if (((frames[i]!.seq - frames[i - 1]!.seq) >>> 0) !== 1) {
      gaps++;
      assert.ok(frames[i]!.keyframe, `frame seq ${frames[i]!.seq} after a gap is not a keyframe`);
    }
  }
  return gaps;
}

test('the first H.264 viewer starts at a keyframe with SPS/PPS and decodes every frame', { skip: SKIP }, async () => {
  const a = viewer();
  const reply = await a.request({ codec: 'h264' });
  assert.equal(reply.type, 'accepted', JSON.stringify(reply));
  await a.waitForFrames(20);
  const got = a.frames.slice();
  assert.ok(got[0]!.keyframe && hasParameterSets(got[0]!.payload));
  assert.ok(got.every((f) => f.codec === 'h264' && f.width === 1280 && f.height === 720 && !f.catchUp));
  assert.equal(await decodeH264(payloads(got)), got.length);
});

test('a late H.264 viewer gets the cached group at once and decodes its very first frame', { skip: SKIP }, async () => {
  const a = viewers[0]!;
  // Join mid-group, so there is something to catch up on.
  await a.waitFor(() => h264Stream().cachedFrames >= 4, 'the stream to be mid-group');
  const cached = h264Stream().cachedFrames;
  const b = viewer();
  await b.request({ codec: 'h264' });
  await b.waitForFrames(cached + 10);
  const got = b.frames.slice();
  assert.ok(got[0]!.keyframe && hasParameterSets(got[0]!.payload), 'the first frame is the cached keyframe');
  const burst = got.findIndex((f) => !f.catchUp);
  assert.ok(burst >= 3, `a catch-up burst of ${burst} frames came first`);
  assert.ok(got.slice(0, burst).every((f) => f.catchUp) && got.slice(burst).every((f) => !f.catchUp), 'catch-up first, then live frames only');
  for (let i = 1; i < got.length; i++) assert.equal(got[i]!.seq, got[i - 1]!.seq + 1, 'a gapless chain from the keyframe');
  assert.ok((got[0]!.meta as { overlay?: unknown } | undefined)?.overlay, 'the first frame carries the overlay');
  assert.equal(await decodeH264(payloads(got)), got.length, 'every frame from the first decodes');
});

test('a stalled H.264 viewer loses whole groups, resumes at a keyframe and decodes cleanly; the others miss nothing', { skip: SKIP }, async () => {
  const reader = viewers[0]!;
  const c = viewer();
  await c.request({ codec: 'h264' });
  await c.waitForFrames(5);
  const consumer = [...h264Stream().consumers()].at(-1)!;
  const socket = (c.ws as unknown as { _socket: { pause(): void; resume(): void } })._socket;
  socket.pause();
  const from = reader.frames.length;
  await reader.waitFor(() => consumer.dropped > 20, 'the stalled viewer to drop frames', 30_000);
  assert.ok(consumer.queuedLive <= 2, `bounded while stalled: ${consumer.queuedLive} frames`);
  socket.resume();
  // What was in the socket buffers arrives first; then the gap, then a keyframe and what follows it.
  const afterGap = () => {
    const i = c.frames.findIndex((f, k) => k > 0 && ((f.seq - c.frames[k - 1]!.seq) >>> 0) !== 1);
    return i > 0 && c.frames.length - i >= 10;
  };
  await c.waitFor(afterGap, 'frames after the stall', 30_000);
  const got = c.frames.slice();
  assert.ok(assertResumesAtKeyframes(got) >= 1, 'the stall showed as a gap');
  assert.equal(await decodeH264(payloads(got)), got.length, 'everything the stalled viewer got decodes');
  const seen = reader.frames.slice(from);
  for (let i = 1; i < seen.length; i++) assert.equal(seen[i]!.seq, seen[i - 1]!.seq + 1, 'the reading viewer missed nothing meanwhile');
});

test('each codec is encoded at most once, however many viewers; an encoder stops with its last viewer', { skip: SKIP }, async () => {
  const capture = ffmpegs();
  assert.equal(capture.length, 1, `H.264 from the clip is passed through: one ffmpeg, no encoder: ${capture.map((p) => cmdline(p.pid).join(' ')).join(' // ')}`);
  const jpegs = [viewer(false), viewer(false), viewer(false)];
  for (const v of jpegs) assert.equal((await v.request({ codec: 'jpeg' })).type, 'accepted');
  await Promise.all(jpegs.map((v) => v.waitForFrames(5)));
  assert.ok(jpegs.every((v) => v.frames.every((f) => f.codec === 'jpeg' && f.width === 1280)));
  const running = ffmpegs();
  assert.equal(running.length, 2, 'the capture and one H.264 -> JPEG encoder for three JPEG viewers');
  const encoder = running.find((p) => cmdline(p.pid).includes('pipe:0'))!;
  assert.ok(encoder, 'the encoder reads the camera frames from revcam on stdin');
  for (const v of jpegs) v.close();
  await viewers[0]!.waitFor(() => ffmpegs().length === 1 || undefined, 'the JPEG encoder to stop');
  assert.equal(ffmpegs()[0]!.pid, capture[0]!.pid, 'the capture went on');
});

test('killing the camera\'s ffmpeg: viewers hear SOURCE_LOST, then SOURCE_RESTORED and a keyframe, on the same connection', { skip: SKIP }, async () => {
  const a = viewers[0]!;
  const [capture] = ffmpegs();
  assert.ok(capture);
  const statuses = () => a.messages.filter((m): m is StatusMessage => m.type === 'status').map((m) => m.event);
  const before = statuses().length;
  const framesBefore = a.frames.length;
  process.kill(capture.pid, 'SIGKILL');
  await a.waitFor(() => statuses().slice(before).includes('SOURCE_RESTORED'), 'SOURCE_RESTORED', 20_000);
  assert.deepEqual(statuses().slice(before), ['SOURCE_LOST', 'SOURCE_RESTORED']);
  await a.waitForFrames(10, 20_000);
  const after = a.frames.slice(framesBefore);
  const resumed = after.findIndex((f) => f.discontinuity);
  assert.ok(resumed >= 0, 'the first frame after the gap says so');
  assert.ok(after[resumed]!.keyframe && hasParameterSets(after[resumed]!.payload), 'and it is a keyframe a decoder can restart from');
  assert.equal(a.closeCode, undefined, 'the connection stayed open');
  assert.notEqual(ffmpegs()[0]?.pid, capture.pid, 'a new ffmpeg captures');
  const fromKey = after.slice(resumed);
  assert.equal(await decodeH264(payloads(fromKey)), fromKey.length);
});
