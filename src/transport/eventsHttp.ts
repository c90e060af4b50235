/**
 * /api/events: the recorder's clips (docs/recorder.md, "Review").
 *
 *   GET    /api/events[?from&to&trigger&state&vehicle]  list, newest first   reviewEvents
 *   POST   /api/events                                 manual trigger       record
 *   GET    /api/events/{id}                            the clip's manifest  reviewEvents
 *   GET    /api/events/{id}.mp4                        the clip, with Range reviewEvents
 *   GET    /api/events/{id}/signals                    the signal timeline  reviewEvents
 *   POST   /api/events/{id}/lock                       never auto-deleted   record
 *   DELETE /api/events/{id}                            delete               admin
 *
 * Ids are checked against a strict pattern before anything else sees them,
 * and the file served is resolved by the recorder's store, inside its folder.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import { readBody } from './signalsHttp.js';

export const EVENTS_PATH = '/api/events';
const MAX_EVENT_BODY_BYTES = 4 * 1024;
/** A clip id: letters, digits, `-` and `_`; no dot, no slash, so never a path. */
export const CLIP_ID = /^[A-Za-z0-9][A-Za-z0-9_-]{0,127}$/;
const ITEM = /^\/api\/events\/([^/]*?)(\.mp4|\/lock|\/signals)?$/;

export interface EventFilter {
  from?: string;
  to?: string;
  trigger?: string;
  state?: string;
}

/** What the HTTP layer needs of the recorder (src/recorder via its service, or the fleet store). */
export interface EventsBackend {
  /** The vehicle these events are of (undefined: the embedded default's own). */
  readonly vehicle: string | undefined;
  list(filter: EventFilter): Promise<unknown[]>;
  /** The manifest; NOT_FOUND when there is no such clip. */
  get(id: string): Promise<unknown>;
  trigger(by: string, note?: string): Promise<{ id: string; merged: boolean }>;
  lock(id: string): Promise<unknown>;
  remove(id: string): Promise<void>;
  /** Serves the clip's MP4 (Range included) or rejects with NOT_FOUND. */
  sendMp4(req: IncomingMessage, res: ServerResponse, id: string): Promise<void>;
  /**
   * Serves the clip's signal timeline (the `<id>.signals.json` sidecar: rows
   * on the video's clock with the overlay the driver saw) as JSON, or rejects
   * with NOT_FOUND.
   */
  signals(req: IncomingMessage, res: ServerResponse, id: string): Promise<void>;
  /** The recorder's counters and memory (RecorderServiceStats); NOT_FOUND where no recorder runs. */
  stats(): Promise<unknown>;
}

export interface EventsHttpDeps {
  auth: DeviceAuth;
  log?: Logger;
  bodyTimeoutMs?: number;
  /** The events of the vehicle `?vehicle=` names (null: none named); throws NOT_FOUND for one without events here. */
  backendFor(vehicle: string | null): EventsBackend;
}

function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...extraHeaders });
  res.end(text);
}

const FILTER_KEYS = new Set(['from', 'to', 'trigger', 'state', 'vehicle', 'token']);
const TIME = /^\d{4}-\d{2}-\d{2}T\d{2}:\d{2}(:\d{2}(\.\d{1,3})?)?(Z|[+-]\d{2}:\d{2})$/;
const WORD = /^[a-z][a-z0-9-]{0,31}$/;

/** The query's filter, checked: unknown keys and malformed values are BAD_REQUEST naming them. */
export function parseEventFilter(url: URL): EventFilter {
  const filter: EventFilter = {};
  for (const [key, value] of url.searchParams) {
    if (!FILTER_KEYS.has(key)) throw new RevcamError('BAD_REQUEST', `unknown query parameter ${JSON.stringify(key.slice(0, 40))} (allowed: from, to, trigger, state, vehicle)`);
    if (key === 'from' || key === 'to') {
      if (!TIME.test(value) || Number.isNaN(Date.parse(value))) throw new RevcamError('BAD_REQUEST', `${key}: an ISO 8601 time with a zone, e.g. 2026-12-07T06:45:00Z (got ${JSON.stringify(value.slice(0, 40))})`);
      filter[key] = new Date(value).toISOString();
    } else if (key === 'trigger' || key === 'state') {
      if (!WORD.test(value)) throw new RevcamError('BAD_REQUEST', `${key}: a lower-case word (got ${JSON.stringify(value.slice(0, 40))})`);
      filter[key] = value;
    }
  }
  return filter;
}

async function device(req: IncomingMessage, deps: EventsHttpDeps) {
  return deps.auth.fromRequest(req, new URL(req.url ?? '/', 'http://x'));
}

