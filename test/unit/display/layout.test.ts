/** layout.ts: where the large view and the camera tiles go, for the head-unit sizes and any other. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { computeLayout, type Layout, type Rect } from '../../../src/display/layout.js';

const SIZES: Array<[number, number]> = [[800, 480], [1280, 720], [1920, 720], [1024, 600], [720, 1280]];
const overlaps = (a: Rect, b: Rect): boolean => a.x < b.x + b.w && b.x < a.x + a.w && a.y < b.y + b.h && b.y < a.y + a.h;
const inside = (r: Rect, w: number, h: number): boolean => r.x >= 0 && r.y >= 0 && r.x + r.w <= w && r.y + r.h <= h && Number.isInteger(r.x + r.y + r.w + r.h);
const aspect = (r: Rect): number => r.w / r.h;

function checkTiles(l: Layout, w: number, h: number, k: number): void {
  const all = [l.main, ...l.tiles];
  assert.equal(l.tiles.length, k);
  for (const [i, r] of all.entries()) {
    assert.ok(inside(r, w, h), `${w}x${h}: ${JSON.stringify(r)} not inside the viewport in whole pixels`);
    assert.ok(Math.abs(aspect(r) - 16 / 9) < 0.03, `${w}x${h}: ${JSON.stringify(r)} is not 16:9`);
    for (const q of all.slice(i + 1)) assert.ok(!overlaps(r, q), `${w}x${h}: ${JSON.stringify(r)} overlaps ${JSON.stringify(q)}`);
  }
  // The large view is the large one.
  for (const t of l.tiles) assert.ok(t.w * t.h < l.main.w * l.main.h / 2);
}

test('tiles: the large view and one tile per other camera, 16:9, inside the viewport, none overlapping', () => {
  for (const [w, h] of SIZES) for (const n of [2, 3, 4]) checkTiles(computeLayout({ width: w, height: h }, n, 'tiles'), w, h, n - 1);
});

test('a wide cluster (1920x720) gets the tiles beside the large view, full height; 800x480 gets them below', () => {
  const wide = computeLayout({ width: 1920, height: 720 }, 3, 'tiles');
  assert.equal(wide.arrangement, 'side');
  assert.deepEqual(wide.main, { x: 0, y: 0, w: 1280, h: 720 });
  for (const t of wide.tiles) assert.ok(t.x >= 1280 && t.w >= 630, JSON.stringify(t));
  const small = computeLayout({ width: 800, height: 480 }, 3, 'tiles');
  assert.equal(small.arrangement, 'below');
  for (const t of small.tiles) assert.ok(t.y >= small.main.y + small.main.h, JSON.stringify(t));
  assert.ok(small.main.w >= 620, `800x480: the large view is ${small.main.w} px wide`);
  const hd = computeLayout({ width: 1280, height: 720 }, 3, 'tiles');
  assert.equal(hd.arrangement, 'side');
  assert.ok(hd.main.w >= 950 && hd.tiles.every((t) => t.w >= 316), JSON.stringify(hd));
});

test('pip: the large view fills the viewport as with one camera; the insets sit inside its picture, bottom right', () => {
  for (const [w, h] of SIZES) {
    const l = computeLayout({ width: w, height: h }, 3, 'pip');
    assert.deepEqual(l.main, { x: 0, y: 0, w, h });
    const picW = Math.min(w, (h * 16) / 9), picH = picW / (16 / 9);
    const pic = { x: (w - picW) / 2, y: (h - picH) / 2, w: picW, h: picH };
    assert.equal(l.tiles.length, 2);
    assert.ok(!overlaps(l.tiles[0]!, l.tiles[1]!));
    for (const t of l.tiles) {
      assert.ok(t.x >= pic.x && t.y >= pic.y && t.x + t.w <= pic.x + pic.w && t.y + t.h <= pic.y + pic.h, `${w}x${h}: ${JSON.stringify(t)} outside the picture`);
      assert.ok(t.x + t.w > pic.x + pic.w / 2 && t.y > pic.y + pic.h / 2, `${w}x${h}: ${JSON.stringify(t)} not in the bottom-right quarter`);
    }
  }
});

test('single, one camera, or an unusable viewport: the large view alone', () => {
  assert.deepEqual(computeLayout({ width: 1280, height: 720 }, 3, 'single'), { kind: 'single', arrangement: 'single', main: { x: 0, y: 0, w: 1280, h: 720 }, tiles: [] });
  assert.deepEqual(computeLayout({ width: 800, height: 480 }, 1, 'tiles').tiles, []);
  for (const bad of [{ width: 0, height: 720 }, { width: NaN, height: 1 }, { width: -5, height: 5 }]) {
    const l = computeLayout(bad, 3, 'tiles');
    assert.deepEqual([l.main, l.tiles], [{ x: 0, y: 0, w: 0, h: 0 }, []]);
  }
});
