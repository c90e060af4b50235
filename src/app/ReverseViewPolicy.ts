/**
 * What a driver feels: engaging reverse brings the rear view up on every
 * display at once (and opens the camera before any display asks); leaving
 * reverse keeps the view for holdMs, or less once forward speed passes
 * exitSpeedKmh; then the view goes and the camera is released when no
 * display wants it. A stale or invalid signal never hides the image: it is
 * reported in the view message and the displays say so.
 */
import type { ReverseConfig } from '../config/types.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { MatchRequest } from '../registry/Registry.js';
import { VSS, type SignalSample, type ViewMessage } from '../wire/signals.js';

/** The narrow view of the signal bus the policy needs. */
export interface SignalReader {
  get(path: string): SignalSample | undefined;
  subscribe(listener: (changed: SignalSample[]) => void): () => void;
  /** Paths whose values are stale or invalid now. */
  staleness(nowMs?: number): string[];
}

export interface ReverseViewDeps {
  config: ReverseConfig;
  signals: SignalReader;
  /** Opens and holds the rear stream; resolves to its release function. */
  hold(req: MatchRequest): Promise<() => void>;
  broadcast(view: ViewMessage): void;
  log: Logger;
  /** How often staleness is re-checked, so a signal that stops is reported without a new sample. */
  stalenessCheckMs?: number;
}

export class ReverseViewPolicy {
  #deps: ReverseViewDeps;
  #view: ViewMessage = { type: 'view', view: 'none', reason: 'not in reverse', stale: [] };
  #holdTimer: NodeJS.Timeout | undefined;
  #release: Promise<(() => void) | undefined> | undefined;
  #unsubscribe: () => void;
  #staleTimer: NodeJS.Timeout;

  constructor(deps: ReverseViewDeps) {
    this.#deps = deps;
    this.#unsubscribe = deps.signals.subscribe(() => this.#evaluate());
    this.#staleTimer = setInterval(() => this.#checkStale(), deps.stalenessCheckMs ?? 100);
    this.#staleTimer.unref();
    this.#evaluate();
  }

  /** The view in force, for a display that connects now. */
  get current(): ViewMessage {
    return this.#view;
  }

  #num(path: string): number | undefined {
    const v = this.#deps.signals.get(path)?.value;
    return typeof v === 'number' && Number.isFinite(v) ? v : undefined;
  }

  #evaluate(): void {
    const gear = this.#num(VSS.gear);
    const speed = this.#num(VSS.speed) ?? 0;
    const { holdMs, exitSpeedKmh } = this.#deps.config;
    if (gear !== undefined && gear < 0) {
      this.#clearHold();
      if (this.#view.view !== 'rear') this.#show('reverse gear engaged');
      return;
    }
    if (this.#view.view !== 'rear' || gear === undefined) return; // unknown gear: keep what is shown
    if (gear > 0 && speed > exitSpeedKmh) {
      this.#hide(`forward speed ${speed.toFixed(0)} km/h above ${exitSpeedKmh} km/h`);
      return;
    }
    if (!this.#holdTimer) {
      this.#holdTimer = setTimeout(() => {
        this.#holdTimer = undefined;
        this.#hide(`out of reverse for ${holdMs} ms`);
      }, holdMs);
    }
  }

  #show(reason: string): void {
    const { service, camera, codec } = this.#deps.config;
    this.#release ??= this.#deps.hold({ service, camera, codec }).catch((err: unknown) => {
      // Nothing to open ahead of the displays (e.g. a gateway before any vehicle is discovered, or with
      // several and no default): the displays still ask for themselves, so this is worth a line, not a stack.
      if (err instanceof RevcamError && (err.code === 'SERVICE_NOT_FOUND' || err.code === 'BAD_REQUEST')) {
        this.#deps.log.warn({ code: err.code, detail: err.message }, 'reverse gear: the rear camera was not opened ahead of the displays');
      } else this.#deps.log.error({ err }, 'reverse gear could not open the rear camera');
      return undefined;
    });
    this.#set({ type: 'view', view: 'rear', reason, stale: this.#deps.signals.staleness() });
    this.#deps.log.info({ reason }, 'rear view on');
  }

  #hide(reason: string): void {
    this.#clearHold();
    const release = this.#release;
    this.#release = undefined;
    void release?.then((fn) => fn?.());
    this.#set({ type: 'view', view: 'none', reason, stale: this.#deps.signals.staleness() });
    this.#deps.log.info({ reason }, 'rear view off');
  }

  #clearHold(): void {
    clearTimeout(this.#holdTimer);
    this.#holdTimer = undefined;
  }

  #checkStale(): void {
    const stale = this.#deps.signals.staleness();
    if (stale.join() !== this.#view.stale.join()) this.#set({ ...this.#view, stale });
  }

  #set(view: ViewMessage): void {
    this.#view = view;
    this.#deps.broadcast(view);
  }

  close(): void {
    this.#unsubscribe();
    clearInterval(this.#staleTimer);
    this.#clearHold();
    void this.#release?.then((fn) => fn?.());
    this.#release = undefined;
  }
}
