/**
 * An RTSP camera served by a real RTSP server (GStreamer's gst-rtsp-server,
 * test/fixtures/rtsp/rtsp_server.py) and pulled by revcam with codec copy:
 * the camera's pictures reach the viewers byte for byte, over TCP or UDP,
 * and through the whole server to WebSocket viewers and GET /stream.h264.
 */
import { after, before, test } from 'node:test';
import assert from 'node:assert/strict';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { DEFAULT_CAMERA } from '../../../src/config/defaults.js';
import { FfmpegSource } from '../../../src/source/ffmpeg/FfmpegSource.js';
import type { SourceFrame } from '../../../src/source/Source.js';
import { hasCommand, requireCommand } from '../../helpers/requireCommand.js';
import { startTestServer } from '../../helpers/server.js';
import { TestViewer } from '../../helpers/viewer.js';
import { h264Endpoint } from './h264Endpoint.js';
import { clipAccessUnits, decodeH264, hasParameterSets, makeClip, requireRtspServer, run, slices, startRtspServer, x264Clip, type RtspServer } from './media.js';

const dir = mkdtempSync(join(tmpdir(), 'revcam-rtsp-'));
let clip = '';
let fileServer: RtspServer | undefined;
before(async () => {
  if (!hasCommand('ffmpeg')) return;
  // Three seconds at 30 fps, a keyframe each second, two slices per picture.
  clip = await makeClip(join(dir, 'rear.mkv'), { width: 640, height: 360, fps: 30, seconds: 3, codec: x264Clip(30) });
});
after(async () => {
  await fileServer?.stop();
  rmSync(dir, { recursive: true, force: true });
});

/** Pulls the camera until it ends (the clip is served once) or `max` frames came. */
async function pull(url: string, transport: 'tcp' | 'udp', max: number): Promise<{ frames: SourceFrame[]; src: FfmpegSource }> {
  const camera = { ...DEFAULT_CAMERA, source: url, width: 640, height: 360, rtspTransport: transport };
  const src = new FfmpegSource({ camera, spec: { kind: 'rtsp', url } });
  const frames: SourceFrame[] = [];
  await new Promise<void>((resolve, reject) => {
    const timer = setTimeout(() => reject(new Error(`only ${frames.length} frames`)), 20_000);
    const done = () => (clearTimeout(timer), resolve());
    src.on('frame', (f) => frames.push(f) === max && done());
    src.on('lost', done); // the end of the clip
    src.start().catch(reject);
  });
  await src.stop();
  return { frames, src };
}

test('an RTSP camera is pulled with codec copy: codec, size, every frame, and its slices byte for byte', async (t) => {
  if (!requireCommand(t, 'ffmpeg') || !requireRtspServer(t)) return;
  const file = await clipAccessUnits(clip);
  assert.equal(file.length, 90);
  fileServer = await startRtspServer(['--mount', '/rear', '--file', clip]);
  const { frames, src } = await pull(fileServer.url, 'tcp', 90);
  assert.deepEqual([src.input?.codec, src.codec, src.width, src.height], ['h264', 'h264', 640, 360]);
  assert.equal(frames.length, 90, 'every picture of the clip, none split, none merged');
  frames.forEach((f, i) => {
    assert.deepEqual(slices(f.data), slices(file[i]!), `picture ${i}: the camera's slices, unchanged`);
    assert.equal(f.keyframe, i % 30 === 0, `picture ${i} keyframe flag`);
    assert.deepEqual([f.width, f.height], [640, 360]);
  });
  // The server sends SPS/PPS only in its SDP: revcam puts them in front of each keyframe.
  assert.ok(frames.filter((f) => f.keyframe).every((f) => hasParameterSets(f.data)));
  assert.equal(await decodeH264(frames.map((f) => f.data)), 90);
});

test('an RTSP camera can be pulled over UDP as well', async (t) => {
  if (!requireCommand(t, 'ffmpeg') || !requireRtspServer(t)) return;
  const file = await clipAccessUnits(clip);
  fileServer ??= await startRtspServer(['--mount', '/rear', '--file', clip]);
  const { frames, src } = await pull(fileServer.url, 'udp', 30);
  assert.equal(src.codec, 'h264');
  assert.equal(frames.length, 30);
  frames.forEach((f, i) => assert.deepEqual(slices(f.data), slices(file[i]!), `picture ${i}`));
});

test('through revcam: H.264 viewers get the camera stream as is, ffprobe reads /stream.h264, JPEG viewers get one transcode', async (t) => {
  if (!requireCommand(t, 'ffmpeg') || !requireCommand(t, 'ffprobe') || !requireRtspServer(t)) return;
  const live = await startRtspServer(['--mount', '/rear', '--live', '640x360@30']);
  const app = await startTestServer({
    cameras: { rear: { source: live.url, width: 640, height: 360, fps: 30 } },
    services: [{ manifest: 'builtin:reversing', standby: 'cold' }],
    reverse: { codec: 'h264' },
  });
  const endpoint = await h264Endpoint(app);
  const viewers: TestViewer[] = [];
  try {
    const h264 = new TestViewer(app.url, { keepPayloads: true });
    viewers.push(h264);
    const accepted = await h264.request({ codec: 'h264' });
    assert.equal(accepted.type, 'accepted', JSON.stringify(accepted));
    await h264.waitForFrames(40, 20_000);
    const first = h264.frames[0]!;
    assert.ok(first.keyframe && hasParameterSets(first.payload), 'the first frame a viewer gets is a keyframe with SPS/PPS');
    assert.ok(h264.frames.every((f) => f.codec === 'h264' && f.width === 640 && f.height === 360));
    const got = h264.frames.slice();
    assert.equal(await decodeH264(got.map((f) => f.payload)), got.length, 'ffmpeg decodes every frame the viewer got');

    const probe = await run('ffprobe', ['-v', 'error', '-count_frames', '-read_intervals', '%+#15', '-show_entries', 'stream=codec_name,width,height,nb_read_frames', '-of', 'json', endpoint.url('camera=rear')]);
    const stream = (JSON.parse(probe.stdout.toString()) as { streams: Array<Record<string, unknown>> }).streams[0]!;
    assert.deepEqual([stream.codec_name, stream.width, stream.height], ['h264', 640, 360]);
    assert.ok(Number(stream.nb_read_frames) >= 15, `ffprobe decoded ${String(stream.nb_read_frames)} frames`);

    const jpegs = [new TestViewer(app.url, { keepPayloads: true }), new TestViewer(app.url)];
    viewers.push(...jpegs);
    for (const v of jpegs) assert.equal((await v.request({ codec: 'jpeg' })).type, 'accepted');
    await Promise.all(jpegs.map((v) => v.waitForFrames(10, 20_000)));
    const jpeg = jpegs[0]!.frames.at(-1)!;
    assert.deepEqual([jpeg.codec, jpeg.width, jpeg.height, [...jpeg.payload.subarray(0, 2)]], ['jpeg', 640, 360, [0xff, 0xd8]]);
    const streams = app.hub.streams().filter((s) => s.camera === 'rear');
    assert.deepEqual(streams.map((s) => s.codec).sort(), ['h264', 'jpeg'], 'one stream per codec, not per viewer');
  } finally {
    for (const v of viewers) v.close();
    await endpoint.close();
    await app.close();
    await live.stop();
  }
});
