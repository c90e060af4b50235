import type { ServiceManifest } from '../../service/types.js';

export const manifest: ServiceManifest = {
  name: 'cabin-view',
  version: '1.0.0',
  kind: 'cabin-view',
  cameras: ['cabin'],
  codecs: ['jpeg', 'h264'],
  module: './index.js',
};
