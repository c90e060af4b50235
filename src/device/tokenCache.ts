/**
 * Remembers which presented tokens were verified against the scrypt hashes,
 * keyed by the token's SHA-256 digest (the token itself is never kept), so a
 * device reconnecting or opening 200 viewers pays scrypt once. Wrong tokens
 * are remembered briefly too, and scrypt runs at most `checksPerSecond` times
 * a second beyond the cache, so a flood of wrong tokens costs bounded CPU.
 * Both maps are bounded: the oldest entry goes first.
 */

const MAX_ENTRIES = 1024;
const NEGATIVE_TTL_MS = 60_000;

export class TokenCache<T> {
  #known = new Map<string, T>();
  #wrong = new Map<string, number>();
  #rate: number;
  #tokens: number;
  #refilledAt: number;
  #clock: () => number;

  constructor(opts: { checksPerSecond: number; clock?: () => number }) {
    this.#rate = opts.checksPerSecond;
    this.#tokens = opts.checksPerSecond * 2;
    this.#clock = opts.clock ?? Date.now;
    this.#refilledAt = this.#clock();
  }

  /** The cached result: a value, null (known wrong, recently), or undefined (not cached). */
  get(digest: Buffer): T | null | undefined {
    const key = digest.toString('base64');
    const v = this.#known.get(key);
    if (v !== undefined) return v;
    const wrongAt = this.#wrong.get(key);
    if (wrongAt === undefined) return undefined;
    if (this.#clock() - wrongAt < NEGATIVE_TTL_MS) return null;
    this.#wrong.delete(key);
    return undefined;
  }

  set(digest: Buffer, value: T | null): void {
    const key = digest.toString('base64');
    const map: Map<string, unknown> = value === null ? this.#wrong : this.#known;
    map.delete(key);
    map.set(key, value === null ? this.#clock() : value);
    if (map.size > MAX_ENTRIES) map.delete(map.keys().next().value as string);
  }

  /** Takes one hash check from the budget (a token bucket, burst of two seconds' worth); false when spent. */
  spend(): boolean {
    const now = this.#clock();
    this.#tokens = Math.min(this.#rate * 2, this.#tokens + ((now - this.#refilledAt) / 1000) * this.#rate);
    this.#refilledAt = now;
    if (this.#tokens < 1) return false;
    this.#tokens -= 1;
    return true;
  }
}
