/**
 * Every figure the bench reports is a distribution: min / median / p95 / p99
 * / max over its samples (nearest rank, from src/cli/stats.ts), so a single
 * lucky or unlucky sample never passes for the whole story.
 */
import { percentiles } from '../src/cli/stats.js';

export interface Stat {
  n: number;
  min: number;
  median: number;
  p95: number;
  p99: number;
  max: number;
  unit: string;
}

const round = (x: number): number => (Number.isFinite(x) ? Math.round(x * 1000) / 1000 : x);

/** Summarizes samples; null when there are none (a figure that was not measured is absent, not zero). */
export function summarize(values: readonly number[], unit: string): Stat | null {
  if (values.length === 0) return null;
  const p = percentiles(values);
  return { n: values.length, min: round(p.min), median: round(p.p50), p95: round(p.p95), p99: round(p.p99), max: round(p.max), unit };
}

/** A one-sample figure (e.g. a ratio of two totals). */
export function single(value: number, unit: string): Stat {
  const v = round(value);
  return { n: 1, min: v, median: v, p95: v, p99: v, max: v, unit };
}

export function isStat(x: unknown): x is Stat {
  if (typeof x !== 'object' || x === null) return false;
  const s = x as Record<string, unknown>;
  return ['n', 'min', 'median', 'p95', 'p99', 'max'].every((k) => typeof s[k] === 'number') && typeof s.unit === 'string';
}
