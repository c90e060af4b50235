/**
 * The surround view's photometric alignment (src/display/surround/gainSolver.ts):
 * cameras that see the same ground through different exposures get gains that
 * even out every seam; a lost camera is left out; the shown gains move toward
 * the solved ones without a step larger than the stated limit.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { GAIN_TIME_CONSTANT_S, MAX_GAIN, MAX_GAIN_STEP_PER_S, MIN_GAIN, MIN_OVERLAP_SAMPLES, solveGains, stepGains, type OverlapMean, type RGB } from '../../../src/display/surround/gainSolver.js';

// Four cameras around the car, as the display orders them: front 0, rear 1, left 2, right 3. Each corner is
// seen by two of them: front|left, left|rear, rear|right, right|front.
const PAIRS: Array<[number, number]> = [
  [0, 2],
  [2, 1],
  [1, 3],
  [3, 0],
];

/** What the shader measures when camera i sees ground of linear colour `truth` through exposure `exposure[i]`. */
function measured(exposure: readonly RGB[], truth: readonly RGB[], samples = 400): OverlapMean[] {
  const out: OverlapMean[] = [];
  PAIRS.forEach(([i, j], k) => {
    const t = truth[k]!;
    out.push({ i, j, mean: t.map((v, c) => v * exposure[i]![c]!) as RGB, samples });
    out.push({ i: j, j: i, mean: t.map((v, c) => v * exposure[j]![c]!) as RGB, samples });
  });
  return out;
}

const GROUND: RGB[] = [
  [0.2, 0.21, 0.22],
  [0.18, 0.18, 0.2],
  [0.25, 0.24, 0.22],
  [0.12, 0.13, 0.15],
];
const ALL = [true, true, true, true];

/** Four cameras (or gains) of exactly 1 in every channel. */
const unity = (): RGB[] => Array.from({ length: 4 }, (): RGB => [1, 1, 1]);

/** After the gains, the two sides of seam (i, j): camera i's gained colour over camera j's, per channel. */
function seamRatios(gains: readonly RGB[], exposure: readonly RGB[], active = ALL): number[] {
  const out: number[] = [];
  for (const [i, j] of PAIRS) {
    if (!active[i] || !active[j]) continue;
    for (let c = 0; c < 3; c++) out.push((gains[i]![c]! * exposure[i]![c]!) / (gains[j]![c]! * exposure[j]![c]!));
  }
  return out;
}

test('cameras ±30 % apart in exposure (and white balance): the solved gains even out every seam to within 1 %', () => {
  const exposure: RGB[] = [
    [1.3, 1.25, 1.3],
    [0.7, 0.72, 0.68],
    [1.0, 1.05, 0.95],
    [1.15, 1.1, 1.2],
  ];
  const before = seamRatios(unity(), exposure);
  assert.ok(before.some((r) => Math.abs(r - 1) > 0.3), `the seams differ before the solve: ${before.map((r) => r.toFixed(2))}`);
  const gains = solveGains(4, measured(exposure, GROUND), ALL);
  for (const r of seamRatios(gains, exposure)) assert.ok(Math.abs(r - 1) <= 0.01, `seam ratio ${r.toFixed(4)}`);
  // Only ratios are measured: the overall level is kept (geometric mean of the gains 1 per channel).
  for (let c = 0; c < 3; c++) {
    const geo = Math.exp(gains.reduce((a, g) => a + Math.log(g[c]!), 0) / 4);
    assert.ok(Math.abs(geo - 1) < 1e-9, `channel ${c}: geometric mean ${geo}`);
  }
  // The brightest camera is turned down, the darkest up.
  assert.ok(gains[0]![0]! < 1 && gains[1]![0]! > 1);
});

test('equal cameras keep gain 1; a brighter or darker ground in one corner changes nothing', () => {
  const gains = solveGains(4, measured(unity(), [[0.9, 0.9, 0.9], ...GROUND.slice(1)]), ALL);
  for (const g of gains) for (const x of g) assert.ok(Math.abs(x - 1) < 1e-9, `gain ${x}`);
});

test('a lost camera keeps gain 1 and is left out; the seams between the other three still meet', () => {
  const exposure: RGB[] = [
    [1.3, 1.3, 1.3],
    [0.7, 0.7, 0.7],
    [1.0, 1.0, 1.0],
    [0.2, 0.2, 0.2], // the lost camera's last (dark) picture must not pull the others
  ];
  const active = [true, true, true, false];
  const gains = solveGains(4, measured(exposure, GROUND), active);
  assert.deepEqual(gains[3], [1, 1, 1]);
  const ratios = seamRatios(gains, exposure, active);
  assert.equal(ratios.length, 6, 'front|left and left|rear, three channels each');
  for (const r of ratios) assert.ok(Math.abs(r - 1) <= 0.01, `seam ratio ${r.toFixed(4)}`);
});

test('an overlap measured on too few samples is not used', () => {
  const exposure: RGB[] = [
    [1.3, 1.3, 1.3],
    [0.7, 0.7, 0.7],
    [1.0, 1.0, 1.0],
    [1.0, 1.0, 1.0],
  ];
  const good = measured(exposure, GROUND);
  // The rear|right corner, barely seen, reports nonsense for the right camera.
  const noisy = good.map((o) => (o.i === 3 && o.j === 1 ? { ...o, mean: [0.9, 0.9, 0.9] as RGB, samples: MIN_OVERLAP_SAMPLES - 1 } : o));
  const withNoise = solveGains(4, noisy, ALL);
  const without = solveGains(4, good.filter((o) => !((o.i === 3 && o.j === 1) || (o.i === 1 && o.j === 3))), ALL);
  assert.deepEqual(withNoise, without, 'the under-sampled corner counts as not measured');
});

test('gains are clamped to their range, whatever the measurements say', () => {
  const exposure: RGB[] = [
    [20, 20, 20],
    [0.01, 0.01, 0.01],
    [1, 1, 1],
    [1, 1, 1],
  ];
  for (const g of solveGains(4, measured(exposure, GROUND), ALL)) for (const x of g) assert.ok(x >= MIN_GAIN && x <= MAX_GAIN, `gain ${x}`);
});

test('shown gains move toward the target first-order, never by more than MAX_GAIN_STEP_PER_S a second, without overshoot', () => {
  const target: RGB[] = [[1.3, 0.7, 1], [1, 1, 1]];
  let shown: RGB[] = [[1, 1, 1], [1, 1, 1]];
  const dt = 1 / 60;
  let t = 0;
  for (; t < 3; t += dt) {
    const next = stepGains(shown, target, dt);
    next.forEach((g, i) =>
      g.forEach((x, c) => {
        const step = Math.abs(x - shown[i]![c]!);
        assert.ok(step <= MAX_GAIN_STEP_PER_S * dt + 1e-12, `step ${step} in ${dt} s`);
        const before = target[i]![c]! - shown[i]![c]!, after = target[i]![c]! - x;
        assert.ok(Math.sign(after) === Math.sign(before) || Math.abs(after) < 1e-9, 'never past the target');
      }),
    );
    shown = next;
    if (shown.every((g, i) => g.every((x, c) => Math.abs(x - target[i]![c]!) < 0.005))) break;
  }
  // ±30 % at 0.5 a second at most: at least 0.6 s; first-order with τ = 0.3 s: settled (0.5 %) within about 2 s.
  assert.ok(t >= 0.3 / MAX_GAIN_STEP_PER_S, `settled after ${t.toFixed(2)} s: faster than the step limit allows`);
  assert.ok(t <= 2 + GAIN_TIME_CONSTANT_S, `settled after ${t.toFixed(2)} s`);
});
