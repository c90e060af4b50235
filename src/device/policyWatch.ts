/**
 * Re-checks role policies while streaming (docs/security.md, "Roles"): when
 * a signal a policy reads changes (gear, speed, consent) on any vehicle's
 * bus, and every sweep period (so a vehicle whose signals went stale fails
 * closed), each viewer of a policy role is checked on the signals of the
 * vehicle it streams; one whose policy stopped holding ends with FORBIDDEN.
 * A viewer admitted while a signal change raced its request is checked once
 * more as soon as it is added.
 */
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { SignalBus } from '../signals/SignalBus.js';
import type { Subscription, ViewerInfo } from '../stream/StreamHub.js';
import type { DeviceAuth } from './DeviceAuth.js';
import { POLICY_PATHS } from './policy.js';

/** Anything holding viewers that can be ended from outside (the stream hub, the overlay taps). */
export interface ViewerHolder {
  /** Ends every viewer for which `reasonFor` returns a reason; returns how many. */
  endViewers(reasonFor: (viewer: ViewerInfo) => RevcamError | undefined): number;
}

export interface PolicyWatchOptions {
  auth: DeviceAuth;
  /** This process's own signals; a gateway adds each remote vehicle's bus with watch(). */
  signals: Pick<SignalBus, 'subscribe'>;
  holders: ViewerHolder[];
  log: Pick<Logger, 'info'>;
  /** Sweep this often as well as on changes (default 500 ms; 0 = only on changes). */
  sweepEveryMs?: number;
}

const WATCHED = new Set(POLICY_PATHS);

export class PolicyWatch {
  #opts: PolicyWatchOptions;
  #roles: Set<string>;
  #unsubscribe: (() => void)[] = [];
  #timer: NodeJS.Timeout | undefined;

  #started = false;

  constructor(opts: PolicyWatchOptions) {
    this.#opts = opts;
    this.#roles = new Set(opts.auth.policyRoles());
    this.#start();
  }

  /** Nothing is watched while no role has a policy (the embedded default's roles with one stream nothing by default). */
  #start(): void {
    if (this.#roles.size === 0 || this.#started) return;
    this.#started = true;
    this.watch(this.#opts.signals);
    const every = this.#opts.sweepEveryMs ?? 500;
    if (every > 0) this.#timer = setInterval(() => this.sweep(), every).unref();
  }

  /** Live reload: the roles with a policy may have changed; re-checks every viewer on them at once. */
  rolesChanged(): void {
    this.#roles = new Set(this.#opts.auth.policyRoles());
    this.#start();
    if (this.#roles.size > 0) this.sweep();
  }

  /** Re-checks on the changes of one more bus (a remote vehicle's); returns the unsubscribe. */
  watch(bus: Pick<SignalBus, 'subscribe'>): () => void {
    if (this.#roles.size === 0) return () => {};
    const off = bus.subscribe((changed) => {
      if (changed.some((s) => WATCHED.has(s.path))) this.sweep();
    });
    this.#unsubscribe.push(off);
    return () => {
      off();
      this.#unsubscribe = this.#unsubscribe.filter((f) => f !== off);
    };
  }

  /** Ends the streams whose role policy does not hold on their vehicle's signals now. Returns how many ended. */
  sweep(): number {
    // One evaluation per (role, vehicle) per sweep, however many viewers share it.
    const verdicts = new Map<string, RevcamError | undefined>();
    const ended = new Map<string, number>();
    const reasonFor = (v: ViewerInfo): RevcamError | undefined => {
      const { role } = v.device;
      if (!this.#roles.has(role)) return undefined;
      const key = `${role}\u0000${v.vehicle ?? ''}`;
      if (!verdicts.has(key)) {
        const problem = this.#opts.auth.streamPolicyProblem(role, v.vehicle);
        verdicts.set(key, problem === undefined ? undefined : forbidden(role, problem));
      }
      const reason = verdicts.get(key);
      if (reason) ended.set(key, (ended.get(key) ?? 0) + 1);
      return reason;
    };
    let n = 0;
    for (const h of this.#opts.holders) n += h.endViewers(reasonFor);
    for (const [key, count] of ended) {
      const [role, vehicle] = key.split('\u0000');
      this.#opts.log.info({ role, ...(vehicle && { vehicle }), ended: count, reason: verdicts.get(key)?.message }, 'streams ended: role policy no longer holds');
    }
    return n;
  }

  /** For StreamHub.onViewerAdded: re-checks a new viewer once its transport listens (after the subscribe resolves). */
  viewerAdded = (sub: Pick<Subscription, 'viewer' | 'consumer'>): void => {
    const { role } = sub.viewer.device;
    if (!this.#roles.has(role)) return;
    setImmediate(() => {
      if (sub.consumer.closed) return;
      const problem = this.#opts.auth.streamPolicyProblem(role, sub.viewer.vehicle);
      if (!problem) return;
      const reason = forbidden(role, problem);
      let n = 0;
      for (const h of this.#opts.holders) n += h.endViewers((v) => (v === sub.viewer ? reason : undefined));
      if (n > 0) this.#opts.log.info({ role, ended: n, reason: problem }, 'streams ended: role policy no longer holds');
    });
  };

  close(): void {
    clearInterval(this.#timer);
    for (const off of this.#unsubscribe.splice(0)) off();
  }
}

function forbidden(role: string, problem: string): RevcamError {
  return new RevcamError('FORBIDDEN', `role "${role}" may stream ${problem}; stream ended`);
}
