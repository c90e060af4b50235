/** Turns an ffmpeg process's stdout into frames: FLV for H.264, concatenated images for JPEG. */
import { FlvH264Reader } from '../../codec/flv/FlvH264Reader.js';
import { JpegSplitter } from '../../codec/jpeg/JpegSplitter.js';
import type { CodecName } from '../../wire/frame.js';

export interface ParsedFrame {
  codec: CodecName;
  keyframe: boolean;
  /** When the frame's first byte reached revcam, microseconds. */
  arrivalUs: number;
  width: number;
  height: number;
  data: Buffer;
}

export interface FrameParser {
  push(chunk: Buffer, arrivalUs: number): void;
}

export function createFrameParser(codec: CodecName, onFrame: (f: ParsedFrame) => void): FrameParser {
  if (codec === 'h264') {
    return new FlvH264Reader((au) => onFrame({ codec, keyframe: au.keyframe, arrivalUs: au.arrivalUs, width: au.width, height: au.height, data: au.data }));
  }
  return new JpegSplitter((img) => onFrame({ codec, keyframe: true, arrivalUs: img.arrivalUs, width: img.width, height: img.height, data: img.data }));
}
