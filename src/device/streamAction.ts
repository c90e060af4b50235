/**
 * The `stream` action of a request, on the vehicle it will be served from.
 * A request may name no vehicle (the registry then picks the default or the
 * only one offering the service); rights and role policies must read the
 * vehicle actually streamed, not the one named or the gateway's own.
 */
import type { MatchRequest, Registry } from '../registry/Registry.js';
import type { Action } from './DeviceAuth.js';

export function streamAction(registry: Pick<Registry, 'match'>, request: MatchRequest): Extract<Action, { kind: 'stream' }> {
  let vehicle = request.vehicle;
  try {
    vehicle = registry.match(request).vehicle;
  } catch {
    // Nothing matches: the subscribe that follows refuses with the registry's own error.
  }
  return { kind: 'stream', service: request.service, camera: request.camera, ...(vehicle !== undefined && { vehicle }) };
}
