/**
 * Sends the control panel's changes to POST /api/signals. One request is in
 * flight at a time; changes made meanwhile are merged and sent together when
 * it returns (latest value per field wins), so dragging the steering slider
 * never queues up a backlog of requests.
 */

/** The simulator's convenience form; distances in metres from the bumper, SENSOR_MAX_M = no obstacle. */
export interface VehicleInputBody {
  gear?: 'P' | 'R' | 'N' | 'D';
  /** Positive = steering wheel turned left (VSS). */
  steeringDeg?: number;
  speedKmh?: number;
  sensors?: Partial<Record<'outerLeft' | 'innerLeft' | 'innerRight' | 'outerRight', number>>;
}

export class SignalPoster {
  readonly #url: string;
  readonly #onResult: (error: string | null) => void;
  #pending: VehicleInputBody | undefined;
  #busy = false;

  constructor(url: string, onResult: (error: string | null) => void) {
    this.#url = url;
    this.#onResult = onResult;
  }

  send(change: VehicleInputBody): void {
    const p = (this.#pending ??= {});
    const { sensors, ...rest } = change;
    Object.assign(p, rest);
    if (sensors) p.sensors = { ...p.sensors, ...sensors };
    if (!this.#busy) void this.#flush();
  }

  async #flush(): Promise<void> {
    while (this.#pending) {
      const body = this.#pending;
      this.#pending = undefined;
      this.#busy = true;
      try {
        const res = await fetch(this.#url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) });
        this.#onResult(res.ok ? null : `HTTP ${res.status}: ${(await res.text()).slice(0, 200)}`);
      } catch (err) {
        this.#onResult(`cannot reach ${this.#url}: ${(err as Error).message}`);
      } finally {
        this.#busy = false;
      }
    }
  }
}
