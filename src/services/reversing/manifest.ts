import type { ServiceManifest } from '../../service/types.js';
import { VSS } from '../../wire/signals.js';

export const manifest: ServiceManifest = {
  name: 'reversing',
  version: '1.0.0',
  kind: 'reversing',
  // The rear camera with its guidelines, and the front and door-mirror cameras of the surround view (docs/display.md).
  cameras: ['rear', 'front', 'left', 'right'],
  codecs: ['jpeg', 'h264'],
  module: './index.js',
  // Steering and the sensors draw the guidelines; a forward gear hides the reversing path.
  // Speed: creeping forward (a forward gear, at most 10 km/h) shows the front bands in the surround view.
  signals: [
    VSS.gear,
    VSS.steeringWheelAngle,
    VSS.speed,
    VSS.rearSensor.outerLeft,
    VSS.rearSensor.innerLeft,
    VSS.rearSensor.innerRight,
    VSS.rearSensor.outerRight,
  ],
};
