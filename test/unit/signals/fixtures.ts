/** Paths to the shipped CAN examples, from dist/test/unit/signals. */
import { fileURLToPath } from 'node:url';

export const ROOT = fileURLToPath(new URL('../../../../', import.meta.url));
export const EXAMPLE_DBC = fileURLToPath(new URL('../../../../examples/can/revcam.dbc', import.meta.url));
export const EXAMPLE_LOG = fileURLToPath(new URL('../../../../examples/can/reverse-park.log', import.meta.url));

/** Consecutive duplicates removed: the order in which values appeared. */
export function distinctRuns<T>(xs: readonly T[]): T[] {
  return xs.filter((x, i) => i === 0 || xs[i - 1] !== x);
}
