import { test } from 'node:test';
import assert from 'node:assert/strict';
import { captureArgs, inputArgs, mjpegQscale, mpjpegPart, passthroughCodec, transcodeArgs, v4l2InputCodec, x264Args } from '../../../../src/source/ffmpeg/ffmpegArgs.js';
import { describeSource, parseSourceSpec } from '../../../../src/source/ffmpeg/sourceSpec.js';
import { smallCamera } from '../fixtures.js';

/** The value after `flag`, or undefined. */
const opt = (args: string[], flag: string): string | undefined => {
  const i = args.indexOf(flag);
  return i >= 0 ? args[i + 1] : undefined;
};
/** The options that come before `-i`: ffmpeg's input options. */
const beforeInput = (args: string[]) => args.slice(0, args.indexOf('-i'));

test('a V4L2 device is opened with the configured format, size and rate', () => {
  const cam = smallCamera({ width: 1280, height: 720, fps: 25, v4l2: { inputFormat: 'mjpeg' } });
  const args = inputArgs({ kind: 'v4l2', device: '/dev/video2' }, cam);
  assert.deepEqual(args, ['-f', 'v4l2', '-input_format', 'mjpeg', '-video_size', '1280x720', '-framerate', '25', '-i', '/dev/video2']);
  const auto = inputArgs({ kind: 'v4l2', device: '/dev/video0' }, smallCamera({ v4l2: { inputFormat: 'auto' } }));
  assert.equal(auto.includes('-input_format'), false, 'auto leaves the format to the driver');
});

test('an MJPEG or H.264 camera is passed through with -c:v copy; a raw one is encoded once', () => {
  const spec = { kind: 'v4l2', device: '/dev/video0' } as const;
  for (const [fmt, codec, copy, muxer] of [
    ['mjpeg', 'jpeg', true, 'mjpeg'],
    ['h264', 'h264', true, 'flv'],
    ['yuyv422', 'jpeg', false, 'mjpeg'],
    ['yuyv422', 'h264', false, 'flv'],
  ] as const) {
    const cam = smallCamera({ v4l2: { inputFormat: fmt } });
    const input = { codec: v4l2InputCodec(fmt), width: 640, height: 360, fps: 30 };
    const args = captureArgs(spec, cam, input, codec);
    assert.equal(opt(beforeInput(args), '-input_format'), fmt);
    assert.equal(opt(args, '-c:v'), copy ? 'copy' : codec === 'h264' ? 'libx264' : 'mjpeg', `${fmt} -> ${codec}`);
    assert.equal(opt(args.slice(args.indexOf('-i')), '-f'), muxer, 'the output framing');
    assert.equal(args.at(-1), 'pipe:1', 'frames go to stdout, never to a file');
  }
  assert.equal(passthroughCodec('hevc'), undefined);
});

test('RTSP is pulled over the configured transport with a socket timeout; a file plays in real time, looping', () => {
  const rtsp = inputArgs({ kind: 'rtsp', url: 'rtsp://cam/stream' }, smallCamera({ rtspTransport: 'udp', stallTimeoutMs: 2500 }));
  assert.equal(opt(rtsp, '-rtsp_transport'), 'udp');
  assert.equal(opt(rtsp, '-timeout'), '2500000');
  assert.equal(opt(rtsp, '-i'), 'rtsp://cam/stream');
  const file = inputArgs({ kind: 'file', path: '/clips/rear.mp4' }, smallCamera());
  assert.deepEqual(file, ['-re', '-stream_loop', '-1', '-i', '/clips/rear.mp4']);
});

test('H.264 is encoded for live viewing: zerolatency, no B-frames, fixed keyframe interval, headers on every keyframe', () => {
  const args = x264Args({ bitrateKbps: 1800, keyframeIntervalFrames: 15, preset: 'veryfast' });
  assert.equal(opt(args, '-preset'), 'veryfast');
  assert.equal(opt(args, '-tune'), 'zerolatency');
  assert.equal(opt(args, '-bf'), '0');
  assert.equal(opt(args, '-g'), '15');
  assert.equal(opt(args, '-keyint_min'), '15');
  assert.equal(opt(args, '-b:v'), '1800k');
  assert.match(opt(args, '-x264-params') ?? '', /repeat-headers=1/);
});

test('a transcoder reads length-framed input from stdin and never buffers ahead', () => {
  const j2h = transcodeArgs('jpeg', 'h264', smallCamera());
  assert.deepEqual([opt(beforeInput(j2h), '-f'), opt(j2h, '-i')], ['mpjpeg', 'pipe:0']);
  assert.equal(j2h.includes('nobuffer'), false);
  const h2j = transcodeArgs('h264', 'jpeg', smallCamera({ jpegQuality: 90 }));
  assert.equal(opt(beforeInput(h2j), '-f'), 'flv');
  assert.equal(opt(h2j, '-q:v'), String(mjpegQscale(90)));
  assert.ok(mjpegQscale(100) < mjpegQscale(50) && mjpegQscale(1) <= 31 && mjpegQscale(100) >= 2);
});

test('JPEG→H.264 forces its second picture to be a keyframe (the first is thrown away or a priming one); H.264→JPEG forces none', () => {
  assert.equal(opt(transcodeArgs('jpeg', 'h264', smallCamera()), '-force_key_frames'), 'expr:eq(n,1)');
  assert.equal(transcodeArgs('h264', 'jpeg', smallCamera()).includes('-force_key_frames'), false);
});

test('a JPEG goes to a transcoder as one multipart part whose Content-Length is its exact size', () => {
  const jpeg = Buffer.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]);
  const part = mpjpegPart(jpeg);
  const text = part.toString('latin1');
  assert.match(text, /^--\S+\r\nContent-Type: image\/jpeg\r\nContent-Length: 7\r\n\r\n/);
  const body = part.subarray(text.indexOf('\r\n\r\n') + 4);
  assert.deepEqual(body, Buffer.concat([jpeg, Buffer.from('\r\n')]));
});

test('source settings parse into kinds; bad ones are refused with the expected syntax named', () => {
  assert.deepEqual(parseSourceSpec('v4l2:/dev/video0'), { kind: 'v4l2', device: '/dev/video0' });
  assert.deepEqual(parseSourceSpec('rtsp://u:p@cam:554/s'), { kind: 'rtsp', url: 'rtsp://u:p@cam:554/s' });
  assert.deepEqual(parseSourceSpec('file:clips/a b.mp4'), { kind: 'file', path: 'clips/a b.mp4' });
  assert.deepEqual(parseSourceSpec('synthetic'), { kind: 'synthetic' });
  assert.throws(() => parseSourceSpec('v4l2:video0'), /v4l2:\/dev\/videoN/);
  assert.throws(() => parseSourceSpec('file:'), /file:PATH/);
  assert.throws(() => parseSourceSpec('http://x'), /unsupported camera source/);
  assert.equal(describeSource(parseSourceSpec('rtsp://u:secret@cam/s')), 'rtsp://u:***@cam/s', 'no password in logs');
});
