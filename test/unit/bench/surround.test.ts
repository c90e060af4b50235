/** Case 13: a camera's cost is what adding it added over the set before; cameras added together share it. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { CAMERA_SETS, perCamera } from '../../../bench/cases/surround.js';
import type { Part } from '../../../bench/results.js';

const run = (cameras: readonly string[], cpuPercent: number): Part => ({ name: `surround cpu × ${cameras.length}`, status: 'ok', data: { cameras: [...cameras], cpuPercent } });

test('per camera: the rear alone is the first run; the mirror cameras share what they added together; the front is the last step', () => {
  assert.deepEqual(CAMERA_SETS.map((s) => s.length), [1, 3, 4]);
  assert.deepEqual(perCamera([run(CAMERA_SETS[0], 10), run(CAMERA_SETS[1], 22), run(CAMERA_SETS[2], 27.5)]), { rear: 10, left: 6, right: 6, front: 5.5 });
});
