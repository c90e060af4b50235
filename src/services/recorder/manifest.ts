import type { ServiceManifest } from '../../service/types.js';

/** The reversing-event recorder (docs/recorder.md): a viewer of the rear camera's H.264 stream; it streams nothing itself. */
export const manifest: ServiceManifest = {
  name: 'recorder',
  version: '1.0.0',
  kind: 'recorder',
  cameras: [],
  codecs: [],
  module: './index.js',
  records: ['reversing/rear'],
  // Triggers and the timeline: gear, speed, steering, every sensor, impact.
  signals: ['Vehicle.'],
};
