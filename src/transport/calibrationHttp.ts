/**
 * /api/calibration (docs/calibration.md). GET: each camera's calibration in
 * force, its image size and mirroring, the mats laid for this car and where
 * each camera should see their markers. POST: marked points → solved,
 * checked, persisted and applied mount, or with `apply: false` the same
 * figures and nothing changed (src/calibration/Calibrator.ts); needs the
 * `calibrate` right.
 */
import { lazyValidator } from '../schema/lazyValidator.js';
import type { IncomingMessage, ServerResponse } from 'node:http';
import { CALIBRATION_MAT, MAT_POINTS } from '../calibration/mat.js';
import { sightCamera } from '../calibration/surroundChecks.js';
import { usableMargin } from '../wire/cameraSight.js';
import type { Calibrator } from '../calibration/Calibrator.js';
import type { MarkedPoint } from '../calibration/solveMount.js';
import type { DeviceAuth } from '../device/DeviceAuth.js';
import { projectGround } from '../geometry/cameraModel.js';
import { RevcamError } from '../errors/RevcamError.js';
import type { Logger } from '../log/logger.js';
import { readBody } from './signalsHttp.js';

export const CALIBRATION_PATH = '/api/calibration';
export const MAX_CALIBRATION_BODY_BYTES = 16 * 1024;

export interface CalibrationHttpDeps {
  calibrator: Calibrator;
  auth: DeviceAuth;
  log?: Logger;
  bodyTimeoutMs?: number;
}

export interface CalibrationPostBody {
  camera: string;
  points: MarkedPoint[];
  /** False: solve and check only, change nothing (what the installer sees before saving). Default true. */
  apply?: boolean;
}

const num = (minimum: number, maximum: number) => ({ type: 'number', minimum, maximum }) as const;
export const calibrationPostSchema = {
  $id: 'revcam/calibration-post',
  type: 'object',
  additionalProperties: false,
  required: ['camera', 'points'],
  properties: {
    camera: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
    apply: { type: 'boolean' },
    // Fewer than 4 points is well formed but not enough: CALIBRATION_REJECTED says so.
    points: {
      type: 'array',
      maxItems: 64,
      items: {
        type: 'object',
        additionalProperties: false,
        required: ['ground', 'pixel'],
        properties: {
          ground: { type: 'object', additionalProperties: false, required: ['lateralM', 'behindM'], properties: { lateralM: num(-50, 50), behindM: num(-10, 100) } },
          pixel: { type: 'object', additionalProperties: false, required: ['u', 'v'], properties: { u: num(-1e5, 1e5), v: num(-1e5, 1e5) } },
        },
      },
    },
  },
};
const validatePost = lazyValidator<CalibrationPostBody>(calibrationPostSchema, { allErrors: false });

function sendJson(res: ServerResponse, status: number, body: unknown, extraHeaders: Record<string, string> = {}): void {
  const text = JSON.stringify(body);
  res.writeHead(status, { 'Content-Type': 'application/json; charset=utf-8', 'Content-Length': Buffer.byteLength(text), 'Cache-Control': 'no-store', ...extraHeaders });
  res.end(text);
}

function sendError(res: ServerResponse, err: unknown, log: Logger | undefined): void {
  const e = RevcamError.from(err);
  if (e.code === 'INTERNAL') log?.error({ err }, 'calibration request failed');
  if (res.headersSent) return void res.destroy();
  // After a refused or timed-out body the connection cannot be reused (the rest is not read).
  sendJson(res, e.status, { error: { code: e.code, message: e.message } }, e.code === 'MESSAGE_TOO_LARGE' || e.code === 'REQUEST_TIMEOUT' ? { Connection: 'close' } : {});
}

/** Checks a parsed body against the schema, naming the offending field. */
export function parseCalibrationPost(body: unknown): CalibrationPostBody {
  if (validatePost(body)) return body;
  const e = validatePost.errors?.[0];
  const where = e ? `${e.instancePath || '/'}${e.params && 'additionalProperty' in e.params ? `/${String(e.params.additionalProperty)}` : ''}` : '/';
  throw new RevcamError('BAD_REQUEST', `${where}: ${e?.message ?? 'does not match the schema'}`);
}

async function handlePost(req: IncomingMessage, res: ServerResponse, deps: CalibrationHttpDeps): Promise<void> {
  deps.auth.authorize(await deps.auth.fromRequest(req, new URL(req.url ?? '/', 'http://x')), { kind: 'calibrate' });
  // Only JSON: a cross-site form post (no CORS preflight) must not move the camera.
  const type = String(req.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  if (type !== 'application/json') throw new RevcamError('BAD_REQUEST', `Content-Type must be application/json, got ${JSON.stringify(type || 'none')}`);
  const text = await readBody(req, MAX_CALIBRATION_BODY_BYTES, deps.bodyTimeoutMs ?? 5_000);
  let body: unknown;
  try {
    body = JSON.parse(text);
  } catch {
    throw new RevcamError('BAD_REQUEST', 'the body is not valid JSON');
  }
  const { camera, points, apply } = parseCalibrationPost(body);
  sendJson(res, 200, await deps.calibrator.calibrate(camera, points, apply ?? true));
}

async function handleGet(req: IncomingMessage, res: ServerResponse, deps: CalibrationHttpDeps): Promise<void> {
  // Any known device may read the geometry (a display draws its views from it); changing it needs `calibrate`.
  await deps.auth.fromRequest(req, new URL(req.url ?? '/', 'http://x'));
  const mats = deps.calibrator.mats();
  const car = deps.calibrator.vehicle;
  const cameras = Object.fromEntries(
    Object.entries(deps.calibrator.cameras()).map(([id, c]) => {
      const image = { width: c.width, height: c.height, mirror: c.mirror };
      // Where each rear-mat point should appear through the calibration in force (null where it cannot be seen).
      const matPixels = MAT_POINTS.map((p) => {
        const px = projectGround(c.calibration, image, p.lateralM, p.behindM);
        return px && { id: p.id, u: px[0], v: px[1] };
      });
      // The display's handles: every marker of the mats laid that this camera sees through the calibration in force.
      const sight = sightCamera(id, c);
      const handles = mats.flatMap((m) => m.points).flatMap((p) => {
        const { margin, u, v } = usableMargin(sight.cam, sight.usable, p.lateralM, p.behindM, undefined, car);
        return margin > 0 ? [{ ...p, u, v }] : [];
      });
      return [id, { calibration: c.calibration, image, matPixels, handles }];
    }),
  );
  sendJson(res, 200, { cameras, mat: { ...CALIBRATION_MAT, points: MAT_POINTS }, mats, configFile: deps.calibrator.configFile ?? null });
}

/** GET/HEAD and POST on /api/calibration. Never rejects. */
export async function handleCalibrationHttp(req: IncomingMessage, res: ServerResponse, deps: CalibrationHttpDeps): Promise<void> {
  try {
    if (req.method === 'POST') return await handlePost(req, res, deps);
    if (req.method === 'GET' || req.method === 'HEAD') return await handleGet(req, res, deps);
    sendJson(res, 405, { error: { code: 'BAD_REQUEST', message: `${req.method} is not allowed on ${CALIBRATION_PATH}` } }, { Allow: 'GET, HEAD, POST' });
  } catch (err) {
    sendError(res, err, deps.log);
  }
}
