/**
 * Runs one solveMount off the gateway's event loop: a solve is up to a second
 * of CPU on a small machine (several Levenberg–Marquardt runs), and the
 * thread that serves every viewer's frames must not stop for it.
 */
import { parentPort, workerData } from 'node:worker_threads';
import { CalibrationRejected, solveMount, type MarkedPoint, type SolvedMount } from './solveMount.js';
import type { CalibrationConfig } from '../config/types.js';
import type { ImageSpec } from '../geometry/cameraModel.js';

export type SolveWorkerInput = { cal: CalibrationConfig; image: ImageSpec; points: MarkedPoint[] };
export type SolveWorkerOutput = { ok: true; solved: SolvedMount } | { ok: false; rejected: string } | { ok: false; error: string };

const { cal, image, points } = workerData as SolveWorkerInput;
let out: SolveWorkerOutput;
try {
  out = { ok: true, solved: solveMount(cal, image, points) };
} catch (err) {
  out = err instanceof CalibrationRejected ? { ok: false, rejected: err.reason } : { ok: false, error: (err as Error).message };
}
parentPort!.postMessage(out);