async function readNote(req: IncomingMessage, deps: EventsHttpDeps): Promise<string | undefined> {
  const length = req.headers['content-length'];
  if (req.headers['transfer-encoding'] === undefined && (length === undefined || length === '0')) return undefined;
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new RevcamError('BAD_REQUEST', `Content-Type must be application/json, got ${JSON.stringify(type || 'none')}`);
  const text = await readBody(req, MAX_EVENT_BODY_BYTES, deps.bodyTimeoutMs ?? 5_000);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RevcamError('BAD_REQUEST', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RevcamError('BAD_REQUEST', '/: must be an object, e.g. {"note":"kerb"}');
  const extra = Object.keys(body).find((k) => k !== 'note');
  if (extra !== undefined) throw new RevcamError('BAD_REQUEST', `/${extra.slice(0, 40)}: unknown property (allowed: note)`);
  const note = (body as { note?: unknown }).note;
  if (note === undefined) return undefined;
  if (typeof note !== 'string' || note.length > 200) throw new RevcamError('BAD_REQUEST', '/note: a string of at most 200 characters');
  return note;
}

async function route(req: IncomingMessage, res: ServerResponse, url: URL, deps: EventsHttpDeps): Promise<void> {
  const backend = deps.backendFor(url.searchParams.get('vehicle'));
  const { vehicle } = backend;
  if (url.pathname === EVENTS_PATH) {
    if (req.method === 'GET' || req.method === 'HEAD') {
      deps.auth.authorize(await device(req, deps), { kind: 'reviewEvents', vehicle });
      return sendJson(res, 200, { ...(vehicle !== undefined && { vehicle }), events: await backend.list(parseEventFilter(url)) });
    }
    if (req.method === 'POST') {
      const d = await device(req, deps);
      deps.auth.authorize(d, { kind: 'record', vehicle });
      const note = await readNote(req, deps);
      const { id, merged } = await backend.trigger(d.id, note);
      return sendJson(res, merged ? 200 : 201, { id, merged }, { Location: `${EVENTS_PATH}/${id}` });
    }
    return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed on ${EVENTS_PATH}` } }, { Allow: 'GET, HEAD, POST' });
  }
  if (url.pathname === `${EVENTS_PATH}/stats`) {
    if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed here` } }, { Allow: 'GET, HEAD' });
    deps.auth.authorize(await device(req, deps), { kind: 'reviewEvents', vehicle });
    return sendJson(res, 200, await backend.stats());
  }
  const m = ITEM.exec(url.pathname);
  const id = m?.[1] ?? '';
  if (!m || !CLIP_ID.test(id)) throw new RevcamError('BAD_REQUEST', `${url.pathname.slice(0, 120)}: not an event path (${EVENTS_PATH}/{id}, {id}.mp4, {id}/signals, {id}/lock; an id is letters, digits, "-" and "_")`);
  const what = m[2];
  if (what === '/lock') {
    if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed here` } }, { Allow: 'POST' });
    deps.auth.authorize(await device(req, deps), { kind: 'record', vehicle });
    return sendJson(res, 200, await backend.lock(id));
  }
  if (req.method === 'DELETE' && what === undefined) {
    deps.auth.authorize(await device(req, deps), { kind: 'admin' });
    await backend.remove(id);
    res.writeHead(204, { 'Cache-Control': 'no-store' });
    return void res.end();
  }
  if (req.method !== 'GET' && req.method !== 'HEAD') return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed here` } }, { Allow: what === undefined ? 'GET, HEAD, DELETE' : 'GET, HEAD' });
  deps.auth.authorize(await device(req, deps), { kind: 'reviewEvents', vehicle });
  if (what === '.mp4') return backend.sendMp4(req, res, id);
  if (what === '/signals') return backend.signals(req, res, id);
  return sendJson(res, 200, await backend.get(id));
}

/** Everything under /api/events. Never rejects. */
export async function handleEventsHttp(req: IncomingMessage, res: ServerResponse, url: URL, deps: EventsHttpDeps): Promise<void> {
  try {
    await route(req, res, url, deps);
  } catch (err) {
    const e = RevcamError.from(err);
    if (e.code === 'INTERNAL') deps.log?.error({ err }, 'events request failed');
    if (res.headersSent) return void res.destroy();
    sendJson(res, e.status, { error: { code: e.code, message: e.message } }, e.code === 'MESSAGE_TOO_LARGE' || e.code === 'REQUEST_TIMEOUT' ? { Connection: 'close' } : {});
  }
}
