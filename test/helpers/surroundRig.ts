/**
 * The surround-view car of the calibration tests: the four default cameras,
 * each "really" mounted otherwise than configured (every solved field off,
 * the kept offset as configured), filming every mat of the layout
 * (`synthetic.calibrationMat: 'surround'`); and a client's way to mark what
 * one camera sees: markers found by colour in a streamed JPEG, paired with
 * the handles the server places for it.
 */
import assert from 'node:assert/strict';
import type { MarkedPoint } from '../../src/calibration/solveMount.js';
import { DEFAULT_CAMERA, DEFAULT_VEHICLE, frontCamera, sideCamera } from '../../src/config/defaults.js';
import type { CameraConfig, MountConfig } from '../../src/config/types.js';
import { decodeToRgb, markerBlobs, pairWithHandles, type ExpectedMarker } from './matMarkers.js';
import { TestViewer } from './viewer.js';

export type RigCamera = 'rear' | 'left' | 'right' | 'front';

export const CONFIGURED: Record<RigCamera, CameraConfig> = { rear: DEFAULT_CAMERA, left: sideCamera('left'), right: sideCamera('right'), front: frontCamera(DEFAULT_VEHICLE.lengthM) };

export const TRUE_MOUNTS: Record<RigCamera, MountConfig> = {
  rear: { heightM: 1.06, pitchDeg: 32.5, yawDeg: 1.5, rollDeg: -1, lateralM: 0.06, longitudinalM: 0 },
  left: { heightM: 1.04, pitchDeg: 62, yawDeg: 87.5, rollDeg: 1.5, lateralM: -1.0, longitudinalM: -2.55 },
  right: { heightM: 0.97, pitchDeg: 67, yawDeg: -91.5, rollDeg: -1, lateralM: 1.0, longitudinalM: -2.63 },
  front: { heightM: 0.73, pitchDeg: 37.5, yawDeg: 178, rollDeg: -1, lateralM: 0.04, longitudinalM: -DEFAULT_VEHICLE.lengthM },
};

/** The `cameras` section of a test server's config. */
export function rigCameras(): Record<RigCamera, CameraConfig> {
  const out = {} as Record<RigCamera, CameraConfig>;
  for (const n of Object.keys(CONFIGURED) as RigCamera[]) out[n] = { ...CONFIGURED[n], synthetic: { ...CONFIGURED[n].synthetic, calibrationMat: 'surround', trueMount: TRUE_MOUNTS[n] } };
  return out;
}

/** GET /api/calibration: each camera's handles (where its markers should be). */
export async function handlesOf(url: string, camera: RigCamera): Promise<ExpectedMarker[]> {
  const body = (await (await fetch(`${url}/api/calibration`)).json()) as { cameras: Record<string, { handles: ExpectedMarker[] }> };
  return body.cameras[camera]!.handles;
}

/** The markers in a frame streamed from `camera`, paired with the handles the server places for it. */
export async function markRig(url: string, camera: RigCamera): Promise<MarkedPoint[]> {
  const v = new TestViewer(url, { keepPayloads: true });
  try {
    assert.equal((await v.request({ camera })).type, 'accepted');
    await v.waitForFrames(2);
    const { data, width, height } = await decodeToRgb(Buffer.from(v.frames.at(-1)!.payload));
    return pairWithHandles(markerBlobs(data, width, height), await handlesOf(url, camera));
  } finally {
    v.close();
  }
}
