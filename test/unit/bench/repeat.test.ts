import { test } from 'node:test';
import assert from 'node:assert/strict';
import { combineTargets } from '../../../bench/repeat.js';
import type { Target } from '../../../bench/results.js';

const t = (id: string, met: boolean | null, measured: string | null): Target => ({ id, text: `${id} text`, limit: '≤ 1', measured, met });

test('a target is met only when it is met in every run', () => {
  const [a, b] = combineTargets([
    [t('A', true, '1'), t('B', true, '1')],
    [t('A', true, '2'), t('B', false, '9')],
    [t('A', true, '3'), t('B', true, '1')],
  ]);
  assert.equal(a!.met, true);
  assert.equal(a!.metIn, 3);
  assert.deepEqual(a!.runs, ['1', '2', '3']);
  assert.equal(b!.met, false, 'met in two runs of three is not met');
  assert.equal(b!.metIn, 2);
  assert.match(b!.measured!, /^2\/3 runs: 1 \| 9 \| 1$/);
});

test('not measured in every run: not measured; measured in some only: not met', () => {
  const [a, b] = combineTargets([
    [t('A', null, null), t('B', true, '1')],
    [t('A', null, null), t('B', null, null)],
  ]);
  assert.equal(a!.met, null);
  assert.equal(a!.measured, null);
  assert.equal(b!.met, false);
});

test('a target only one run has is judged against all runs', () => {
  const [a] = combineTargets([[], [t('A', true, '1')]]);
  assert.equal(a!.met, false);
  assert.equal(a!.metIn, 1);
});
