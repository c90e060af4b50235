/**
 * Re-checks role policies while streaming (docs/security.md, "Roles"): when
 * a signal a policy reads changes (gear, speed, consent) and a role's policy
 * stops holding, every open stream of that role's devices ends with
 * FORBIDDEN. A viewer admitted while a signal change raced its request is
 * checked once more as soon as it is added.
 */
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import type { SignalBus } from '../signals/SignalBus.js';
import type { Subscription, ViewerInfo } from '../stream/StreamHub.js';
import type { DeviceAuth } from './DeviceAuth.js';
import { POLICY_PATHS } from './policy.js';

/** Anything holding viewers that can be ended from outside (the stream hub, the overlay taps). */
export interface ViewerHolder {
  endViewers(which: (viewer: ViewerInfo) => boolean, reason: RevcamError): number;
}

export interface PolicyWatchOptions {
  auth: DeviceAuth;
  signals: Pick<SignalBus, 'subscribe'>;
  holders: ViewerHolder[];
  log: Pick<Logger, 'info'>;
}

export class PolicyWatch {
  #opts: PolicyWatchOptions;
  #roles: Set<string>;
  #unsubscribe: () => void;

  constructor(opts: PolicyWatchOptions) {
    this.#opts = opts;
    this.#roles = new Set(opts.auth.policyRoles());
    const watched = new Set(POLICY_PATHS);
    this.#unsubscribe = this.#roles.size === 0 ? () => {} : opts.signals.subscribe((changed) => {
      if (changed.some((s) => watched.has(s.path))) this.sweep();
    });
  }

  /** Ends the streams of every role whose policy does not hold now. Returns how many ended. */
  sweep(): number {
    let n = 0;
    for (const role of this.#roles) {
      const problem = this.#opts.auth.streamPolicyProblem(role);
      if (problem) n += this.#end((v) => v.device.role === role, role, problem);
    }
    return n;
  }

  /** For StreamHub.onViewerAdded: re-checks a new viewer once its transport listens (after the subscribe resolves). */
  viewerAdded = (sub: Pick<Subscription, 'viewer' | 'consumer'>): void => {
    const { role } = sub.viewer.device;
    if (!this.#roles.has(role)) return;
    setImmediate(() => {
      const problem = this.#opts.auth.streamPolicyProblem(role);
      if (problem && !sub.consumer.closed) this.#end((v) => v === sub.viewer, role, problem);
    });
  };

  #end(which: (v: ViewerInfo) => boolean, role: string, problem: string): number {
    const reason = new RevcamError('FORBIDDEN', `role "${role}" may stream ${problem}; stream ended`);
    let n = 0;
    for (const h of this.#opts.holders) n += h.endViewers(which, reason);
    if (n > 0) this.#opts.log.info({ role, ended: n, reason: problem }, 'streams ended: role policy no longer holds');
    return n;
  }

  close(): void {
    this.#unsubscribe();
  }
}
