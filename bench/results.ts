/** The shape of bench/results/latest.json (schema "revcam-bench/1"). */
import type { MachineInfo } from './machine.js';
import type { BenchOptions } from './options.js';

export type Status = 'ok' | 'skipped' | 'failed';

/** One measured thing inside a case (a codec, a standby level, a viewer count...). */
export interface Part {
  name: string;
  status: Status;
  /** Why it did not run: a part of revcam that is not there yet, or a missing tool. */
  skipped?: string;
  error?: string;
  data?: Record<string, unknown>;
}

export interface CaseResult {
  id: number;
  name: string;
  title: string;
  /** ok: every part ran; partial: some skipped; skipped: none ran; failed: something broke. */
  status: 'ok' | 'partial' | 'skipped' | 'failed';
  parts: Part[];
  notes: string[];
}

export interface Target {
  id: string;
  text: string;
  limit: string;
  measured: string | null;
  /** null: not measured in this run (case skipped or not selected). */
  met: boolean | null;
  note?: string;
}

export interface BenchResults {
  schema: 'revcam-bench/1';
  startedAt: string;
  finishedAt: string;
  durationS: number;
  command: string;
  options: BenchOptions;
  machine: MachineInfo;
  cases: CaseResult[];
  targets: Target[];
}

/** Thrown (or given a code) when a case depends on something not there yet: the case is skipped, not failed. */
export class SkipError extends Error {}

const SKIP_CODES = new Set(['NOT_FOUND', 'CODEC_UNSUPPORTED', 'SERVICE_NOT_FOUND', 'CAMERA_NOT_AVAILABLE']);

/** The skip reason for an error that means "not there yet", or undefined for a real failure. */
export function skipReason(err: unknown): string | undefined {
  if (err instanceof SkipError) return err.message;
  const code = (err as { code?: unknown })?.code;
  if (typeof code === 'string' && SKIP_CODES.has(code)) return `${code}: ${(err as Error).message}`;
  return undefined;
}

/** Runs one part: a thrown "not there yet" becomes skipped, anything else failed. */
export async function part(name: string, fn: () => Promise<Record<string, unknown>>): Promise<Part> {
  try {
    return { name, status: 'ok', data: await fn() };
  } catch (err) {
    const skipped = skipReason(err);
    if (skipped !== undefined) return { name, status: 'skipped', skipped };
    return { name, status: 'failed', error: (err as Error).stack ?? String(err) };
  }
}

export function caseStatus(parts: readonly Part[]): CaseResult['status'] {
  if (parts.some((p) => p.status === 'failed')) return 'failed';
  if (parts.length === 0 || parts.every((p) => p.status === 'skipped')) return 'skipped';
  return parts.some((p) => p.status === 'skipped') ? 'partial' : 'ok';
}
