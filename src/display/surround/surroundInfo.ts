/**
 * What the surround view reports (window.revcamSurround(), the HUD), as plain
 * data: no DOM, so the Node side (tests, tools) can name the same types.
 */
import type { LivenessView } from '../liveness.js';
import type { RGB } from './gainSolver.js';
import type { CarShape, SurroundGeometry } from './surroundGeometry.js';

/** What a feed shows, for tests and the HUD (window.revcamSurround). */
export interface SurroundFeedInfo {
  camera: string;
  /** `live` only while the liveness says so and the picture is younger than the limit. */
  state: LivenessView['state'];
  reason: LivenessView['reason'];
  detail: string;
  framesPainted: number;
  fps: number;
  /** Capture time of the picture shown, µs on the server's clock (null before the first). */
  captureUs: number | null;
  /** Its age now, ms (upper bound; null without a clock estimate or a picture). */
  ageMs: number | null;
  lastError: string | null;
}

/** What the surround view shows, for tests and the HUD (window.revcamSurround). */
export interface SurroundInfo {
  path: 'webgl2' | 'none';
  note: string | null;
  cameras: SurroundFeedInfo[];
  /** Newest minus oldest capture time of the pictures in use, ms. */
  skewMs: number | null;
  gains: RGB[];
  targetGains: RGB[];
  maxGainStepPerS: number;
  /** For each camera not in use: when (performance.now) its region was first drawn hatched and its label shown. */
  lostSince: Record<string, number>;
  geometry: SurroundGeometry | null;
  car: CarShape;
  cost: { frames: number; lastMs: number | null; meanMs: number | null; maxMs: number | null; uploadMeanMs: number | null; solves: number };
}

