/**
 * The vehicle signals a process's displays can follow, by vehicle. The local
 * ones (this process's own source: the embedded default, or the vehicle of
 * `revcam serve --nats --vehicle X`) answer a request without `vehicle=`, as
 * always. A vehicle whose signals arrive from elsewhere (a host on NATS, fed
 * by src/nats) gets its own SignalBus, its own displays' socket and its own
 * ReverseViewPolicy: reverse gear on vehicle A holds vehicle A's rear stream
 * and tells only the displays watching vehicle A. Transport-free as far as
 * the bus goes: nothing here knows NATS.
 */
import type { RevcamConfig } from '../config/types.js';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { MatchRequest } from '../registry/Registry.js';
import { SignalBus } from '../signals/SignalBus.js';
import type { SignalsHttpDeps } from '../transport/signalsHttp.js';
import { SignalsWsTransport } from '../transport/signalsWs.js';
import { ReverseViewPolicy } from './ReverseViewPolicy.js';

/** What /api/signals serves for one vehicle. */
export interface SignalsEndpoint {
  http: SignalsHttpDeps;
  ws: SignalsWsTransport;
}

export interface VehicleSignalsDeps {
  config: Readonly<RevcamConfig>;
  auth: DeviceAuth;
  log: Logger;
  /** Opens and holds a stream (StreamHub.hold): a remote vehicle's reverse gear holds its rear camera. */
  hold(req: MatchRequest): Promise<() => void>;
  /** The local signals, and the vehicle they belong to (undefined for the embedded default, which names none). */
  local: SignalsEndpoint;
  ownVehicle?: string | undefined;
  /** A gateway's default vehicle (not its own): a request naming none gets this vehicle's signals. */
  defaultVehicle?: string | undefined;
  /** Called with each remote vehicle's bus as it is added (role policies re-check on its changes); returns the unwatch. */
  watchBus?(bus: SignalBus): () => void;
}

/** Forwards a device's POST to the vehicle's own source (see SignalsHttpDeps.forward). */
export type SignalsForward = NonNullable<SignalsHttpDeps['forward']>;

interface Remote extends SignalsEndpoint {
  bus: SignalBus;
  reverse: ReverseViewPolicy;
  unwatch(): void;
}

const VEHICLE_NAME = /^[a-z][a-z0-9-]{0,63}$/;

export class VehicleSignals {
  #deps: VehicleSignalsDeps;
  #remote = new Map<string, Remote>();

  constructor(deps: VehicleSignalsDeps) {
    this.#deps = deps;
  }

  /**
   * The signals `?vehicle=` names: none (and no default vehicle) or this
   * process's own vehicle → the local ones; none with a gateway default
   * vehicle → that vehicle's; a vehicle seen on the bus → its own; anything else is refused
   * (BAD_REQUEST for a malformed name, NOT_FOUND for a vehicle not seen).
   */
  resolve(vehicle: string | null): SignalsEndpoint {
    const { defaultVehicle } = this.#deps;
    if (vehicle === null && defaultVehicle !== undefined && defaultVehicle !== this.#deps.ownVehicle) return this.resolve(defaultVehicle);
    if (vehicle === null || vehicle === this.#deps.ownVehicle) return this.#deps.local;
    if (!VEHICLE_NAME.test(vehicle)) throw new RevcamError('BAD_REQUEST', `vehicle: a vehicle name is lower-case letters, digits and "-", starting with a letter (got ${JSON.stringify(vehicle.slice(0, 80))})`);
    const remote = this.#remote.get(vehicle);
    if (!remote) {
      const known = this.vehicles();
      throw new RevcamError('NOT_FOUND', `no signals of vehicle "${vehicle}" here (vehicles: ${known.length > 0 ? known.join(', ') : 'none'})`);
    }
    return remote;
  }

  /** Vehicles whose signals this process follows, this process's own first. */
  vehicles(): string[] {
    return [...(this.#deps.ownVehicle !== undefined ? [this.#deps.ownVehicle] : []), ...[...this.#remote.keys()].sort()];
  }

  /** The bus of a remote vehicle, for tests and logs. */
  busOf(vehicle: string): SignalBus | undefined {
    return this.#remote.get(vehicle)?.bus;
  }

  /**
   * A vehicle whose signals arrive from elsewhere: returns the bus to feed
   * (SignalBus.publish, as a source does) and the function that removes it.
   * Its displays are disconnected when it is removed (they reconnect and are
   * told NOT_FOUND until it is back).
   */
  addRemote(vehicle: string, forward: SignalsForward): { bus: SignalBus; remove(): void } {
    if (vehicle === this.#deps.ownVehicle) throw new Error(`vehicle ${vehicle} is this process's own`);
    const old = this.#remote.get(vehicle);
    old?.unwatch();
    old?.reverse.close();
    const { config, auth, log } = this.#deps;
    const vlog = log.child({ vehicle });
    const bus = new SignalBus({ staleAfterMs: config.signals.staleAfterMs, onListenerError: (err) => vlog.error({ err }, 'signal listener failed') });
    const ws = new SignalsWsTransport({ bus, auth, log: vlog });
    const reverse = new ReverseViewPolicy({
      config: config.reverse,
      signals: bus,
      // This vehicle's rear camera, whatever the process's default vehicle; and only while a
      // display here follows it: a fleet gateway must not pull every reversing vehicle's frames
      // over the bus (or a leaf link) for nobody. A display that connects later gets the view
      // and asks for the stream itself.
      hold: (req) => (ws.clientCount > 0 ? this.#deps.hold({ ...req, vehicle }) : Promise.resolve(() => {})),
      broadcast: (view) => ws.broadcastView(view),
      log: vlog,
    });
    ws.broadcastView(reverse.current);
    const unwatch = this.#deps.watchBus?.(bus) ?? (() => {});
    const remote: Remote = { bus, ws, reverse, unwatch, http: { bus, auth, log: vlog, vehicle, forward, bodyTimeoutMs: config.limits.bodyTimeoutMs } };
    this.#remote.set(vehicle, remote);
    return {
      bus,
      remove: () => {
        if (this.#remote.get(vehicle) !== remote) return;
        this.#remote.delete(vehicle);
        this.#closeRemote(remote);
      },
    };
  }

  #closeRemote(r: Remote): void {
    r.unwatch();
    r.reverse.close();
    r.ws.close();
  }

  close(): void {
    for (const r of this.#remote.values()) this.#closeRemote(r);
    this.#remote.clear();
  }
}
