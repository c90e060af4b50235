/**
 * Open TCP connections per client address (limits.maxConnectionsPerAddress),
 * so one host cannot take every file descriptor of the gateway. Counted at
 * accept, before any byte is parsed.
 */
export class ConnectionsPerAddress {
  #open = new Map<string, number>();

  /** Changed by a live reload: connections already open stay, new ones count against the new limit. */
  constructor(public max: number) {}

  /** Counts a new connection; false when it is over the limit (it still counts until closed). */
  open(address: string): boolean {
    const n = (this.#open.get(address) ?? 0) + 1;
    this.#open.set(address, n);
    return n <= this.max;
  }

  close(address: string): void {
    const n = (this.#open.get(address) ?? 0) - 1;
    if (n > 0) this.#open.set(address, n);
    else this.#open.delete(address);
  }

  count(address: string): number {
    return this.#open.get(address) ?? 0;
  }
}
