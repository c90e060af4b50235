/**
 * HTTP side of /api/signals. GET answers the current values and their
 * health; POST sets values (simulator source only) either as VSS samples
 * `{samples:[{path,value}]}` or in the convenience form
 * `{gear, steeringDeg, speedKmh, sensors:{...}, drive}`. Every answer is
 * JSON; every failure a coded error naming the field.
 */
import { lazyValidator } from '../schema/lazyValidator.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import { DRIVE_NAMES, type DriveName } from '../signals/drives.js';
import type { SignalBus } from '../signals/SignalBus.js';
import type { SignalSource } from '../signals/SignalSource.js';
import { sampleProblem, type SampleInput } from '../signals/validateSample.js';
import type { SignalSample } from '../wire/signals.js';
import { GEAR_LETTERS, SENSOR_ZONES, vehicleInputSamples, type VehicleInput } from '../signals/vehicleInput.js';

export const SIGNALS_PATH = '/api/signals';
/** Largest POST body read; a request with more is answered MESSAGE_TOO_LARGE. */
export const MAX_SIGNALS_BODY_BYTES = 16 * 1024;

export interface SignalsHttpDeps {
  bus: SignalBus;
  auth: DeviceAuth;
  /** The running source; POST is accepted only when it takes client input (the simulator). */
  source?: Pick<SignalSource, 'kind' | 'input'>;
  log?: Logger;
  /** Time allowed for a POST body, from its headers on (limits.bodyTimeoutMs); over it → REQUEST_TIMEOUT. */
  bodyTimeoutMs?: number;
  /** The vehicle these signals belong to, when named (reported by GET). */
  vehicle?: string;
  /**
   * A vehicle whose source runs on another host (docs/distributed.md): a POST
   * is checked here and its body forwarded; the host checks it again and
   * answers as a local POST would (its status and code are passed on).
   */
  forward?: (body: SignalsPostBody) => Promise<SignalsForwardReply>;
}

/** What a host answers a forwarded POST. */
export type SignalsForwardReply = { ok: true; samples: SignalSample[]; drive: DriveName | null } | { ok: false; code: string; message: string; status: number };

const DEFAULT_BODY_TIMEOUT_MS = 5_000;

export interface SignalsPostBody extends VehicleInput {
  samples?: SampleInput[];
  /** Start a scripted drive, or null to stop the running one. */
  drive?: DriveName | null;
}

const finite = { type: 'number' } as const;
export const signalsPostSchema = {
  $id: 'revcam/signals-post',
  type: 'object',
  additionalProperties: false,
  minProperties: 1,
  properties: {
    samples: {
      type: 'array',
      minItems: 1,
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['path', 'value'],
        properties: { path: { type: 'string', minLength: 1, maxLength: 256 }, value: finite, timestampUs: { type: 'number', minimum: 0 } },
      },
    },
    gear: { enum: [...GEAR_LETTERS] },
    steeringDeg: finite,
    speedKmh: finite,
    sensors: {
      type: 'object',
      additionalProperties: false,
      minProperties: 1,
      properties: Object.fromEntries(SENSOR_ZONES.map((z) => [z, finite])),
    },
    drive: { anyOf: [{ type: 'null' }, { enum: [...DRIVE_NAMES] }] },
  },
};
const validatePost = lazyValidator<SignalsPostBody>(signalsPostSchema, { allErrors: false });

function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, {
    'Content-Type': 'application/json; charset=utf-8',
    'Content-Length': Buffer.byteLength(text),
    'Cache-Control': 'no-store',
    ...extraHeaders,
  });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown, log: Logger | undefined, extraHeaders?: Record<string, string>): void {
  const e = RevcamError.from(err);
  if (e.code === 'INTERNAL') log?.error({ err }, 'signals request failed');
  if (res.headersSent) return void res.destroy();
  sendJson(res, e.status, { error: { code: e.code, message: e.message } }, extraHeaders);
}

/**
 * Reads at most `limit` bytes within `timeoutMs`; more is MESSAGE_TOO_LARGE (checked from
 * Content-Length first, then while reading), slower is REQUEST_TIMEOUT. Either way the caller
 * answers with Connection: close, so the rest is never read.
 */
export function readBody(req: IncomingMessage, limit: number, timeoutMs: number): Promise<string> {
  const declared = Number(req.headers['content-length']);
  if (Number.isFinite(declared) && declared > limit) return Promise.reject(new RevcamError('MESSAGE_TOO_LARGE', `the body is ${declared} bytes; at most ${limit} are read`));
  return new Promise((resolve, reject) => {
    const chunks: Buffer[] = [];
    let size = 0;
    const stop = (err: RevcamError) => {
      clearTimeout(timer);
      req.off('data', onData);
      reject(err);
    };
    // A body trickled a byte at a time must not hold the connection (and its memory) forever.
    const timer = setTimeout(() => stop(new RevcamError('REQUEST_TIMEOUT', `the body did not arrive within ${timeoutMs} ms`)), timeoutMs);
    const onData = (c: Buffer) => {
      size += c.length;
      if (size > limit) return stop(new RevcamError('MESSAGE_TOO_LARGE', `the body is larger than ${limit} bytes`));
      chunks.push(c);
    };
    req.on('data', onData);
    req.once('end', () => {
      clearTimeout(timer);
      resolve(Buffer.concat(chunks).toString('utf8'));
    });
    req.once('error', (err) => {
      clearTimeout(timer);
      reject(err);
    });
  });
}

async function authorize(req: IncomingMessage, deps: SignalsHttpDeps, kind: 'readSignals' | 'writeSignals'): Promise<void> {
  const device = await deps.auth.fromRequest(req, new URL(req.url ?? '/', 'http://x'));
  deps.auth.authorize(device, kind === 'writeSignals' ? { kind, vehicle: deps.vehicle } : { kind });
}

