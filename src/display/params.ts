/**
 * What the page was asked to show and how, read once from the URL query:
 * ?service=&vehicle=&camera=&token=&codec= override the stream request, ?lostMs= the
 * watchdog threshold, ?hud=1 shows the HUD at start, ?follow=0 shows the
 * stream always instead of following the gear, ?panel=0 hides the signal
 * control panel at start. ?vehicle= names the vehicle for the stream and
 * for /api/signals alike (its gear, its view, its simulator panel).
 * ?view=wide|dewarp|top picks the first view,
 * ?gl=0 turns WebGL2 off (the 2D fallback, wide only), ?guides=0 hides the
 * guidelines (a bare picture, for installers and the view tests).
 */
import type { StreamRequestMessage } from '../wire/messages.js';
import { isViewKind, type ViewKind } from './viewProjection.js';

export interface DisplayParams {
  request: StreamRequestMessage;
  /** No painted frame for this long means the image is stale: show SIGNAL LOST. */
  lostAfterMs: number;
  hudVisible: boolean;
  /** Start and stop the stream as /api/signals' view says (reverse gear). */
  followGear: boolean;
  panelVisible: boolean;
  /** The query for /api/signals (`?vehicle=…`, or empty): the same vehicle as the stream. */
  signalsQuery: string;
  view: ViewKind;
  webgl: boolean;
  showGuides: boolean;
}

export const DEFAULT_LOST_AFTER_MS = 200;

const isOn = (v: string | null): boolean => v === '1' || v === 'true';
const isOff = (v: string | null): boolean => v === '0' || v === 'false';

export function readParams(search: string): DisplayParams {
  const q = new URLSearchParams(search);
  const request: StreamRequestMessage = {
    type: 'request',
    service: q.get('service') || 'reversing',
    camera: q.get('camera') || 'rear',
    // ?codec=h264 decodes with WebCodecs (h264Decoder.ts), falling back to JPEG where it cannot.
    codec: q.get('codec') === 'h264' ? 'h264' : 'jpeg',
  };
  const token = q.get('token');
  if (token) request.token = token;
  // Which vehicle, on a gateway that sees several (docs/distributed.md).
  const vehicle = q.get('vehicle');
  if (vehicle) request.vehicle = vehicle;
  const lostMs = Number(q.get('lostMs'));
  return {
    request,
    lostAfterMs: Number.isFinite(lostMs) && lostMs > 0 ? lostMs : DEFAULT_LOST_AFTER_MS,
    hudVisible: isOn(q.get('hud')),
    followGear: !isOff(q.get('follow')),
    panelVisible: !isOff(q.get('panel')),
    signalsQuery: vehicle ? `?${new URLSearchParams({ vehicle }).toString()}` : '',
    view: isViewKind(q.get('view')) ? (q.get('view') as ViewKind) : 'wide',
    webgl: !isOff(q.get('gl')),
    showGuides: !isOff(q.get('guides')),
  };
}
