import { test } from 'node:test';
import assert from 'node:assert/strict';
import { BitReader, unescapeRbsp } from '../../../src/codec/h264/BitReader.js';
import { parseSps } from '../../../src/codec/h264/sps.js';
import { avcCodecString, hasIdr, nalUnits, parameterSets } from '../../../src/wire/h264.js';
import { annexB, PPS, SC3, slice, SPS, SPS_SAMPLES } from './h264Samples.js';

test('an SPS gives the RFC 6381 avc1 codec string and the cropped picture size', () => {
  for (const s of SPS_SAMPLES) {
    const nal = Buffer.from(s.hex, 'hex');
    assert.equal(avcCodecString(nal), s.codec);
    const info = parseSps(nal);
    assert.deepEqual([info.codec, info.width, info.height], [s.codec, s.width, s.height], s.hex);
  }
});

test('avcCodecString refuses a NAL unit that is not an SPS', () => {
  assert.throws(() => avcCodecString(PPS), /not an SPS/);
  assert.throws(() => parseSps(Buffer.from([0x67, 0x42])), /not an SPS/);
});

test('Exp-Golomb fields read as H.264 clause 9.1 defines them', () => {
  // 1 | 010 | 011 | 00100 | 00101 -> ue 0, 1, 2, 3, 4; then se from 010 (1), 011 (-1).
  const bits = '1' + '010' + '011' + '00100' + '00101' + '010' + '011';
  const bytes = bits.padEnd(Math.ceil(bits.length / 8) * 8, '0').match(/.{8}/g)!.map((b) => parseInt(b, 2));
  const r = new BitReader(Buffer.from([0x00, ...bytes]));
  assert.deepEqual([r.ue(), r.ue(), r.ue(), r.ue(), r.ue(), r.se(), r.se()], [0, 1, 2, 3, 4, 1, -1]);
});

test('emulation-prevention bytes are removed before reading', () => {
  assert.deepEqual([...unescapeRbsp(Buffer.from([1, 0, 0, 3, 1, 0, 0, 3, 0, 2]))], [1, 0, 0, 1, 0, 0, 0, 2]);
  const plain = Buffer.from([1, 2, 3]);
  assert.equal(unescapeRbsp(plain), plain, 'no copy when there is nothing to remove');
});

test('NAL units, parameter sets and IDR are found in an access unit', () => {
  const au = annexB([SPS, PPS, slice({ idr: true, firstMb: 0 })], [undefined as unknown as Buffer, SC3, SC3].map((c) => c ?? Buffer.from([0, 0, 0, 1])));
  assert.deepEqual(nalUnits(au).map((n) => n.type), [7, 8, 5]);
  const ps = parameterSets(au);
  assert.deepEqual(ps.sps && Buffer.from(ps.sps), SPS);
  assert.deepEqual(ps.pps && Buffer.from(ps.pps), PPS);
  assert.equal(hasIdr(au), true);
  assert.equal(hasIdr(annexB([slice({ firstMb: 0 })])), false);
});
