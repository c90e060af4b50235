import { test } from 'node:test';
import assert from 'node:assert/strict';
import sharp from 'sharp';
import { burnOverlay, overlaySvg } from '../../../src/transport/overlayBurner.js';
import { OVERLAY_PALETTE, type Overlay } from '../../../src/wire/overlay.js';

const W = 320;
const H = 240;

/** A flat grey JPEG. */
const grey = (): Promise<Buffer> => sharp({ create: { width: W, height: H, channels: 3, background: { r: 60, g: 60, b: 60 } } }).jpeg({ quality: 90 }).toBuffer();

const hex = (c: string): [number, number, number] => [1, 3, 5].map((i) => parseInt(c.slice(i, i + 2), 16)) as [number, number, number];

async function pixels(jpeg: Buffer): Promise<{ data: Buffer; width: number; height: number }> {
  const { data, info } = await sharp(jpeg).raw().toBuffer({ resolveWithObject: true });
  return { data, width: info.width, height: info.height };
}

function at(img: { data: Buffer; width: number }, x: number, y: number): [number, number, number] {
  const o = (y * img.width + x) * 3;
  return [img.data[o]!, img.data[o + 1]!, img.data[o + 2]!];
}

const close = (a: [number, number, number], b: [number, number, number], tol = 40): boolean => a.every((v, i) => Math.abs(v - b[i]!) <= tol);

// The overlay is in a different (double) resolution than the image: the burner must scale it.
const overlay: Overlay = {
  width: W * 2,
  height: H * 2,
  rails: [[[100, 460], [200, 100]], [[540, 460], [440, 100]]],
  bands: [
    { distanceM: 0.5, color: 'red', line: [[120, 400], [520, 400]] },
    { distanceM: 2, color: 'green', line: [[180, 160], [460, 160]] },
  ],
  trajectory: { left: [[60, 470], [60, 60]], right: [[580, 470], [580, 60]], steeringDeg: 0 },
  notices: ['Check surroundings'],
};

test('the burned JPEG has the same size, and pixels along a band line have the band colour', async () => {
  const out = await burnOverlay(await grey(), overlay, 85);
  const meta = await sharp(out).metadata();
  assert.equal(meta.format, 'jpeg');
  assert.deepEqual([meta.width, meta.height], [W, H]);
  const img = await pixels(out);
  // The red band runs at overlay y = 400, image y = 200, from image x 60 to 260.
  for (const x of [90, 130, 170, 210]) {
    assert.ok(close(at(img, x, 200), hex(OVERLAY_PALETTE.band.red)), `red band at (${x}, 200): ${at(img, x, 200)}`);
  }
  for (const x of [110, 160, 210]) {
    assert.ok(close(at(img, x, 80), hex(OVERLAY_PALETTE.band.green)), `green band at (${x}, 80): ${at(img, x, 80)}`);
  }
  // The trajectory lines are amber, at overlay x 60 → image x 30.
  assert.ok(close(at(img, 30, 120), hex(OVERLAY_PALETTE.trajectory)), `trajectory at (30, 120): ${at(img, 30, 120)}`);
  // Away from any line the picture is untouched.
  assert.ok(close(at(img, 160, 10), [60, 60, 60], 6), `background: ${at(img, 160, 10)}`);
});

test('the SVG escapes notice text and lists the stale signals in words', () => {
  const svg = overlaySvg({ ...overlay, notices: ['<b>&'], staleSignals: ['Vehicle.Chassis.SteeringWheel.Angle'] }, W, H);
  assert.match(svg, /&#60;b&#62;&#38;/);
  assert.doesNotMatch(svg, /<b>/);
  assert.match(svg, /Signal unavailable: steering/);
});

test('a new overlay object is drawn anew; the same one again gives the same picture', async () => {
  const jpeg = await grey();
  const first = await burnOverlay(jpeg, overlay, 85);
  assert.deepEqual(await burnOverlay(jpeg, overlay, 85), first);
  // The trajectory moved away from image x = 30: that spot is background again.
  const moved: Overlay = { ...overlay, trajectory: { left: [[300, 470], [300, 60]], right: [[340, 470], [340, 60]], steeringDeg: 10 } };
  const img = await pixels(await burnOverlay(jpeg, moved, 85));
  assert.ok(close(at(img, 30, 120), [60, 60, 60], 8), `old trajectory spot: ${at(img, 30, 120)}`);
  assert.ok(close(at(img, 150, 120), hex(OVERLAY_PALETTE.trajectory)), `new trajectory at (150, 120): ${at(img, 150, 120)}`);
});
