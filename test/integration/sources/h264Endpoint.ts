/** GET /stream.h264 on a revcam app's gateway, for the source tests that read it with ffprobe/ffmpeg. */
import type { RevcamApp } from '../../../src/app/startRevcam.js';
import { H264_PATH } from '../../../src/transport/h264HttpTransport.js';

export async function h264Endpoint(app: RevcamApp): Promise<{ url: (query: string) => string; close(): Promise<void> }> {
  return { url: (query) => `${app.url}${H264_PATH}?${query}`, close: async () => {} };
}
