import type { ServiceManifest } from '../../service/types.js';
import { VSS } from '../../wire/signals.js';

/** The reversing-event recorder (docs/recorder.md): a viewer of the rear camera's H.264 stream; it streams nothing itself. */
export const manifest: ServiceManifest = {
  name: 'recorder',
  version: '1.0.0',
  kind: 'recorder',
  cameras: [],
  codecs: [],
  module: './index.js',
  records: ['reversing/rear'],
  // A recorder needs no latency: its frames come 100 ms at a time, one wakeup instead of three (issue 16's CPU budget).
  recordsBatchMs: 100,
  // The triggers and the timeline: gear, speed, steering, every rear sensor, impact.
  signals: [VSS.gear, VSS.selectedGear, VSS.speed, VSS.steeringWheelAngle, ...Object.values(VSS.rearSensor), VSS.impact],
};
