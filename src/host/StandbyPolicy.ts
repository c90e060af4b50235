/**
 * What a service's `standby` means, in one place (config/types.ts
 * ServiceConfig.standby): `cold` runs on demand and idles out, `warm` runs
 * from boot, `hot` also keeps its cameras capturing so reverse gear gets a
 * live frame at once. The supervisor, the service's wanted cameras and the
 * stream hub ask here; the hub only provides the streams.
 */
import type { ReverseConfig, ServiceConfig } from '../config/types.js';
import type { Logger } from '../log/logger.js';
import type { CodecName } from '../wire/frame.js';
import type { ServiceEndpoint } from './ServiceEndpoint.js';

type Standby = ServiceConfig['standby'];

/** Warm and hot services keep their child with nothing open: no idle stop, and a restart after every failure. */
export function runsWithoutViewers(standby: Standby): boolean {
  return standby !== 'cold';
}

/** A hot service's streams stay open without viewers (or holds). */
export function keepsStreamsOpen(endpoint: Pick<ServiceEndpoint, 'config'> | undefined): boolean {
  return endpoint?.config.standby === 'hot';
}

/** The codec a hot camera captures in: the one reverse gear asks for, so no transcoder runs for a variant nobody watches. */
export function standbyCodec(endpoint: Pick<ServiceEndpoint, 'manifest'>, camera: string, reverse: ReverseConfig): CodecName {
  const { manifest } = endpoint;
  return reverse.service === manifest.name && reverse.camera === camera && manifest.codecs.includes(reverse.codec) ? reverse.codec : (manifest.codecs[0] as CodecName);
}

/** What warming a service needs of the app: its start, and the hub's streams. */
export interface StandbyTarget {
  instance: ServiceEndpoint & { start(): Promise<void> };
  /** The cameras requests can open on it once it runs (the registry's view). */
  cameras: () => readonly string[];
  /** Read per camera: a live reload may change it meanwhile. */
  reverse: () => ReverseConfig;
  /** Opens (or joins) the hub's stream of a camera; a hot service's is then kept open. */
  openStream: (camera: string, codec: CodecName) => Promise<unknown>;
  log: Logger;
}

/** Starts one warm or hot instance (hot: its cameras open too); a cold one is left alone. Never rejects. */
export async function warmStandby(t: StandbyTarget): Promise<void> {
  const { instance, log } = t;
  if (instance.config.standby === 'cold') return;
  try {
    await instance.start();
  } catch (err) {
    log.error({ err, service: instance.id }, 'standby service could not start');
    return;
  }
  if (instance.config.standby !== 'hot') return;
  for (const camera of t.cameras()) {
    try {
      await t.openStream(camera, standbyCodec(instance, camera, t.reverse()));
    } catch (err) {
      log.error({ err, service: instance.id, camera }, 'hot standby could not open camera');
    }
  }
}
