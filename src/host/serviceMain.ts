/**
 * Entry point of a service child process. It loads the service module the
 * manifest names, hands it a ServiceContext, and relays frames to the parent
 * over the frame pipe. A crash here ends only this process; the parent's
 * supervisor restarts it.
 */
import { Socket } from 'node:net';
import type { ServiceContext, ServiceFactory, ServiceLogic } from '../service/types.js';
import type { SourceFrame } from '../source/Source.js';
import { encodeMeta, HEADER_LENGTH, writeHeader } from '../wire/frame.js';
import type { FrameMeta } from '../wire/overlay.js';
// SPARE_ENV from childProtocol, not spareHost: a child has no use for node:child_process.
import { FRAME_PIPE_FD, FrameRecordParser, recordPrefix, SPARE_ENV, type ChildMessage, type ParentMessage } from './childProtocol.js';
import { importService, preloadReversingService } from './builtinServices.js';

/** Above this many unflushed bytes on the pipe the child drops frames instead of buffering them. */
const MAX_PIPE_BACKLOG_BYTES = 8 * 1024 * 1024;

// Readable too: a viewer service (manifest `records`) gets its streams' frames on it; others never do.
const pipe = new Socket({ fd: FRAME_PIPE_FD, readable: true, writable: true });
let logic: ServiceLogic | undefined;
/** The context the service was given: a live reload replaces its cameras and vehicle. */
let context: ServiceContext | undefined;
let framesOut = 0;
let framesDropped = 0;
const seqByCamera = new Map<string, number>();

/** The parent may be gone mid-send (it is shutting down or killed us): that ends us by 'disconnect', not by a throw. */
function send(msg: ChildMessage): void {
  if (!process.connected) return;
  try {
    process.send?.(msg, undefined, undefined, () => {});
  } catch {
    // channel closed between the check and the send
  }
}

function emitFrame(camera: string, frame: SourceFrame, meta?: FrameMeta): void {
  if (pipe.writableLength > MAX_PIPE_BACKLOG_BYTES) {
    framesDropped++;
    return;
  }
  const key = `${camera}/${frame.codec}`;
  const seq = seqByCamera.get(key) ?? 0;
  seqByCamera.set(key, seq + 1);
  const metaBytes = meta === undefined ? new Uint8Array(0) : encodeMeta(meta);
  // Header and metadata go in one small buffer; the payload is written as is, never copied.
  const wireLength = HEADER_LENGTH + metaBytes.byteLength + frame.data.byteLength;
  const head = Buffer.allocUnsafe(HEADER_LENGTH + metaBytes.byteLength);
  writeHeader(head, 0, { version: 1, codec: frame.codec, keyframe: frame.keyframe, discontinuity: false, seq, captureUs: frame.captureUs, width: frame.width, height: frame.height }, metaBytes.byteLength, frame.data.byteLength);
  head.set(metaBytes, HEADER_LENGTH);
  pipe.cork();
  pipe.write(recordPrefix(camera, wireLength));
  pipe.write(head);
  pipe.write(frame.data);
  pipe.uncork();
  framesOut++;
}

async function init(msg: Extract<ParentMessage, { op: 'init' }>): Promise<void> {
  if (msg.service !== undefined) process.env.REVCAM_SERVICE = msg.service;
  const mod = (await importService(msg.moduleUrl)) as { default?: ServiceFactory };
  if (typeof mod.default !== 'function') throw new Error(`${msg.moduleUrl} has no default export ServiceFactory`);
  const ctx: ServiceContext = {
    manifest: msg.manifest,
    cameras: msg.cameras,
    vehicle: msg.vehicle,
    ...(msg.settings !== undefined && { settings: msg.settings }),
    emitFrame,
    emitStatus: (camera, event, message) => send({ op: 'status', camera, event, message }),
    log: (level, m, data) => send({ op: 'log', level, msg: m, ...(data && { data }) }),
  };
  context = ctx;
  logic = await mod.default(ctx);
  const onFrame = logic.onFrame?.bind(logic);
  if (onFrame) {
    const parser = new FrameRecordParser((stream, wire) => onFrame(stream, wire));
    pipe.on('data', (chunk: Buffer) => {
      try {
        parser.push(chunk);
      } catch (err) {
        send({ op: 'log', level: 'error', msg: `corrupt frame input: ${(err as Error).message}` });
        process.exit(1);
      }
    });
  }
}

