/**
 * The ffmpeg command lines revcam runs, built from config by pure functions
 * (unit-tested without ffmpeg). Every output goes to stdout in a framing
 * whose frame boundaries are explicit, so revcam hands each frame on the
 * moment its last byte arrives:
 *
 * - H.264 as FLV (one tag per access unit, with its length);
 * - JPEG as raw concatenated images (each ends with its EOI marker).
 *
 * Inputs that already are H.264 or MJPEG are copied (`-c:v copy`): no
 * decode, no re-encode. Everything else is encoded once.
 */
import type { CameraConfig, H264EncoderConfig } from '../../config/types.js';
import type { CodecName } from '../../wire/frame.js';
import type { SourceSpec } from './sourceSpec.js';

/** What ffprobe (or the device config) says the input carries. */
export interface InputInfo {
  /** ffmpeg's codec name of the input video (`h264`, `mjpeg`, `rawvideo`, `hevc`, …). */
  codec: string;
  width: number;
  height: number;
  fps: number;
}

const COMMON = ['-hide_banner', '-nostdin', '-nostats', '-loglevel', 'error'];
const STDOUT = 'pipe:1';

/** The codec revcam gets from an input without re-encoding, or undefined when it must encode. */
export function passthroughCodec(inputCodec: string): CodecName | undefined {
  if (inputCodec === 'h264') return 'h264';
  if (inputCodec === 'mjpeg') return 'jpeg';
  return undefined;
}

/** The codec a V4L2 camera delivers for a configured input format, before any probing. */
export function v4l2InputCodec(inputFormat: string): string {
  if (inputFormat === 'mjpeg' || inputFormat === 'h264') return inputFormat;
  return 'rawvideo';
}

/** ffmpeg's input options for a source. */
export function inputArgs(spec: Exclude<SourceSpec, { kind: 'synthetic' }>, camera: CameraConfig): string[] {
  switch (spec.kind) {
    case 'v4l2': {
      const fmt = camera.v4l2.inputFormat;
      return [
        '-f', 'v4l2',
        ...(fmt === 'auto' ? [] : ['-input_format', fmt]),
        '-video_size', `${camera.width}x${camera.height}`,
        '-framerate', String(camera.fps),
        '-i', spec.device,
      ];
    }
    case 'rtsp':
      return [
        '-rtsp_transport', camera.rtspTransport,
        // Socket I/O timeout (µs): a camera that stops answering ends the process instead of hanging it.
        '-timeout', String(Math.max(1, camera.stallTimeoutMs) * 1000),
        // The SDP and the first packet say all a copy needs: start at once (about 1 s sooner).
        // Not -fflags nobuffer: with it ffmpeg held frames back by about a second.
        '-probesize', '32',
        '-analyzeduration', '0',
        '-i', spec.url,
      ];
    case 'file':
      // -re: read at the clip's own rate, as a camera would deliver it; loop for ever.
      return ['-re', '-stream_loop', '-1', '-i', spec.path];
  }
}

/** libx264 for live viewing: no B-frames, no lookahead, a fixed keyframe interval with SPS/PPS on every keyframe. */
export function x264Args(cfg: H264EncoderConfig): string[] {
  const k = String(cfg.keyframeIntervalFrames);
  return [
    '-c:v', 'libx264',
    '-preset', cfg.preset,
    '-tune', 'zerolatency',
    '-pix_fmt', 'yuv420p',
    '-g', k,
    '-keyint_min', k,
    '-sc_threshold', '0',
    '-bf', '0',
    '-b:v', `${cfg.bitrateKbps}k`,
    '-maxrate', `${cfg.bitrateKbps}k`,
    '-bufsize', `${Math.max(1, Math.round(cfg.bitrateKbps / 2))}k`,
    '-x264-params', 'aud=1:repeat-headers=1',
  ];
}

/** ffmpeg's -q:v (2 best … 31 worst) for a JPEG quality 1-100. */
export function mjpegQscale(quality: number): number {
  return Math.min(31, Math.max(2, Math.round(2 + (100 - quality) * 0.25)));
}