/** Checks and converts a parsed body into samples (all-or-nothing), naming the offending field. */
export function parseSignalsPost(body: unknown, nowUs: number = Date.now() * 1000): { samples: SampleInput[]; drive?: DriveName | null } {
  if (!validatePost(body)) {
    const e = validatePost.errors?.[0];
    const where = e ? `${e.instancePath || '/'}${e.params && 'additionalProperty' in e.params ? `/${String(e.params.additionalProperty)}` : ''}` : '/';
    const allowed = e && 'allowedValues' in e.params ? ` (${(e.params.allowedValues as unknown[]).map((v) => JSON.stringify(v)).join(', ')})` : '';
    throw new RevcamError('BAD_REQUEST', `${where}: ${e?.message ?? 'does not match the schema'}${allowed}`);
  }
  const labelled = [
    ...vehicleInputSamples(body),
    ...(body.samples ?? []).map((s, i) => ({ ...s, field: `samples[${i}]` })),
  ];
  for (const s of labelled) {
    const problem = sampleProblem(s, nowUs);
    if (problem) throw new RevcamError('SIGNAL_INVALID', `${s.field}: ${problem}`);
  }
  const samples = labelled.map(({ field: _field, ...s }) => s);
  return body.drive === undefined ? { samples } : { samples, drive: body.drive };
}

/** Why a source takes no POST (405), or undefined when it does: the local POST and a host's bus input say the same. */
export function postRefusal(source: Pick<SignalSource, 'kind' | 'input'> | undefined): string | undefined {
  if (source?.input) return undefined;
  if (source?.kind === 'none') return `this process has no vehicle signals of its own (signals.source: none); name the vehicle: POST ${SIGNALS_PATH}?vehicle=NAME`;
  return `signals come from the ${source?.kind ?? 'vehicle'} source; POST ${SIGNALS_PATH} is accepted only with signals.source: simulator`;
}

/** Checks a parsed POST body and applies it to the source's input (all-or-nothing); throws the coded error a POST answers. */
export function applySignalsPost(input: NonNullable<SignalSource['input']>, body: unknown): { samples: SignalSample[]; drive: DriveName | null } {
  const { samples, drive } = parseSignalsPost(body);
  const applied = samples.length > 0 ? input.set(samples) : [];
  if (drive !== undefined) input.drive(drive);
  return { samples: applied, drive: input.currentDrive };
}

export async function handleSignalsPost(req: IncomingMessage, res: ServerResponse, deps: SignalsHttpDeps): Promise<void> {
  try {
    await authorize(req, deps, 'writeSignals');
    const input = deps.source?.input;
    const refused = deps.forward ? undefined : postRefusal(deps.source);
    if (refused) return sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: refused } }, { Allow: 'GET, HEAD' });
    // Only JSON: a cross-site form or text/plain POST (no CORS preflight) must not move the gear.
    const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
    if (type !== 'application/json') throw new RevcamError('BAD_REQUEST', `Content-Type must be application/json, got ${JSON.stringify(type || 'none')}`);
    const text = await readBody(req, MAX_SIGNALS_BODY_BYTES, deps.bodyTimeoutMs ?? DEFAULT_BODY_TIMEOUT_MS);
    let body: unknown;
    try {
      body = JSON.parse(text);
    } catch {
      throw new RevcamError('BAD_REQUEST', 'the body is not valid JSON');
    }
    if (deps.forward) {
      parseSignalsPost(body); // refused here with the local codes, before anything crosses the bus
      const reply = await deps.forward(body as SignalsPostBody);
      if (!reply.ok) return sendJson(res, reply.status, { error: { code: reply.code, message: reply.message } }, reply.status === 405 ? { Allow: 'GET, HEAD' } : {});
      return sendJson(res, 200, { samples: reply.samples, drive: reply.drive });
    }
    sendJson(res, 200, applySignalsPost(input!, body));
  } catch (err) {
    const e = RevcamError.from(err);
    // After a refused or timed-out body the connection cannot be reused: say so (the rest is not read).
    sendError(res, e, deps.log, e.code === 'MESSAGE_TOO_LARGE' || e.code === 'REQUEST_TIMEOUT' ? { Connection: 'close' } : undefined);
  }
}

export async function handleSignalsGet(req: IncomingMessage, res: ServerResponse, deps: SignalsHttpDeps): Promise<void> {
  try {
    await authorize(req, deps, 'readSignals');
    const { bus, source } = deps;
    sendJson(res, 200, {
      ...(deps.vehicle !== undefined && { vehicle: deps.vehicle }),
      // A vehicle on another host: its source is there, not reported over the bus.
      source: deps.forward ? 'remote' : (source?.kind ?? null),
      drive: source?.input?.currentDrive ?? null,
      samples: bus.snapshot(),
      stale: bus.staleness(),
      health: bus.health(),
    });
  } catch (err) {
    sendError(res, err, deps.log);
  }
}

/** GET/HEAD and POST on /api/signals (WebSocket upgrades go to SignalsWsTransport). Never rejects. */
export function handleSignalsHttp(req: IncomingMessage, res: ServerResponse, deps: SignalsHttpDeps): Promise<void> {
  if (req.method === 'POST') return handleSignalsPost(req, res, deps);
  if (req.method === 'GET' || req.method === 'HEAD') return handleSignalsGet(req, res, deps);
  sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed on ${SIGNALS_PATH}` } }, { Allow: 'GET, HEAD, POST' });
  return Promise.resolve();
}
