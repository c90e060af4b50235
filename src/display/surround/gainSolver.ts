/**
 * Photometric alignment of the surround view's cameras (pure, no DOM).
 *
 * Each camera meters its own scene, so the same asphalt is brighter in one
 * picture than in its neighbour's. For every pair of cameras that overlap the
 * shader measures the mean linear-light colour each sees of their common
 * ground (surroundShader.ts, a tiny render target read back). Per colour
 * channel the gains g minimise
 *
 *   Σ_pairs ((g_i·m_ij − g_j·m_ji) / m̄_ij)²  +  λ Σ_i (g_i − 1)²
 *
 * (m_ij: camera i's mean over its overlap with j; m̄_ij their average, so
 * dark and bright overlaps count alike). λ = REGULARISATION keeps the
 * overall brightness near what the cameras give (without it g = 0 fits).
 * Normal equations, 4 x 4, solved exactly. The solve reads the cameras'
 * own (ungained) means, so it is not a feedback loop and cannot oscillate.
 *
 * Over time the shown gains approach the solved ones first-order
 * (time constant GAIN_TIME_CONSTANT_S) and never by more than
 * MAX_GAIN_STEP_PER_S a second: no flicker, and a change of ±30 % settles in
 * about a second.
 */

export const REGULARISATION = 0.01;
export const MAX_GAIN_STEP_PER_S = 0.5;
export const GAIN_TIME_CONSTANT_S = 0.3;
export const MIN_GAIN = 0.4;
export const MAX_GAIN = 2.5;
/** An overlap measured on fewer ground samples than this (of the shader's grid) is not used. */
export const MIN_OVERLAP_SAMPLES = 8;

export type RGB = [number, number, number];

/** Camera i's mean linear colour over its overlap with camera j, and how many samples it is over. */
export interface OverlapMean {
  i: number;
  j: number;
  mean: RGB;
  samples: number;
}

/**
 * The gains (per camera, per channel) that best even out the overlaps.
 * `active[i]` false: camera i is left out (lost, or not configured) and keeps gain 1 in the answer.
 */
export function solveGains(n: number, overlaps: readonly OverlapMean[], active: readonly boolean[]): RGB[] {
  const byPair = new Map<string, OverlapMean>();
  for (const o of overlaps) if (o.samples >= MIN_OVERLAP_SAMPLES && active[o.i] && active[o.j]) byPair.set(`${o.i},${o.j}`, o);
  const out: RGB[] = Array.from({ length: n }, () => [1, 1, 1]);
  for (let c = 0; c < 3; c++) {
    const A = Array.from({ length: n }, () => new Array<number>(n).fill(0));
    const rhs = new Array<number>(n).fill(0);
    for (let i = 0; i < n; i++) {
      A[i]![i]! += REGULARISATION;
      rhs[i]! += REGULARISATION;
    }
    for (let i = 0; i < n; i++) {
      for (let j = i + 1; j < n; j++) {
        const ij = byPair.get(`${i},${j}`), ji = byPair.get(`${j},${i}`);
        if (!ij || !ji) continue;
        const a = ij.mean[c], b = ji.mean[c];
        const norm = (a + b) / 2;
        if (!(norm > 1e-4)) continue;
        const [an, bn] = [a / norm, b / norm];
        A[i]![i]! += an * an;
        A[j]![j]! += bn * bn;
        A[i]![j]! -= an * bn;
        A[j]![i]! -= an * bn;
      }
    }
    const g = solve(A, rhs);
    // Only the ratios are measured: scaled so the active cameras' gains average 1 (the picture keeps its overall
    // level; the weak pull toward 1 alone would let it sag a few per cent).
    const act = g ? g.filter((_, i) => active[i]) : [];
    const level = act.length ? Math.exp(act.reduce((a, x) => a + Math.log(Math.max(x, 1e-3)), 0) / act.length) : 1;
    for (let i = 0; i < n; i++) out[i]![c] = active[i] && g ? clamp(g[i]! / level, MIN_GAIN, MAX_GAIN) : 1;
  }
  return out;
}

/** Moves the shown gains toward the solved ones over `dtS` seconds: first-order, rate-limited. */
export function stepGains(shown: readonly RGB[], target: readonly RGB[], dtS: number): RGB[] {
  const k = Math.min(1, dtS / GAIN_TIME_CONSTANT_S);
  const maxStep = MAX_GAIN_STEP_PER_S * dtS;
  return shown.map((g, i) => g.map((x, c) => x + clamp((target[i]![c]! - x) * k, -maxStep, maxStep)) as RGB);
}

const clamp = (x: number, lo: number, hi: number): number => Math.min(hi, Math.max(lo, x));

/** Gaussian elimination with partial pivoting; null when singular. */
function solve(A: number[][], b: number[]): number[] | null {
  const n = b.length;
  const M = A.map((row, i) => [...row, b[i]!]);
  for (let col = 0; col < n; col++) {
    let piv = col;
    for (let r = col + 1; r < n; r++) if (Math.abs(M[r]![col]!) > Math.abs(M[piv]![col]!)) piv = r;
    if (Math.abs(M[piv]![col]!) < 1e-12) return null;
    [M[col], M[piv]] = [M[piv]!, M[col]!];
    for (let r = 0; r < n; r++) {
      if (r === col) continue;
      const f = M[r]![col]! / M[col]![col]!;
      for (let k = col; k <= n; k++) M[r]![k]! -= f * M[col]![k]!;
    }
  }
  return M.map((row, i) => row[n]! / row[i]!);
}
