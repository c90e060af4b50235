/** solveMount in a worker thread (solveWorker.ts), with a time limit; the same answers and refusals. */
import { pathToFileURL } from 'node:url';
import { Worker } from 'node:worker_threads';
import { compiledFile } from '../app/packageFiles.js';
import type { CalibrationConfig } from '../config/types.js';
import type { ImageSpec } from '../geometry/cameraModel.js';
import { CalibrationRejected } from './CalibrationRejected.js';
import type { MarkedPoint, SolvedMount } from './solveMount.js';
import type { SolveWorkerInput, SolveWorkerOutput } from './solveWorker.js';

const workerUrl = pathToFileURL(compiledFile('calibration/solveWorker.js'));

export function solveMountInWorker(cal: CalibrationConfig, image: ImageSpec, points: readonly MarkedPoint[], timeoutMs = 20_000): Promise<SolvedMount> {
  const input: SolveWorkerInput = { cal, image, points: [...points] };
  return new Promise((resolve, reject) => {
    const worker = new Worker(workerUrl, { workerData: input });
    const timer = setTimeout(() => {
      void worker.terminate();
      reject(new Error(`the calibration solver did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    worker.once('message', (out: SolveWorkerOutput) => {
      clearTimeout(timer);
      if (out.ok) resolve(out.solved);
      else reject('rejected' in out ? new CalibrationRejected(out.rejected) : new Error(out.error));
    });
    worker.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
    worker.once('exit', (code) => {
      clearTimeout(timer);
      reject(new Error(`the calibration solver exited (${code}) without an answer`));
    });
  });
}
