import { test } from 'node:test';
import assert from 'node:assert/strict';
import {
  FrameFormatError,
  HEADER_LENGTH,
  decodeFrame,
  decodeHeader,
  encodeFrame,
  encodeMeta,
  nowUs,
  type CodecName,
  type FrameInput,
} from '../../../src/wire/frame.js';

function frame(over: Partial<FrameInput> = {}): FrameInput {
  return {
    version: 1,
    codec: 'jpeg',
    keyframe: true,
    discontinuity: false,
    seq: 7,
    captureUs: 1_700_000_000_123_456,
    width: 1280,
    height: 720,
    payload: Uint8Array.from([0xff, 0xd8, 1, 2, 3, 0xff, 0xd9]),
    ...over,
  };
}

function expectBadFrame(buf: Uint8Array, pattern: RegExp): void {
  assert.throws(
    () => decodeHeader(buf),
    (err: unknown) => err instanceof FrameFormatError && err.code === 'BAD_FRAME' && pattern.test(err.message),
  );
  assert.throws(() => decodeFrame(buf), FrameFormatError);
}

test('every header field survives an encode/decode round trip', () => {
  const cases: Partial<FrameInput>[] = [];
  for (const codec of ['jpeg', 'h264'] as CodecName[]) {
    for (const keyframe of [false, true]) {
      for (const discontinuity of [false, true]) cases.push({ codec, keyframe, discontinuity });
    }
  }
  cases.push(
    { seq: 0xffff_ffff, captureUs: 2 ** 32 + 12_345 },
    { seq: 0, captureUs: Math.round(Date.now() * 1000) + 1 },
    { seq: 123_456, captureUs: Number.MAX_SAFE_INTEGER, width: 65535, height: 1 },
  );
  for (const c of cases) {
    const input = frame(c);
    const out = decodeFrame(encodeFrame(input));
    assert.deepEqual(
      { version: out.version, codec: out.codec, keyframe: out.keyframe, discontinuity: out.discontinuity, seq: out.seq, captureUs: out.captureUs, width: out.width, height: out.height },
      { version: 1, codec: input.codec, keyframe: input.keyframe, discontinuity: input.discontinuity, seq: input.seq, captureUs: input.captureUs, width: input.width, height: input.height },
      JSON.stringify(c),
    );
    assert.deepEqual([...out.payload], [...input.payload]);
  }
});

test('a fractional capture time from nowUs() is carried as whole microseconds', () => {
  const t = nowUs() + 0.4;
  assert.equal(decodeFrame(encodeFrame(frame({ captureUs: t }))).captureUs, Math.round(t));
});

test('the bytes sit at the offsets docs/protocol.md gives, little-endian', () => {
  const meta = { overlay: { width: 4, height: 2, rails: [[], []], bands: [] } };
  const input = frame({ codec: 'h264', keyframe: false, discontinuity: true, seq: 0x0102_0304, captureUs: 2 ** 40 + 5, width: 640, height: 360, meta });
  const buf = encodeFrame(input);
  const v = new DataView(buf.buffer, buf.byteOffset, buf.byteLength);
  const metaBytes = encodeMeta(meta);
  assert.equal(String.fromCharCode(buf[0]!, buf[1]!), 'RC');
  assert.equal(v.getUint8(2), 1);
  assert.equal(v.getUint8(3), 2);
  assert.equal(v.getUint8(4), 0b10);
  assert.equal(v.getUint8(5), 0);
  assert.equal(v.getUint16(6, true), HEADER_LENGTH);
  assert.deepEqual([...buf.subarray(8, 12)], [0x04, 0x03, 0x02, 0x01]);
  assert.equal(v.getBigUint64(12, true), 2n ** 40n + 5n);
  assert.equal(v.getUint16(20, true), 640);
  assert.equal(v.getUint16(22, true), 360);
  assert.equal(v.getUint32(24, true), metaBytes.byteLength);
  assert.equal(v.getUint32(28, true), input.payload.byteLength);
  assert.deepEqual(JSON.parse(new TextDecoder().decode(buf.subarray(32, 32 + metaBytes.byteLength))), meta);
  assert.deepEqual([...buf.subarray(32 + metaBytes.byteLength)], [...input.payload]);
  assert.equal(buf.byteLength, 32 + metaBytes.byteLength + input.payload.byteLength);
});