async function handle(msg: ParentMessage): Promise<void> {
  switch (msg.op) {
    case 'init':
      try {
        await init(msg);
        send({ op: 'ready' });
      } catch (err) {
        send({ op: 'initFailed', message: (err as Error).message });
        process.exitCode = 1;
        setImmediate(() => process.exit(1));
      }
      return;
    case 'open':
    case 'close':
      try {
        if (!logic) throw new Error('service not initialised');
        if (msg.op === 'open') {
          const opened = await logic.openCamera(msg.camera, msg.codec);
          send({ op: 'reply', id: msg.id, ok: true, opened });
        } else {
          await logic.closeCamera(msg.camera, msg.codec);
          send({ op: 'reply', id: msg.id, ok: true });
        }
      } catch (err) {
        send({ op: 'reply', id: msg.id, ok: false, message: (err as Error).message });
      }
      return;
    case 'signals':
      try {
        logic?.onSignals?.(msg.samples);
      } catch (err) {
        send({ op: 'log', level: 'error', msg: `onSignals failed: ${(err as Error).message}` });
      }
      return;
    case 'settings':
      if (!context) return;
      context.cameras = msg.cameras;
      context.vehicle = msg.vehicle;
      try {
        logic?.onSettings?.();
      } catch (err) {
        send({ op: 'log', level: 'error', msg: `onSettings failed: ${(err as Error).message}` });
      }
      return;
    case 'calibration':
      try {
        logic?.onCalibration?.(msg.camera, msg.calibration);
      } catch (err) {
        send({ op: 'log', level: 'error', msg: `onCalibration failed: ${(err as Error).message}` });
      }
      return;
    case 'call':
      try {
        if (!logic?.call) throw new Error(`the service has no operation ${JSON.stringify(msg.method)}`);
        const result = await logic.call(msg.method, msg.args);
        send({ op: 'reply', id: msg.id, ok: true, result });
      } catch (err) {
        const code = (err as { code?: unknown }).code;
        send({ op: 'reply', id: msg.id, ok: false, message: (err as Error).message, ...(typeof code === 'string' && { code }) });
      }
      return;
    case 'ping':
      send({ op: 'pong', id: msg.id, framesOut, framesDropped, rssBytes: process.memoryUsage.rss() });
      return;
    case 'stop':
      try {
        await logic?.stop();
      } finally {
        pipe.end(() => process.exit(0));
        setTimeout(() => process.exit(0), 500).unref();
      }
      return;
  }
}

// The bench reads a service's memory after a full GC (node's --expose-gc is inherited): the GC hook only, never the loop-blocking one.
if (process.env.REVCAM_TEST_HOOKS === '1' && process.env.REVCAM_TEST_SIGUSR2 === 'gc') (await import('../systemd/testHooks.js')).installTestHooks();
process.on('message', (m) => void handle(m as ParentMessage));
// A spare host (spareHost.ts) loads the platform's camera layer while it waits, so a cold start does not.
// And the builtin reversing service's code (builtinServices.ts).
if (process.env[SPARE_ENV] === '1') {
  void import('../source/createSource.js').then((m) => m.warmCameraLayer()).catch(() => {});
  void preloadReversingService().catch(() => {});
}
// The parent going away means nobody watches: exit rather than run orphaned.
process.on('disconnect', () => process.exit(0));
pipe.on('error', () => process.exit(0));
