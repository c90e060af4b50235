/**
 * `revcam events list|get|export`: the recorder's clips from a running
 * revcam (its /api/events, docs/recorder.md "Review"), for an operator at a
 * terminal or a script. It speaks HTTP only; the server decides rights.
 */
import { createWriteStream } from 'node:fs';
import { writeFile } from 'node:fs/promises';
import { Readable } from 'node:stream';
import { pipeline } from 'node:stream/promises';
import { Exit, parseCommandArgs, UsageError } from './usage.js';

export const EVENTS_USAGE = `usage: revcam events list URL [options]
       revcam events get URL ID [options]
       revcam events export URL ID [-o FILE] [options]

The recorder's event clips on a running revcam (serve or gateway) at URL.
list prints one line per clip, newest first (or JSON with --json); get prints
a clip's manifest (JSON); export downloads its MP4 (default <ID>.mp4) and
writes its manifest and signal timeline beside it (<FILE>.json, .signals.json).

      --vehicle NAME   a vehicle's events on a fleet gateway
      --token TOKEN    the device token (default: $REVCAM_TOKEN; none on loopback with the demo role)
      --from TIME      list: clips ending at or after TIME (ISO 8601 with a zone)
      --to TIME        list: clips starting at or before TIME
      --trigger KIND   list: sensor, deceleration, impact, manoeuvre, manual, fleet
      --state STATE    list: recording, complete, truncated
      --json           list: the JSON as the server sent it
  -o, --output FILE    export: where the MP4 goes
  -h, --help           this help

example:
  revcam events list http://127.0.0.1:8080 --trigger sensor
  revcam events export http://127.0.0.1:8080 20261207T064512Z-rear-3f9a -o bollard.mp4
`;

interface Clip {
  id: string;
  state: string;
  start: string;
  durationMs: number;
  locked: boolean;
  shipped: boolean;
  triggers: { kind: string; offsetMs: number }[];
  triggersDropped: number;
}

export async function eventsCommand(argv: string[]): Promise<number> {
  const { values, positionals } = parseCommandArgs('events', {
    args: argv,
    allowPositionals: true,
    options: {
      vehicle: { type: 'string' },
      token: { type: 'string' },
      from: { type: 'string' },
      to: { type: 'string' },
      trigger: { type: 'string' },
      state: { type: 'string' },
      json: { type: 'boolean' },
      output: { type: 'string', short: 'o' },
      help: { type: 'boolean', short: 'h' },
    },
  });
  if (values.help) {
    process.stdout.write(EVENTS_USAGE);
    return Exit.ok;
  }
  const [action, base, id, ...extra] = positionals;
  if (action !== 'list' && action !== 'get' && action !== 'export') throw new UsageError(action === undefined ? 'say list, get or export' : `unknown action ${action} (list, get, export)`, 'events');
  if (base === undefined || !/^https?:\/\/[^/\s]+/.test(base)) throw new UsageError(`URL: the revcam to ask, http(s)://host:port${base === undefined ? '' : ` (got ${base})`}`, 'events');
  if (action === 'list' ? id !== undefined : id === undefined || extra.length > 0) throw new UsageError(action === 'list' ? `unexpected argument ${id}` : `${action} takes one event ID`, 'events');
  const token = values.token ?? process.env.REVCAM_TOKEN;
  const headers: Record<string, string> = token ? { authorization: `Bearer ${token}` } : {};
  const query = new URLSearchParams();
  if (values.vehicle !== undefined) query.set('vehicle', values.vehicle);
  const url = (path: string, q: URLSearchParams = query) => `${base.replace(/\/+$/, '')}${path}${q.size > 0 ? `?${q}` : ''}`;
  const get = async (path: string, q?: URLSearchParams): Promise<Response> => {
    const res = await fetch(url(path, q), { headers });
    if (!res.ok) {
      const body = (await res.json().catch(() => ({}))) as { error?: { code?: string; message?: string } };
      throw new Error(`${res.status} ${body.error?.code ?? ''}: ${body.error?.message ?? res.statusText}`.replace(' :', ':'));
    }
    return res;
  };
  try {
    if (action === 'list') {
      const q = new URLSearchParams(query);
      for (const k of ['from', 'to', 'trigger', 'state'] as const) if (values[k] !== undefined) q.set(k, values[k]);
      const body = (await (await get('/api/events', q)).json()) as { events: Clip[] };
      if (values.json) process.stdout.write(`${JSON.stringify(body)}\n`);
      else for (const c of body.events) process.stdout.write(`${lineOf(c)}\n`);
      return Exit.ok;
    }
    const eid = encodeURIComponent(id!);
    if (action === 'get') {
      process.stdout.write(`${JSON.stringify(await (await get(`/api/events/${eid}`)).json(), null, 2)}\n`);
      return Exit.ok;
    }
    const out = values.output ?? `${id}.mp4`;
    const manifest = await (await get(`/api/events/${eid}`)).json();
    const mp4 = await get(`/api/events/${eid}.mp4`);
    if (!mp4.body) throw new Error('the server sent no clip');
    await pipeline(Readable.fromWeb(mp4.body as import('node:stream/web').ReadableStream<Uint8Array>), createWriteStream(out));
    const stem = out.replace(/\.mp4$/i, '');
    await writeFile(`${stem}.json`, `${JSON.stringify(manifest, null, 2)}\n`);
    const signals = await fetch(url(`/api/events/${eid}/signals`), { headers });
    if (signals.ok) await writeFile(`${stem}.signals.json`, Buffer.from(await signals.arrayBuffer()));
    process.stdout.write(`${out}\n`);
    return Exit.ok;
  } catch (err) {
    process.stderr.write(`revcam: events: ${(err as Error).message}\n`);
    return Exit.failed;
  }
}

function lineOf(c: Clip): string {
  const triggers = c.triggers.map((t) => `${t.kind}@${(t.offsetMs / 1000).toFixed(1)}s`).join(',') + (c.triggersDropped > 0 ? `,+${c.triggersDropped}` : '');
  const flags = [c.locked && 'locked', c.shipped && 'shipped'].filter(Boolean).join(',');
  return [c.id, c.start, `${(c.durationMs / 1000).toFixed(1)}s`, c.state, triggers, flags].filter((x) => x !== '').join('  ');
}
