/**
 * The events of this process's own recorder (the `builtin:recorder` service):
 * /api/events asks the service (ServiceLogic.call, so one process owns the
 * recordings folder) and serves the MP4 and the signal timeline itself from
 * that folder.
 */
import { basename, dirname, resolve } from 'node:path';
import type { ServiceInstance } from '../host/ServiceInstance.js';
import { RevcamError } from '../errors/RevcamError.js';
import { sendFileIn } from '../gateway/staticFiles.js';
import type { EventsBackend } from '../transport/eventsHttp.js';

export function localEvents(instance: ServiceInstance, dir: string): EventsBackend {
  const root = resolve(dir);
  const call = (method: string, args: unknown) => instance.call(method, args);
  /** The name of one of the clip's files, as the service resolved it; checked again here, where the file is read. */
  const fileOf = async (method: 'mp4Path' | 'signalsPath', id: string): Promise<string> => {
    const path = resolve(String(await call(method, { id })));
    if (dirname(path) !== root) throw new RevcamError('INTERNAL', undefined, { cause: new Error(`clip path outside ${root}`) });
    return basename(path);
  };
  return {
    vehicle: instance.vehicle,
    list: async (filter) => (await call('list', filter)) as unknown[],
    get: (id) => call('get', { id }),
    async trigger(by, note) {
      const r = (await call('trigger', { kind: 'manual', by, ...(note !== undefined && { note }) })) as { clipId: string; merged: boolean };
      return { id: r.clipId, merged: r.merged };
    },
    lock: (id) => call('lock', { id }),
    async remove(id) {
      await call('remove', { id });
    },
    sendMp4: async (req, res, id) => sendFileIn(req, res, root, await fileOf('mp4Path', id), 'video/mp4'),
    stats: () => call('stats', {}),
    signals: async (req, res, id) => sendFileIn(req, res, root, await fileOf('signalsPath', id), 'application/json; charset=utf-8'),
  };
}
