/**
 * When a failed service child is spawned again (docs/architecture.md
 * "Supervision"): pure arithmetic, kept apart from the process handling so it
 * can be read and tested on its own. ChildSupervisor applies it.
 */
import type { InstanceState } from './ServiceEndpoint.js';

/** Consecutive failures after which an instance counts as `failed` while it is down. */
export const FAILURE_THRESHOLD = 5;
/** A child that has run this long without failing resets the consecutive-failure count. */
export const DEFAULT_STABLE_AFTER_MS = 10_000;

export interface RestartBackoff {
  initialDelayMs: number;
  maxDelayMs: number;
}

/** The wait before restart number n of a series: initialDelayMs doubled per consecutive failure, capped. */
export function backoffDelay(restart: RestartBackoff, consecutiveFailures: number): number {
  return Math.min(restart.maxDelayMs, restart.initialDelayMs * 2 ** Math.max(0, consecutiveFailures - 1));
}

/** What an instance shows while it waits for that restart: still retrying either way, but `failed` is not matched. */
export function waitingState(consecutiveFailures: number): Extract<InstanceState, 'backoff' | 'failed'> {
  return consecutiveFailures >= FAILURE_THRESHOLD ? 'failed' : 'backoff';
}