test('metadata round-trips when present and is undefined when absent', () => {
  const meta = { overlay: { width: 1280, height: 720, rails: [[[10, 700], [300, 400]], [[1270, 700], [980, 400]]], bands: [{ distanceM: 0.5, color: 'red', line: [[100, 650], [1180, 650]] }] } };
  const withMeta = encodeFrame(frame({ meta }));
  assert.deepEqual(decodeFrame(withMeta).meta, meta);
  assert.equal(decodeHeader(withMeta).metaLength, encodeMeta(meta).byteLength);

  const without = encodeFrame(frame());
  assert.equal(decodeFrame(without).meta, undefined);
  assert.equal(decodeHeader(without).metaLength, 0);
  assert.equal(without.byteLength, HEADER_LENGTH + frame().payload.byteLength);
});

test('pre-encoded metaBytes win over meta', () => {
  const buf = encodeFrame(frame({ meta: { a: 1 }, metaBytes: encodeMeta({ b: 2 }) }));
  assert.deepEqual(decodeFrame(buf).meta, { b: 2 });
});

test('the decoded payload is a view into the message, not a copy', () => {
  const buf = encodeFrame(frame({ meta: { x: 1 } }));
  const { payload } = decodeFrame(buf);
  assert.equal(payload.buffer, buf.buffer);
  buf[buf.byteLength - 1] = 0x42;
  assert.equal(payload[payload.byteLength - 1], 0x42);
});

test('a frame inside a larger buffer at a nonzero, unaligned byteOffset decodes', () => {
  const input = frame({ seq: 99, codec: 'h264', meta: { k: 'v' } });
  const enc = encodeFrame(input);
  const big = new Uint8Array(enc.byteLength + 20).fill(0xee);
  big.set(enc, 7);
  const view = big.subarray(7, 7 + enc.byteLength);
  assert.equal(view.byteOffset, 7);
  const out = decodeFrame(view);
  assert.equal(out.seq, 99);
  assert.equal(out.codec, 'h264');
  assert.equal(out.captureUs, input.captureUs);
  assert.deepEqual(out.meta, { k: 'v' });
  assert.deepEqual([...out.payload], [...input.payload]);
  assert.equal(out.payload.buffer, big.buffer);
  assert.equal(out.payload.byteOffset, 7 + enc.byteLength - input.payload.byteLength);
});

test('a longer header from a future revision is skipped using the header-length field', () => {
  const input = frame({ meta: { m: true } });
  const enc = encodeFrame(input);
  const extra = 8;
  const longer = new Uint8Array(enc.byteLength + extra);
  longer.set(enc.subarray(0, HEADER_LENGTH), 0);
  longer.fill(0xaa, HEADER_LENGTH, HEADER_LENGTH + extra);
  longer.set(enc.subarray(HEADER_LENGTH), HEADER_LENGTH + extra);
  new DataView(longer.buffer).setUint16(6, HEADER_LENGTH + extra, true);
  const out = decodeFrame(longer);
  assert.deepEqual(out.meta, { m: true });
  assert.deepEqual([...out.payload], [...input.payload]);
  assert.equal(decodeHeader(longer).headerLength, HEADER_LENGTH + extra);
});

test('decodeHeader rejects bad magic', () => {
  const buf = encodeFrame(frame());
  buf[0] = 0x43;
  buf[1] = 0x52;
  expectBadFrame(buf, /magic/);
});

test('decodeHeader rejects an unsupported protocol version', () => {
  const buf = encodeFrame(frame());
  buf[2] = 2;
  expectBadFrame(buf, /version 2/);
});

test('decodeHeader rejects a message shorter than the header', () => {
  const buf = encodeFrame(frame());
  expectBadFrame(buf.subarray(0, HEADER_LENGTH - 1), /too short/);
  expectBadFrame(new Uint8Array(0), /too short/);
});

test('decodeHeader rejects a message whose length disagrees with the header', () => {
  const buf = encodeFrame(frame({ meta: { a: 1 } }));
  expectBadFrame(buf.subarray(0, buf.byteLength - 1), /length mismatch/);
  const longer = new Uint8Array(buf.byteLength + 1);
  longer.set(buf);
  expectBadFrame(longer, /length mismatch/);
  const lying = encodeFrame(frame());
  new DataView(lying.buffer).setUint32(24, 5, true);
  expectBadFrame(lying, /length mismatch/);
});

test('decodeHeader rejects a header length below 32', () => {
  const buf = encodeFrame(frame());
  new DataView(buf.buffer).setUint16(6, 16, true);
  expectBadFrame(buf, /header length/);
});

test('decodeHeader rejects an unknown codec id', () => {
  const buf = encodeFrame(frame());
  buf[3] = 9;
  expectBadFrame(buf, /codec/);
});

test('encodeFrame refuses an unknown codec name', () => {
  assert.throws(() => encodeFrame(frame({ codec: 'vp8' as CodecName })), FrameFormatError);
});
