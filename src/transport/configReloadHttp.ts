/**
 * POST /api/config/reload (docs/api.md, docs/deploy.md "Live reload"): re-reads the config file
 * and applies it whole, or refuses it with one line per mistake and changes nothing. Needs the
 * `admin` right. The body is optional: none, or JSON `{"dryRun": true}` to see what would change.
 */
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import { readBody } from './signalsHttp.js';

export const CONFIG_RELOAD_PATH = '/api/config/reload';
const MAX_RELOAD_BODY_BYTES = 1024;

/** What the endpoint needs of a reloader: ConfigReloader.reload, rejecting with a ConfigError (its `lines`) for a refused file. */
export interface ConfigReloadHttpDeps {
  auth: DeviceAuth;
  log?: Logger;
  bodyTimeoutMs?: number;
  reload(opts: { dryRun: boolean; trigger: string }): Promise<unknown>;
}

function sendJson(res: ServerResponse, status: number, body: unknown, headers: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...headers });
  res.end(text);
}

/** The body, checked: nothing, or `{"dryRun": boolean}` and nothing else. */
export function parseReloadBody(text: string): { dryRun: boolean } {
  if (text.trim() === '') return { dryRun: false };
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RevcamError('BAD_REQUEST', 'the body is not valid JSON');
  }
  if (typeof body !== 'object' || body === null || Array.isArray(body)) throw new RevcamError('BAD_REQUEST', '/: expected an object ({"dryRun": true}) or no body');
  for (const key of Object.keys(body)) if (key !== 'dryRun') throw new RevcamError('BAD_REQUEST', `/${key.slice(0, 64)}: unknown property (allowed: dryRun)`);
  const { dryRun } = body as { dryRun?: unknown };
  if (dryRun !== undefined && typeof dryRun !== 'boolean') throw new RevcamError('BAD_REQUEST', `/dryRun: expected true or false, got ${JSON.stringify(dryRun)?.slice(0, 64)}`);
  return { dryRun: dryRun ?? false };
}

async function handlePost(req: IncomingMessage, res: ServerResponse, deps: ConfigReloadHttpDeps): Promise<void> {
  deps.auth.authorize(await deps.auth.fromRequest(req, new URL(req.url ?? '/', 'http://x')), { kind: 'admin' });
  const hasBody = req.headers['transfer-encoding'] !== undefined || (req.headers['content-length'] ?? '0') !== '0';
  // Only JSON bodies: a cross-site form post needs no preflight (the Origin check stops foreign pages too).
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (hasBody && type !== 'application/json') throw new RevcamError('BAD_REQUEST', `Content-Type must be application/json, got ${JSON.stringify(type || 'none')}`);
  const { dryRun } = parseReloadBody(hasBody ? await readBody(req, MAX_RELOAD_BODY_BYTES, deps.bodyTimeoutMs ?? 5_000) : '');
  let result: unknown;
  try {
    result = await deps.reload({ dryRun, trigger: 'api' });
  } catch (err) {
    const lines = (err as { lines?: unknown }).lines;
    if ((err as { code?: unknown }).code !== 'CONFIG_INVALID' || !Array.isArray(lines)) throw err;
    return sendJson(res, 422, { error: { code: 'CONFIG_INVALID', message: (err as Error).message, lines } });
  }
  sendJson(res, 200, result);
}

/** POST /api/config/reload. Never rejects. */
export async function handleConfigReloadHttp(req: IncomingMessage, res: ServerResponse, deps: ConfigReloadHttpDeps): Promise<void> {
  try {
    if (req.method !== 'POST') return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed on ${CONFIG_RELOAD_PATH}` } }, { Allow: 'POST', Connection: 'close' });
    await handlePost(req, res, deps);
  } catch (err) {
    const e = RevcamError.from(err);
    if (e.code === 'INTERNAL') deps.log?.error({ err }, 'config reload failed');
    if (res.headersSent) return void res.destroy();
    // After a refused or timed-out body the connection cannot be reused (the rest is not read).
    // A body may be left unread (refused before it was read): the connection is not reused.
    sendJson(res, e.status, { error: { code: e.code, message: e.message } }, { Connection: 'close' });
  }
}
