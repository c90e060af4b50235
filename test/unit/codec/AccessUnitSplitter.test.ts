import { test } from 'node:test';
import assert from 'node:assert/strict';
import { AccessUnitSplitter, type AccessUnit } from '../../../src/codec/h264/AccessUnitSplitter.js';
import { nalUnits } from '../../../src/wire/h264.js';
import { annexB, AUD, PPS, SC3, SC4, SEI, slice, SPS } from './h264Samples.js';

/** Three pictures of four slices each, like libx264 with zerolatency's sliced threads. */
function multiSliceStream(withAud: boolean): { bytes: Buffer; pictures: Buffer[] } {
  const pictures: Buffer[] = [];
  for (let p = 0; p < 3; p++) {
    const idr = p === 0;
    const nals = [
      ...(withAud ? [AUD] : []),
      ...(idr ? [SPS, PPS, SEI] : []),
      ...[0, 40, 80, 120].map((firstMb, i) => slice({ idr, firstMb, size: 30 + 7 * i + p, fill: 0x40 + p })),
    ];
    pictures.push(annexB(nals));
  }
  return { bytes: Buffer.concat(pictures), pictures };
}

function split(chunks: Buffer[]): AccessUnit[] {
  const out: AccessUnit[] = [];
  const s = new AccessUnitSplitter((au) => out.push(au));
  for (const c of chunks) s.push(c);
  s.flush();
  return out;
}

test('several slices of one picture stay one access unit; the next picture starts at first_mb_in_slice 0', () => {
  for (const withAud of [true, false]) {
    const { bytes, pictures } = multiSliceStream(withAud);
    const aus = split([bytes]);
    assert.equal(aus.length, 3, `with AUD: ${withAud}`);
    aus.forEach((au, i) => assert.deepEqual(au.data, pictures[i], `picture ${i}, with AUD: ${withAud}`));
    assert.deepEqual(aus.map((a) => a.keyframe), [true, false, false]);
    assert.equal(nalUnits(aus[0]!.data).filter((n) => n.type === 5).length, 4, 'all four IDR slices in the first unit');
  }
});

test('chunks cut anywhere, down to one byte at a time, give the same access units', () => {
  const { bytes, pictures } = multiSliceStream(false);
  for (let cut = 1; cut < bytes.length; cut++) {
    const aus = split([bytes.subarray(0, cut), bytes.subarray(cut)]);
    assert.deepEqual(aus.map((a) => a.data), pictures, `cut at ${cut}`);
  }
  const bytewise = split([...bytes].map((b) => Buffer.from([b])));
  assert.deepEqual(bytewise.map((a) => a.data), pictures, 'one byte per chunk');
});

test('3- and 4-byte start codes are both recognised and kept as they were', () => {
  const p0 = annexB([SPS, PPS, slice({ idr: true, firstMb: 0 }), slice({ idr: true, firstMb: 20 })], [SC4, SC3, SC3, SC3]);
  const p1 = annexB([slice({ firstMb: 0 }), slice({ firstMb: 20 })], [SC3, SC3]);
  const p2 = annexB([AUD, slice({ firstMb: 0 })], [SC4, SC3]);
  const aus = split([Buffer.concat([p0, p1, p2])]);
  assert.deepEqual(aus.map((a) => a.data), [p0, p1, p2]);
});

test('an SPS, PPS or SEI after the slices of a picture begins the next access unit', () => {
  for (const lead of [SPS, PPS, SEI]) {
    const a = annexB([slice({ firstMb: 0 }), slice({ firstMb: 9 })]);
    const b = annexB([lead, slice({ firstMb: 0 })]);
    assert.deepEqual(split([Buffer.concat([a, b])]).map((u) => u.data), [a, b], `lead NAL type ${lead[0]! & 0x1f}`);
  }
});

test('bytes before the first start code are skipped; each unit records when its first byte arrived', () => {
  const { pictures } = multiSliceStream(true);
  const out: AccessUnit[] = [];
  const s = new AccessUnitSplitter((au) => out.push(au));
  s.push(Buffer.concat([Buffer.from([0x12, 0x34]), pictures[0]!, pictures[1]!.subarray(0, 10)]), 1000);
  s.push(Buffer.concat([pictures[1]!.subarray(10), pictures[2]!]), 2000);
  s.flush();
  assert.deepEqual(out.map((a) => a.data), pictures);
  assert.deepEqual(out.map((a) => a.arrivalUs), [1000, 1000, 2000]);
});

test('a unit is handed out as soon as the next one begins, not at the end of the stream', () => {
  const { pictures } = multiSliceStream(true);
  const out: AccessUnit[] = [];
  const s = new AccessUnitSplitter((au) => out.push(au));
  s.push(pictures[0]!);
  assert.equal(out.length, 0, 'the last NAL of a unit could still grow');
  s.push(pictures[1]!.subarray(0, 6)); // the next unit's AUD
  assert.equal(out.length, 1);
  assert.deepEqual(out[0]!.data, pictures[0]);
});
