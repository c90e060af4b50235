/**
 * The events of this process's own recorder (the `builtin:recorder` service):
 * /api/events asks the service (ServiceLogic.call, so one process owns the
 * recordings folder) and serves the MP4 itself from that folder.
 */
import { basename, dirname, resolve } from 'node:path';
import type { ServiceInstance } from '../host/ServiceInstance.js';
import { RevcamError } from '../errors/RevcamError.js';
import { sendFileIn } from '../gateway/staticFiles.js';
import type { EventsBackend } from '../transport/eventsHttp.js';

export function localEvents(instance: ServiceInstance, dir: string): EventsBackend {
  const root = resolve(dir);
  const call = (method: string, args: unknown) => instance.call(method, args);
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
    async sendMp4(req, res, id) {
      const path = resolve(String(await call('mp4Path', { id })));
      // The service checked it; checked again here, where the file is read.
      if (dirname(path) !== root) throw new RevcamError('INTERNAL', undefined, { cause: new Error(`clip path outside ${root}`) });
      await sendFileIn(req, res, root, basename(path), 'video/mp4');
    },
  };
}
