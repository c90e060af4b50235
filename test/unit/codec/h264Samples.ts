/** Hand-built H.264 NAL units for the codec tests: real SPS bytes from libx264, synthetic slices. */

/** SPS NAL units (header byte included) that libx264 wrote, with the size and codec string they mean. */
export const SPS_SAMPLES = [
  // ultrafast: Constrained Baseline 3.0, 640x368 coded, cropped to 360.
  { hex: '6742c01eda0280bfe5c044000003000400000300f23c58ba80', codec: 'avc1.42C01E', width: 640, height: 360 },
  // medium: High 3.1, 1280x720 (no cropping).
  { hex: '6764001facd9405005bb0110000003001000000303c0f1831960', codec: 'avc1.64001F', width: 1280, height: 720 },
  // ultrafast 1080p: 1920x1088 coded, cropped to 1080.
  { hex: '6742c028da01e0089f970110000003001000000303c0f1832a', codec: 'avc1.42C028', width: 1920, height: 1080 },
  // veryfast: High 1.3, 320x240.
  { hex: '6764000dacd94141fb0110000003001000000303c0f1429960', codec: 'avc1.64000D', width: 320, height: 240 },
];

export const SPS = Buffer.from(SPS_SAMPLES[0]!.hex, 'hex');
export const PPS = Buffer.from('68ce0fc8', 'hex');
export const AUD = Buffer.from([0x09, 0xf0]);
export const SEI = Buffer.from([0x06, 0x05, 0x02, 0x11, 0x22, 0x80]);

/** ue(v) bits of n. */
function ue(n: number): string {
  const v = (n + 1).toString(2);
  return '0'.repeat(v.length - 1) + v;
}

/**
 * A slice NAL: header (IDR or not), a slice header starting with
 * first_mb_in_slice, then `size` payload bytes that never form a start code.
 */
export function slice(opts: { idr?: boolean; firstMb: number; size?: number; fill?: number }): Buffer {
  const bits = ue(opts.firstMb) + ue(opts.idr ? 7 : 5) + '1'; // first_mb_in_slice, slice_type, then a stop bit
  const headerBytes: number[] = [];
  const padded = bits.padEnd(Math.ceil(bits.length / 8) * 8, '0');
  for (let i = 0; i < padded.length; i += 8) headerBytes.push(parseInt(padded.slice(i, i + 8), 2));
  const body = Buffer.alloc(opts.size ?? 40, opts.fill ?? 0x5a);
  return Buffer.concat([Buffer.from([opts.idr ? 0x65 : 0x41]), Buffer.from(headerBytes), body]);
}

export const SC4 = Buffer.from([0, 0, 0, 1]);
export const SC3 = Buffer.from([0, 0, 1]);

/** An Annex-B buffer of NAL units, each with the given start code (4-byte by default). */
export function annexB(nals: Buffer[], codes?: Buffer[]): Buffer {
  return Buffer.concat(nals.flatMap((n, i) => [codes?.[i] ?? SC4, n]));
}
