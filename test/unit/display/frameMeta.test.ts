import { test } from 'node:test';
import assert from 'node:assert/strict';
import { overlayFromMeta } from '../../../src/display/frameMeta.js';

const base = { width: 640, height: 360, rails: [[[0, 0], [1, 1]], [[2, 2], [3, 3]]], bands: [] };

test('front bands: well-formed ones are kept, a malformed one is dropped and the rest of the overlay kept', () => {
  const good = [{ distanceM: 0.5, color: 'red' }, { distanceM: 2, color: 'green' }];
  assert.deepEqual(overlayFromMeta({ overlay: { ...base, frontBands: good } })?.frontBands, good);
  const bad = [{ distanceM: 1, color: 'yellow' }, { distanceM: -1, color: 'red' }, { distanceM: 1, color: 'url(javascript:1)' }, { distanceM: 'far', color: 'red' }, null];
  const o = overlayFromMeta({ overlay: { ...base, frontBands: bad } });
  assert.deepEqual(o?.frontBands, [{ distanceM: 1, color: 'yellow' }]);
  assert.deepEqual(o?.rails, base.rails);
  assert.equal(overlayFromMeta({ overlay: base })?.frontBands, undefined);
});
