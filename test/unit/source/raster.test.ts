import { test } from 'node:test';
import assert from 'node:assert/strict';
import { drawText, textWidth } from '../../../src/source/synthetic/font.js';
import { createRaster, fillPolygon, type Raster } from '../../../src/source/synthetic/raster.js';
import { formatClock } from '../../../src/source/synthetic/stamp.js';

const countColor = (r: Raster, c: readonly number[]): number => {
  let n = 0;
  for (let o = 0; o < r.data.length; o += 3) if (r.data[o] === c[0] && r.data[o + 1] === c[1] && r.data[o + 2] === c[2]) n++;
  return n;
};

test('fillPolygon fills a square exactly, clipped to the raster', () => {
  const r = createRaster(20, 20);
  fillPolygon(r, [[2, 3], [12, 3], [12, 13], [2, 13]], [10, 20, 30]);
  assert.equal(countColor(r, [10, 20, 30]), 100);
  fillPolygon(r, [[-5, -5], [5, -5], [5, 5], [-5, 5]], [1, 1, 1]);
  assert.equal(countColor(r, [1, 1, 1]), 25);
});

test('polygons sharing an edge neither overlap nor leave a gap', () => {
  const r = createRaster(20, 20);
  fillPolygon(r, [[0, 0], [20, 0], [0, 20]], [255, 0, 0]);
  fillPolygon(r, [[20, 0], [20, 20], [0, 20]], [0, 0, 255]);
  assert.equal(countColor(r, [255, 0, 0]) + countColor(r, [0, 0, 255]), 400);
  assert.equal(countColor(r, [0, 0, 0]), 0);
});

test('drawText draws each font pixel as a scale x scale block', () => {
  const r = createRaster(40, 40);
  drawText(r, '1', 0, 0, 3, [255, 255, 255]);
  // '1' has 1+2+1+1+1+1+3 = 10 set bits.
  assert.equal(countColor(r, [255, 255, 255]), 10 * 9);
  // Top row of '1' is 00100: only columns 6..8 are lit at scale 3.
  assert.deepEqual([...r.data.subarray(6 * 3, 9 * 3)], Array(9).fill(255));
  assert.equal(r.data[5 * 3], 0);
  assert.equal(textWidth('12', 3), (2 * 6 - 1) * 3);
});

test('formatClock prints HH:MM:SS.mmm of local time', () => {
  const d = new Date(2024, 0, 2, 3, 4, 5, 67);
  assert.equal(formatClock(d.getTime() * 1000 + 999), '03:04:05.067');
});