/** Output options producing `codec` on stdout: a copy when the input already is that codec, an encode otherwise. */
export function outputArgs(codec: CodecName, copy: boolean, camera: CameraConfig): string[] {
  const select = ['-map', '0:v:0', '-an', '-sn', '-dn'];
  // The MJPEG encoder's frame threads would hold pictures back (one per extra thread): slices only.
  const mjpeg = ['-c:v', 'mjpeg', '-q:v', String(mjpegQscale(camera.jpegQuality)), '-pix_fmt', 'yuvj420p', '-thread_type', 'slice'];
  const encode = copy ? ['-c:v', 'copy'] : codec === 'h264' ? x264Args(camera.h264) : mjpeg;
  // passthrough: never duplicate or drop frames to fit a nominal rate; flush each packet at once.
  const timing = copy ? [] : ['-fps_mode', 'passthrough'];
  const format = codec === 'h264' ? ['-f', 'flv', '-flvflags', 'no_duration_filesize'] : ['-f', 'mjpeg'];
  return [...select, ...encode, ...timing, '-flush_packets', '1', ...format, STDOUT];
}

/** The whole capture command: one input, one output in `codec`. */
export function captureArgs(spec: Exclude<SourceSpec, { kind: 'synthetic' }>, camera: CameraConfig, input: InputInfo, codec: CodecName): string[] {
  const copy = passthroughCodec(input.codec) === codec;
  return [...COMMON, ...inputArgs(spec, camera), ...outputArgs(codec, copy, camera)];
}

/**
 * A transcoder fed on stdin by revcam: JPEG arrives as multipart MJPEG and
 * H.264 as FLV, both framed by length, so ffmpeg's demuxer hands over each
 * frame as soon as it is read instead of waiting for the next one to begin.
 */
export function transcodeArgs(from: CodecName, to: CodecName, camera: CameraConfig): string[] {
  const demux = from === 'jpeg' ? ['-f', 'mpjpeg'] : ['-f', 'flv'];
  return [
    ...COMMON,
    // Start decoding at the first frame. (-fflags nobuffer would hold about 30 frames back here.)
    '-probesize', '32',
    '-analyzeduration', '0',
    // Slice threads only, and low_delay: frame threads and a guessed reorder depth would hold pictures back.
    '-thread_type', 'slice',
    '-flags', 'low_delay',
    ...demux,
    '-i', 'pipe:0',
    // JPEG in: the first picture is thrown away and the second opens the stream as a keyframe. A
    // fresh process's first picture is old by the time ffmpeg has started; a spare's first is its
    // priming picture (SpareProcess.ts), or, not primed, a live one that x264 makes a keyframe anyway.
    ...(from === 'jpeg' && to === 'h264' ? ['-force_key_frames', 'expr:eq(n,1)'] : []),
    ...outputArgs(to, false, camera),
  ];
}

const MPJPEG_BOUNDARY = 'revcamframe';

/** One JPEG as a part of the multipart stream a JPEG-in transcoder reads (`-f mpjpeg`), its length given. */
export function mpjpegPart(jpeg: Uint8Array): Buffer {
  const head = Buffer.from(`--${MPJPEG_BOUNDARY}\r\nContent-Type: image/jpeg\r\nContent-Length: ${jpeg.length}\r\n\r\n`, 'latin1');
  return Buffer.concat([head, jpeg, Buffer.from('\r\n')]);
}

export function ffprobeArgs(spec: Exclude<SourceSpec, { kind: 'synthetic' }>, camera: CameraConfig): string[] {
  const target = spec.kind === 'rtsp' ? spec.url : spec.kind === 'file' ? spec.path : spec.device;
  const transport =
    spec.kind === 'rtsp' ? ['-rtsp_transport', camera.rtspTransport, '-timeout', String(Math.max(1, camera.stallTimeoutMs) * 1000), '-probesize', '32', '-analyzeduration', '0'] : [];
  return ['-v', 'error', ...transport, '-select_streams', 'v:0', '-show_entries', 'stream=codec_name,width,height,avg_frame_rate,r_frame_rate', '-of', 'json', target];
}
