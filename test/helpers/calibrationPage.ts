/**
 * Driving the display's calibration mode (`?calibrate=1`) as an installer:
 * a handle dragged onto an image pixel of the camera's stream, which the
 * page's canvas letterboxes.
 */
import type { Page } from 'playwright-core';

// Browser-side shapes (the node build has no DOM lib).
interface El { closest(sel: string): El | null; getBoundingClientRect(): { left: number; top: number; width: number; height: number } }
declare const document: { getElementById(id: string): El | null; querySelector(sel: string): El | null; elementFromPoint(x: number, y: number): El | null };

/** Drags handle `id` to pixel (u, v) of an image `image.width` x `image.height` (as streamed, mirrored if it is). */
export async function dragHandle(page: Page, id: string, u: number, v: number, image: { width: number; height: number }): Promise<void> {
  const c = await page.evaluate(() => document.getElementById('view')!.getBoundingClientRect());
  const scale = Math.min(c.width / image.width, c.height / image.height);
  const x0 = c.left + (c.width - image.width * scale) / 2, y0 = c.top + (c.height - image.height * scale) / 2;
  // Where the handle (ring or label) is not covered by a neighbour's: markers seen far off lie close together.
  const grab = await page.evaluate((sel) => {
    const h = document.querySelector(sel)!;
    const b = h.getBoundingClientRect();
    for (let dy = 0; dy <= b.height / 2; dy += 2) {
      for (const [x, y] of [[0, dy], [0, -dy], [dy, 0], [-dy, 0], [b.width, dy - 4], [b.width + 10, dy - 4]] as const) {
        const px = b.left + b.width / 2 + x, py = b.top + b.height / 2 + y;
        if (document.elementFromPoint(px, py)?.closest('.calibration-handle') === h) return { x: px, y: py };
      }
    }
    return null;
  }, `.calibration-handle[data-id="${id}"]`);
  if (!grab) throw new Error(`handle ${id} is covered by others everywhere`);
  await page.mouse.move(grab.x, grab.y);
  await page.mouse.down();
  await page.mouse.move(x0 + u * scale, y0 + v * scale, { steps: 4 });
  await page.mouse.up();
}
