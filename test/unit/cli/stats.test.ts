import { test } from 'node:test';
import assert from 'node:assert/strict';
import { percentileOfSorted, percentiles } from '../../../src/cli/stats.js';

function shuffled(values: number[]): number[] {
  const a = [...values];
  for (let i = a.length - 1; i > 0; i--) {
    const j = Math.floor(Math.random() * (i + 1));
    [a[i], a[j]] = [a[j]!, a[i]!];
  }
  return a;
}

test('nearest rank picks the ceil(p/100 * n)-th smallest value', () => {
  const hundred = Array.from({ length: 100 }, (_, i) => i + 1);
  assert.deepEqual(percentiles(shuffled(hundred)), { p50: 50, p95: 95, p99: 99, min: 1, max: 100 });
  const ten = [10, 20, 30, 40, 50, 60, 70, 80, 90, 100];
  // ranks: p50 -> 5, p95 -> ceil(9.5) = 10, p99 -> ceil(9.9) = 10
  assert.deepEqual(percentiles(shuffled(ten)), { p50: 50, p95: 100, p99: 100, min: 10, max: 100 });
});

test('a single sample is every percentile', () => {
  assert.deepEqual(percentiles([4.5]), { p50: 4.5, p95: 4.5, p99: 4.5, min: 4.5, max: 4.5 });
});

test('every percentile is a measured value, and they are ordered', () => {
  for (let round = 0; round < 50; round++) {
    const n = 1 + Math.floor(Math.random() * 40);
    const values = Array.from({ length: n }, () => Math.random() * 100);
    const p = percentiles(values);
    for (const v of Object.values(p)) assert.ok(values.includes(v), `${v} not in sample`);
    assert.ok(p.min <= p.p50 && p.p50 <= p.p95 && p.p95 <= p.p99 && p.p99 <= p.max);
    assert.equal(p.min, Math.min(...values));
    assert.equal(p.max, Math.max(...values));
  }
});

test('numbers are sorted numerically, not as strings', () => {
  assert.deepEqual(percentiles([9, 10, 100, 2]), { p50: 9, p95: 100, p99: 100, min: 2, max: 100 });
});

test('the input array is left untouched', () => {
  const values = [3, 1, 2];
  percentiles(values);
  assert.deepEqual(values, [3, 1, 2]);
});

test('an empty sample gives NaN, not a made-up number', () => {
  for (const v of Object.values(percentiles([]))) assert.ok(Number.isNaN(v));
});

test('a percentile outside (0, 100] is refused', () => {
  assert.throws(() => percentileOfSorted([1, 2], 0), RangeError);
  assert.throws(() => percentileOfSorted([1, 2], 101), RangeError);
  assert.equal(percentileOfSorted([1, 2], 100), 2);
});
