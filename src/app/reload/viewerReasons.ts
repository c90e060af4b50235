/**
 * Which viewers a live reload ends, and why. A viewer proved who it is when it connected; after new
 * devices and roles are in force (DeviceAuth.replace) each viewer is judged as its device would be now:
 *
 * - its device is gone, or its credential was replaced: UNAUTHORIZED (the proof it gave holds no more);
 * - its device has another role now: FORBIDDEN (it may ask again, under the new role's rights);
 * - its role no longer allows what it watches (a right taken away, a policy added): FORBIDDEN;
 * - the anonymous loopback demo was switched off: UNAUTHORIZED.
 *
 * Anyone else is not touched: not a frame is lost for them.
 */
import { isDeepStrictEqual } from 'node:util';
import type { DeviceConfig, RevcamConfig } from '../../config/types.js';
import type { DeviceAuth } from '../../device/DeviceAuth.js';
import { RevcamError } from '../../errors/RevcamError.js';
import { SYSTEM_DEVICE, type ViewerInfo, type WatchedStream } from '../../stream/StreamHub.js';

type Auth = Readonly<RevcamConfig['auth']>;

const credentials = (list: readonly DeviceConfig[]) => list.map((d) => [d.token, d.tokenHash, d.certCommonName]);

export function reloadedViewerReason(before: Auth, after: Auth, auth: Pick<DeviceAuth, 'authorize'>): (viewer: ViewerInfo, watching: WatchedStream) => RevcamError | undefined {
  return ({ device, vehicle }, { service, camera }) => {
    if (device === SYSTEM_DEVICE) return undefined; // the platform's own viewers (overlay burner) follow their viewers
    if (device.anonymous) {
      if (!after.anonymousLoopback) return new RevcamError('UNAUTHORIZED', 'auth.anonymousLoopback was switched off (config reloaded); a device token is required');
    } else {
      const was = before.devices.filter((d) => d.id === device.id);
      const now = after.devices.filter((d) => d.id === device.id);
      if (now.length === 0) return new RevcamError('UNAUTHORIZED', `device "${device.id}" was removed (config reloaded)`);
      if (!isDeepStrictEqual(credentials(was), credentials(now))) return new RevcamError('UNAUTHORIZED', `device "${device.id}" has a new credential (config reloaded)`);
      if (!now.some((d) => d.role === device.role)) return new RevcamError('FORBIDDEN', `device "${device.id}" has role "${now[0]!.role}" now, not "${device.role}" (config reloaded); ask again`);
    }
    try {
      auth.authorize(device, { kind: 'stream', service, camera, ...(vehicle !== undefined && { vehicle }) });
      return undefined;
    } catch (err) {
      const e = RevcamError.from(err);
      return new RevcamError(e.code, `${e.message} (config reloaded)`);
    }
  };
}
