import { test } from 'node:test';
import assert from 'node:assert/strict';
import { JpegSplitter, type JpegImage } from '../../../src/codec/jpeg/JpegSplitter.js';

const seg = (marker: number, body: number[]) => [0xff, marker, (body.length + 2) >> 8, (body.length + 2) & 0xff, ...body];

/** A structurally valid JPEG: APP segments, SOF0 with the size, SOS, entropy data with stuffing and a restart marker. */
function jpeg(width: number, height: number, fill: number, app: number[] = []): Buffer {
  return Buffer.from([
    0xff, 0xd8,
    ...seg(0xe0, [0x4a, 0x46, 0x49, 0x46, 0, 1, 1]),
    ...(app.length ? seg(0xe1, app) : []),
    ...seg(0xdb, new Array(65).fill(1)),
    ...seg(0xc0, [8, height >> 8, height & 0xff, width >> 8, width & 0xff, 1, 1, 0x11, 0]),
    ...seg(0xda, [1, 1, 0, 0, 0x3f, 0]),
    fill, 0xff, 0x00, fill, 0xff, 0xd3, fill, fill, 0xff, 0xff, 0x00, fill,
    0xff, 0xd9,
  ]);
}

function split(chunks: Buffer[]): JpegImage[] {
  const out: JpegImage[] = [];
  const s = new JpegSplitter((img) => out.push(img));
  for (const c of chunks) s.push(c);
  return out;
}

test('concatenated JPEGs come out one by one, byte for byte, with their size from SOF', () => {
  const images = [jpeg(640, 360, 0x11), jpeg(1280, 720, 0x22), jpeg(320, 240, 0x33)];
  const out = split([Buffer.concat(images)]);
  assert.deepEqual(out.map((i) => i.data), images);
  assert.deepEqual(out.map((i) => [i.width, i.height]), [[640, 360], [1280, 720], [320, 240]]);
});

test('chunk boundaries anywhere do not change the images', () => {
  const images = [jpeg(640, 360, 0x11), jpeg(64, 48, 0x22)];
  const bytes = Buffer.concat(images);
  for (let cut = 1; cut < bytes.length; cut++) {
    assert.deepEqual(split([bytes.subarray(0, cut), bytes.subarray(cut)]).map((i) => i.data), images, `cut at ${cut}`);
  }
  assert.deepEqual(split([...bytes].map((b) => Buffer.from([b]))).map((i) => i.data), images, 'one byte per chunk');
});

test('an EOI inside a metadata segment (an embedded thumbnail) does not end the image', () => {
  const thumb = [0xff, 0xd8, 0xff, 0xd9, 0x00, 0xff, 0xd9];
  const img = jpeg(640, 360, 0x44, thumb);
  assert.deepEqual(split([img]).map((i) => i.data), [img]);
});

test('garbage between images is skipped and an image whose data is cut short by a new SOI is abandoned', () => {
  const a = jpeg(64, 48, 0x11);
  const b = jpeg(64, 48, 0x22);
  const truncated = a.subarray(0, a.length - 5); // ends inside the entropy-coded data
  const out: JpegImage[] = [];
  const s = new JpegSplitter((img) => out.push(img));
  s.push(Buffer.concat([Buffer.from([1, 2, 3, 0xff]), a, Buffer.from('junk'), truncated, b]));
  assert.deepEqual(out.map((i) => i.data), [a, b]);
  assert.equal(s.dropped, 1);
});

test('each image records when its first byte arrived', () => {
  const a = jpeg(64, 48, 0x11);
  const b = jpeg(64, 48, 0x22);
  const out = [] as JpegImage[];
  const s = new JpegSplitter((img) => out.push(img));
  s.push(Buffer.concat([a, b.subarray(0, 5)]), 100);
  s.push(b.subarray(5), 200);
  assert.deepEqual(out.map((i) => i.arrivalUs), [100, 100]);
  s.push(a.subarray(0, 3), 300);
  s.push(a.subarray(3), 400);
  assert.equal(out[2]!.arrivalUs, 300);
});
