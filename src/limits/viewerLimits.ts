/**
 * Who may join as a viewer under `limits` (docs/protocol.md §8): viewers in
 * total, per authenticated device and per stream. When the total is reached,
 * a viewer of a higher-priority role sheds the lowest-priority one instead of
 * being refused, like Android EVS's primary client. Pure: the caller keeps
 * the list of viewers and carries out the decision.
 */
import type { LimitsConfig } from '../config/types.js';

export interface ViewerSlot {
  /** The device's id; `anonymous`/`exempt` devices are not limited per device. */
  deviceId: string;
  /** The anonymous loopback demo (`local`): not limited per device. */
  anonymous: boolean;
  /** The platform itself (an overlay burner): never counted, never shed. */
  exempt: boolean;
  /** Of the device's role; higher wins under the total limit. */
  priority: number;
  /** instance/camera/codec (or a derived stream's id). */
  stream: string;
  /** False while the viewer is still being admitted (its camera opening): not sheddable yet. */
  sheddable: boolean;
}

export type Admission<T extends ViewerSlot> = { admit: true; shed?: T } | { admit: false; reason: string };

type Limits = Pick<LimitsConfig, 'maxViewers' | 'maxViewersPerDevice' | 'maxViewersPerStream'>;

export function admitViewer<T extends ViewerSlot>(limits: Limits, current: readonly T[], candidate: ViewerSlot): Admission<T> {
  if (candidate.exempt) return { admit: true };
  const counted = current.filter((v) => !v.exempt);
  if (counted.filter((v) => v.stream === candidate.stream).length >= limits.maxViewersPerStream) {
    return { admit: false, reason: `stream ${candidate.stream} has its ${limits.maxViewersPerStream} viewers (limits.maxViewersPerStream)` };
  }
  if (!candidate.anonymous && counted.filter((v) => !v.anonymous && v.deviceId === candidate.deviceId).length >= limits.maxViewersPerDevice) {
    return { admit: false, reason: `device ${candidate.deviceId} has its ${limits.maxViewersPerDevice} viewers (limits.maxViewersPerDevice)` };
  }
  if (counted.length < limits.maxViewers) return { admit: true };
  const shed = lowestBelow(counted, candidate.priority);
  if (shed) return { admit: true, shed };
  return { admit: false, reason: `the server has its ${limits.maxViewers} viewers (limits.maxViewers) and none of a lower priority` };
}

/** The viewer to shed for a candidate of `priority`: the lowest priority below it, the newest of those (older sessions keep theirs). */
function lowestBelow<T extends ViewerSlot>(viewers: readonly T[], priority: number): T | undefined {
  let best: T | undefined;
  for (const v of viewers) {
    if (!v.sheddable || v.priority >= priority) continue;
    if (!best || v.priority <= best.priority) best = v;
  }
  return best;
}
