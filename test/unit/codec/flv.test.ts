import { test } from 'node:test';
import assert from 'node:assert/strict';
import { FlvH264Reader, type FlvAccessUnit } from '../../../src/codec/flv/FlvH264Reader.js';
import { FlvH264Writer } from '../../../src/codec/flv/FlvH264Writer.js';
import { buildDecoderConfig, joinAnnexB, parseDecoderConfig, splitAnnexB, withParameterSets } from '../../../src/codec/h264/annexB.js';
import { annexB, AUD, PPS, SEI, slice, SPS } from './h264Samples.js';

const keyAu = annexB([AUD, SPS, PPS, SEI, slice({ idr: true, firstMb: 0 }), slice({ idr: true, firstMb: 40 })]);
const interAu = (n: number) => annexB([AUD, slice({ firstMb: 0, fill: 0x30 + n }), slice({ firstMb: 40, fill: 0x30 + n })]);

function roundTrip(aus: Array<{ data: Buffer; keyframe: boolean }>, chunkSize = Infinity): FlvAccessUnit[] {
  const w = new FlvH264Writer();
  const bytes = Buffer.concat(aus.flatMap((a, i) => w.write(a.data, a.keyframe, i * 33)));
  const out: FlvAccessUnit[] = [];
  const r = new FlvH264Reader((au) => out.push(au));
  for (let o = 0; o < bytes.length; o += chunkSize) r.push(bytes.subarray(o, Math.min(bytes.length, o + chunkSize)));
  return out;
}

test('access units written as FLV come back whole, one per tag, with their NAL units unchanged', () => {
  const aus = [{ data: keyAu, keyframe: true }, { data: interAu(1), keyframe: false }, { data: interAu(2), keyframe: false }];
  for (const chunk of [Infinity, 1, 7, 100]) {
    const out = roundTrip(aus, chunk);
    assert.equal(out.length, 3, `chunk ${chunk}`);
    // The writer leaves out AUDs (FLV frames the units itself); every other NAL is byte for byte the same.
    const withoutAud = (b: Buffer) => splitAnnexB(b).filter((n) => (n[0]! & 0x1f) !== 9).map((n) => Buffer.from(n));
    out.forEach((au, i) => assert.deepEqual(splitAnnexB(au.data).map((n) => Buffer.from(n)), withoutAud(aus[i]!.data), `unit ${i}, chunk ${chunk}`));
    assert.deepEqual(out.map((a) => a.keyframe), [true, false, false]);
    assert.deepEqual([out[0]!.width, out[0]!.height], [640, 360], 'size from the SPS');
  }
});

test('the writer starts at the first keyframe; frames before it are not written', () => {
  const w = new FlvH264Writer();
  assert.deepEqual(w.write(interAu(1), false, 0), []);
  assert.ok(w.write(keyAu, true, 33).length >= 2, 'file header, decoder config and the frame');
});

test('a keyframe without in-band SPS/PPS gets the ones from the decoder config, after its AUD', () => {
  // As ffmpeg writes FLV from libx264 with a global header: SPS/PPS only in the sequence header.
  const config = buildDecoderConfig(SPS, PPS);
  const tag = (type: number, body: Buffer, key: boolean, pkt: number) => {
    const data = Buffer.concat([Buffer.from([key ? 0x17 : 0x27, pkt, 0, 0, 0]), body]);
    const h = Buffer.alloc(11);
    h[0] = type;
    h.writeUIntBE(data.length, 1, 3);
    const prev = Buffer.alloc(4);
    prev.writeUInt32BE(11 + data.length);
    return Buffer.concat([h, data, prev]);
  };
  const avcc = (nals: Buffer[]) => Buffer.concat(nals.flatMap((n) => [Buffer.from([0, 0, 0, n.length]), n]));
  const idr = slice({ idr: true, firstMb: 0 });
  const stream = Buffer.concat([
    Buffer.from([0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0]),
    tag(18, Buffer.from('onMetaData-ish'), false, 0), // a script tag: ignored
    tag(9, config, true, 0),
    tag(9, avcc([AUD, idr]), true, 1),
  ]);
  const out: FlvAccessUnit[] = [];
  new FlvH264Reader((au) => out.push(au)).push(stream);
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.data, joinAnnexB([AUD, SPS, PPS, idr]));
});

test('Annex-B inside FLV tags (ffmpeg copying a stream that had no extradata) is read as well', () => {
  const body = annexB([SPS, PPS, slice({ idr: true, firstMb: 0 })]);
  const data = Buffer.concat([Buffer.from([0x17, 1, 0, 0, 0]), body]);
  const h = Buffer.alloc(11);
  h[0] = 9;
  h.writeUIntBE(data.length, 1, 3);
  const prev = Buffer.alloc(4);
  prev.writeUInt32BE(11 + data.length);
  const out: FlvAccessUnit[] = [];
  new FlvH264Reader((au) => out.push(au)).push(Buffer.concat([Buffer.from([0x46, 0x4c, 0x56, 1, 1, 0, 0, 0, 9, 0, 0, 0, 0]), h, data, prev]));
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.data, body);
  assert.equal(out[0]!.keyframe, true);
});

test('decoder config records round-trip; withParameterSets never duplicates in-band ones', () => {
  const cfg = parseDecoderConfig(buildDecoderConfig(SPS, PPS));
  assert.deepEqual([cfg.lengthSize, Buffer.from(cfg.sps[0]!), Buffer.from(cfg.pps[0]!)], [4, SPS, PPS]);
  const idr = slice({ idr: true, firstMb: 0 });
  assert.equal(withParameterSets([SPS, PPS, idr], SPS, PPS).length, 3);
  assert.deepEqual(withParameterSets([idr], SPS, PPS), [SPS, PPS, idr]);
  assert.throws(() => parseDecoderConfig(Buffer.from([1, 2, 3])), /AVCDecoderConfigurationRecord/);
});

test('a stream that is not FLV is refused', () => {
  assert.throws(() => new FlvH264Reader(() => {}).push(Buffer.alloc(20, 0x41)), /not an FLV stream/);
});
