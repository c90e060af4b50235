import type { ServiceManifest } from '../../service/types.js';

export const manifest: ServiceManifest = {
  name: 'reversing',
  version: '1.0.0',
  kind: 'reversing',
  cameras: ['rear'],
  codecs: ['jpeg'],
  module: './index.js',
};
