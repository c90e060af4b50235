/**
 * The reversing service: the rear camera's video with the static parking
 * guidelines (distance bands and side rails) as overlay metadata.
 */
import { staticOverlay } from '../../geometry/guidelines.js';
import type { ServiceFactory } from '../../service/types.js';
import { CameraSessions } from './cameraSessions.js';

const reversing: ServiceFactory = (ctx) =>
  new CameraSessions(ctx, {
    overlayFor: (camera, vehicle) =>
      staticOverlay(camera.calibration, { width: camera.width, height: camera.height, mirror: camera.mirror }, vehicle),
  });

export default reversing;
