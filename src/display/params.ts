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
 * ?cameras=rear,left,right names the cameras on screen (the large one is
 * ?camera=, else the first) and ?layout=tiles|pip|single how they are laid
 * out (docs/display.md, "Several cameras"). Without either the page shows
 * rear large and the door-mirror cameras as tiles; ?camera= or ?service=
 * alone, or ?calibrate=1, means that one camera alone.
 * ?view=surround shows the surround view alone (the four cameras stitched
 * around the car), ?layout=split the surround view beside the rear camera;
 * the default page shows the split layout when the service has the four
 * surround cameras (else the tiles). ?area=10x12 is the surround view's
 * ground area in metres (across x along), ?gains=0 turns its photometric
 * alignment off (every gain 1: the seams as the cameras give them),
 * ?sscale=0.5 renders the stitched picture at half the screen's resolution
 * (software GL), ?solo=left draws one camera's part of it alone (the others
 * still measured for the gains: an installer sees what one camera gives, and
 * the seam test compares two cameras on the same ground).
 */
import type { StreamRequestMessage } from '../wire/messages.js';
import { isLayoutKind, type LayoutKind } from './layout.js';
import { DEFAULT_AREA, parseArea, type SurroundArea } from './surround/surroundGeometry.js';
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
  /** Every camera on screen, in order; `request.camera` (the large one) is among them. */
  cameras: string[];
  layout: LayoutKind;
  /** `cameras` is the page's default list, not the device's: cameras the service lacks are left out. */
  camerasDefaulted: boolean;
  /** The surround view: not shown, beside the rear camera (`split`), or alone (`surround`). */
  surround: 'off' | 'split' | 'surround';
  /** The split layout is the page's default (not asked for): a service without the four cameras gets the tiles instead. */
  surroundDefaulted: boolean;
  area: SurroundArea;
  gainSolve: boolean;
  /** `?sscale=`: the surround picture's resolution relative to the screen's (0.25-2, default 1). */
  surroundScale: number;
  /** `?solo=`: the one surround camera drawn (the others left out of the picture only), or null for all. */
  surroundSolo: string | null;
}

/** The default screen: the rear camera large, the door-mirror cameras as tiles. */
export const DEFAULT_CAMERAS: readonly string[] = ['rear', 'left', 'right'];
const CAMERA_NAME = /^[a-z][a-z0-9-]{0,63}$/;

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
  const listed = [...new Set((q.get('cameras') ?? '').split(',').map((c) => c.trim()).filter((c) => CAMERA_NAME.test(c)))];
  const oneCamera = q.has('camera') || q.has('service') || isOn(q.get('calibrate'));
  const camerasDefaulted = listed.length === 0 && !oneCamera;
  const cameras = listed.length > 0 ? listed : camerasDefaulted ? [...DEFAULT_CAMERAS] : [request.camera];
  if (!cameras.includes(request.camera)) request.camera = cameras[0]!;
  const layoutParam = q.get('layout');
  const viewParam = q.get('view');
  const surroundDefaulted = camerasDefaulted && layoutParam === null && viewParam !== 'surround';
  const surround = viewParam === 'surround' ? 'surround' : layoutParam === 'split' || surroundDefaulted ? 'split' : 'off';
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
    cameras,
    layout: isLayoutKind(layoutParam) ? layoutParam : cameras.length > 1 ? 'tiles' : 'single',
    camerasDefaulted,
    surround,
    surroundDefaulted,
    area: parseArea(q.get('area')) ?? { ...DEFAULT_AREA },
    gainSolve: !isOff(q.get('gains')),
    surroundScale: Number(q.get('sscale')) >= 0.25 && Number(q.get('sscale')) <= 2 ? Number(q.get('sscale')) : 1,
    surroundSolo: CAMERA_NAME.test(q.get('solo') ?? '') ? q.get('solo') : null,
  };
}
