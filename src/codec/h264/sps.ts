/**
 * Sequence parameter set: the fields revcam needs (codec string, picture
 * size), parsed as H.264 clause 7.3.2.1.1 lays them out.
 */
import { avcCodecString } from '../../wire/h264.js';
import { BitReader } from './BitReader.js';

export interface SpsInfo {
  profileIdc: number;
  constraintFlags: number;
  levelIdc: number;
  /** RFC 6381 codec string, e.g. `avc1.42C01F`. */
  codec: string;
  /** Displayed size after cropping. */
  width: number;
  height: number;
}

/** Profiles whose SPS carries chroma format, bit depth and scaling lists. */
const HIGH_PROFILES = new Set([100, 110, 122, 244, 44, 83, 86, 118, 128, 138, 139, 134, 135]);

function skipScalingList(r: BitReader, size: number): void {
  let last = 8;
  let next = 8;
  for (let j = 0; j < size; j++) {
    if (next !== 0) next = (last + r.se() + 256) % 256;
    last = next === 0 ? last : next;
  }
}

/** Parses an SPS NAL unit (header byte included, no start code). Throws on a truncated or foreign NAL. */
export function parseSps(nal: Uint8Array): SpsInfo {
  const codec = avcCodecString(nal);
  const r = new BitReader(nal);
  const profileIdc = r.u(8);
  const constraintFlags = r.u(8);
  const levelIdc = r.u(8);
  r.ue(); // seq_parameter_set_id
  let chromaFormatIdc = 1;
  let separateColourPlane = false;
  if (HIGH_PROFILES.has(profileIdc)) {
    chromaFormatIdc = r.ue();
    if (chromaFormatIdc === 3) separateColourPlane = r.flag();
    r.ue(); // bit_depth_luma_minus8
    r.ue(); // bit_depth_chroma_minus8
    r.flag(); // qpprime_y_zero_transform_bypass_flag
    if (r.flag()) {
      for (let i = 0; i < (chromaFormatIdc !== 3 ? 8 : 12); i++) if (r.flag()) skipScalingList(r, i < 6 ? 16 : 64);
    }
  }
  r.ue(); // log2_max_frame_num_minus4
  const pocType = r.ue();
  if (pocType === 0) r.ue();
  else if (pocType === 1) {
    r.flag();
    r.se();
    r.se();
    const n = r.ue();
    for (let i = 0; i < n; i++) r.se();
  }
  r.ue(); // max_num_ref_frames
  r.flag(); // gaps_in_frame_num_value_allowed_flag
  const widthMbs = r.ue() + 1;
  const heightMapUnits = r.ue() + 1;
  const frameMbsOnly = r.flag();
  if (!frameMbsOnly) r.flag(); // mb_adaptive_frame_field_flag
  r.flag(); // direct_8x8_inference_flag
  let crop = [0, 0, 0, 0];
  if (r.flag()) crop = [r.ue(), r.ue(), r.ue(), r.ue()];
  const chromaArrayType = separateColourPlane ? 0 : chromaFormatIdc;
  const subWidthC = chromaArrayType === 1 || chromaArrayType === 2 ? 2 : 1;
  const subHeightC = chromaArrayType === 1 ? 2 : 1;
  const cropUnitX = chromaArrayType === 0 ? 1 : subWidthC;
  const cropUnitY = (chromaArrayType === 0 ? 1 : subHeightC) * (frameMbsOnly ? 1 : 2);
  const [left, right, top, bottom] = crop as [number, number, number, number];
  return {
    profileIdc,
    constraintFlags,
    levelIdc,
    codec,
    width: widthMbs * 16 - cropUnitX * (left + right),
    height: (frameMbsOnly ? 1 : 2) * heightMapUnits * 16 - cropUnitY * (top + bottom),
  };
}
