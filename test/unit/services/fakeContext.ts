/** A ServiceContext that records what the service logic hands to the platform. */
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import type { CameraConfig } from '../../../src/config/types.js';
import type { ServiceContext, ServiceManifest } from '../../../src/service/types.js';
import type { SourceFrame } from '../../../src/source/Source.js';
import type { StreamEvent } from '../../../src/wire/messages.js';
import type { FrameMeta } from '../../../src/wire/overlay.js';

export interface Emitted {
  camera: string;
  frame: SourceFrame;
  meta: FrameMeta | undefined;
}

export interface FakeContext extends ServiceContext {
  frames: Emitted[];
  statuses: Array<{ camera: string; event: StreamEvent; message: string }>;
}

export function fakeContext(manifest: ServiceManifest, cameras: Record<string, CameraConfig>): FakeContext {
  const ctx: FakeContext = {
    manifest,
    cameras,
    vehicle: DEFAULT_CONFIG.vehicle,
    frames: [],
    statuses: [],
    emitFrame: (camera, frame, meta) => void ctx.frames.push({ camera, frame, meta }),
    emitStatus: (camera, event, message) => void ctx.statuses.push({ camera, event, message }),
    log: () => {},
  };
  return ctx;
}

/** Resolves once `cond` holds; rejects after `ms` so a broken service fails instead of hanging. */
export async function until(cond: () => boolean, ms = 5000): Promise<void> {
  const end = Date.now() + ms;
  while (!cond()) {
    if (Date.now() > end) throw new Error('condition not met in time');
    await new Promise((r) => setTimeout(r, 10));
  }
}
