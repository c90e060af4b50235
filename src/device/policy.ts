/**
 * Role policies evaluated on the vehicle's signals (docs/security.md, "Roles").
 * Pure: it reads values through a lookup, so the same rule runs at request
 * time and whenever a signal changes while a stream is open.
 */
import type { RolePolicy } from '../config/types.js';
import { SELECTED_GEAR, VSS, type SignalValue } from '../wire/signals.js';

/** The latest valid value of a VSS path, or undefined when missing or invalid. */
export type SignalLookup = (path: string) => SignalValue | undefined;

/**
 * The lookup of one vehicle's signals: undefined names this process's own
 * (the embedded default, or `serve --nats --vehicle`'s). A vehicle whose
 * signals are unknown here gets a lookup that finds nothing, so its policies
 * fail closed.
 */
export type VehicleSignalLookup = (vehicle: string | undefined) => SignalLookup;

/** The paths a policy reads: a change of any of them re-checks open streams. */
export const POLICY_PATHS: readonly string[] = [VSS.selectedGear, VSS.gear, VSS.speed, VSS.remoteViewConsent];

/**
 * Parked: the selector is in P (SelectedGear 126). Only where no SelectedGear
 * is known (a CAN map without it): CurrentGear 0 (neutral) and Speed 0.
 * Anything missing counts as not parked: the policy fails closed.
 */
export function isParked(get: SignalLookup): boolean {
  const selected = get(VSS.selectedGear);
  if (selected !== undefined) return selected === SELECTED_GEAR.park;
  return get(VSS.gear) === 0 && get(VSS.speed) === 0;
}

/** Consent: Vehicle.Private.Revcam.RemoteViewConsent is 1. Missing = no consent. */
export function hasConsent(get: SignalLookup): boolean {
  return get(VSS.remoteViewConsent) === 1;
}

/** Why the policy does not hold now, or undefined when it does (a null policy always holds). */
export function policyProblem(policy: RolePolicy | null, get: SignalLookup): string | undefined {
  if (!policy) return undefined;
  const missing: string[] = [];
  if (policy.parked && !isParked(get)) missing.push('the vehicle is parked (selected gear P)');
  if (policy.consent && !hasConsent(get)) missing.push(`the owner consents (${VSS.remoteViewConsent} = 1)`);
  return missing.length > 0 ? `only while ${missing.join(' and ')}` : undefined;
}
