/**
 * `npm run bench -- --repeat N`: the selected cases run N times over, and
 * every target is judged on all N runs. A target is met only when it is met
 * in every run (issue 19: "a figure met in one run out of three is not met");
 * not measured in some run but measured in another is not met either.
 */
import type { Target } from './results.js';

export interface RepeatedTarget extends Target {
  /** Each run's figure, in run order (null: not measured in that run). */
  runs: Array<string | null>;
  /** Runs in which it was met, of those in which it was judged. */
  metIn: number;
}

export function combineTargets(runs: readonly (readonly Target[])[]): RepeatedTarget[] {
  const ids: string[] = [];
  for (const r of runs) for (const t of r) if (!ids.includes(t.id)) ids.push(t.id);
  return ids.map((id) => {
    const each = runs.map((r) => r.find((t) => t.id === id));
    const first = each.find((t) => t !== undefined)!;
    const measured = each.filter((t) => t !== undefined && t.met !== null);
    const metIn = measured.filter((t) => t!.met === true).length;
    const met = measured.length === 0 ? null : metIn === runs.length;
    const figures = each.map((t) => t?.measured ?? null);
    return {
      id,
      text: first.text,
      limit: first.limit,
      measured: measured.length === 0 ? null : `${metIn}/${runs.length} runs: ${figures.map((f) => f ?? 'not measured').join(' | ')}`,
      met,
      runs: figures,
      metIn,
      ...(first.note !== undefined && { note: first.note }),
    };
  });
}
