/**
 * Boot stage marks: how long after this process started each stage of
 * bringing the rear image up was reached (docs/performance.md, case 10).
 * Times are `performance.now()`, whose origin is the process's start, so a
 * mark costs one clock read. Each stage is marked once, the first time it is
 * reached; each mark is logged at info (`msg: "boot"`, `stage`, `ms`) and all
 * of them are in `GET /api/health` as `boot`.
 *
 * Stages, in causal order (listening and the service's start run side by side):
 *   main      the `revcam` main module runs (spawn → here: node's own start)
 *   config    the config is loaded and checked
 *   listening the gateway accepts connections
 *   service   the reverse service's child reports ready
 *   camera    the reverse camera is open (reverse gear at boot holds it)
 *   frame     the first frame of the reverse camera reached the gateway
 *             (`captureMs`: its capture instant on the same clock)
 *
 * No imports: main.ts loads this before anything else.
 */

export type BootStage = 'main' | 'config' | 'listening' | 'service' | 'camera' | 'frame';

export const BOOT_STAGES: readonly BootStage[] = ['main', 'config', 'listening', 'service', 'camera', 'frame'];

export interface BootMarks {
  /** ms since the process started, per stage reached. */
  stages: Partial<Record<BootStage, number>>;
  /** The first reverse frame's capture instant, ms since the process started (it may precede `frame` by the pipe's delay). */
  captureMs?: number;
  /** The process's start, ms since the Unix epoch (performance.timeOrigin): what a supervisor needs to line the marks up with its own clock. */
  originMs: number;
}

type BootLog = (fields: { stage: BootStage; ms: number; captureMs?: number }, msg: 'boot') => void;

const round = (x: number) => Math.round(x * 10) / 10;
const marks: BootMarks = { stages: {}, originMs: round(performance.timeOrigin) };
let logFn: BootLog | undefined;

/** Records a stage the first time it is reached (later calls are ignored) and logs it. */
export function markBoot(stage: BootStage, extra?: { captureMs?: number }): void {
  if (marks.stages[stage] !== undefined) return;
  const ms = round(performance.now());
  marks.stages[stage] = ms;
  if (extra?.captureMs !== undefined) marks.captureMs = round(extra.captureMs);
  logFn?.({ stage, ms, ...(extra?.captureMs !== undefined && { captureMs: round(extra.captureMs) }) }, 'boot');
}

/** From now on marks go to this logger (the first one given: one process, one boot); the ones taken before it are logged at once, in order. */
export function logBootTo(log: { info: BootLog }): void {
  if (logFn) return;
  logFn = (fields, msg) => log.info(fields, msg);
  for (const stage of BOOT_STAGES) {
    const ms = marks.stages[stage];
    if (ms !== undefined) logFn({ stage, ms }, 'boot');
  }
}

/** A copy of the marks so far. */
export function bootMarks(): BootMarks {
  return { ...marks, stages: { ...marks.stages } };
}

/** Epoch microseconds (a frame's captureUs) as ms since this process started. */
export function sinceStartMs(epochUs: number): number {
  return epochUs / 1000 - performance.timeOrigin;
}
