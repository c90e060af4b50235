/**
 * The parking-lot scene: sky, paved ground and parking-bay lines in
 * perspective, the car's own bumper along the bottom edge, a traffic cone on
 * the vehicle's right (so mirroring is visible) and a concrete block whose
 * distance oscillates. Everything is placed in the vehicle frame and projected
 * with geometry/cameraModel.ts, the same model the guideline overlay uses, so
 * lines and overlay agree (and the scene is mirrored exactly as the camera is).
 *
 * Every camera sees the same world from its own mount: the rear camera (scene
 * `rear`, with the bumper along its bottom edge), the door-mirror cameras
 * (scene `side`) and the front camera (scene `front`): beside the car stand a
 * pillar on the left and a bin on the right, a kerb runs along the left, the
 * bay's lines run past the car's sides, a pedestrian crossing lies ahead and a
 * dashed line runs down the aisle beyond it, and a bollard stands off the
 * front-right corner, where the front and right cameras' pictures meet (a tall
 * object at a seam of the surround view shows its ghosting). The rear camera
 * sees none of these. Polygons are clipped at the camera's near plane, so a
 * camera draws only the part of the world in front of it.
 *
 * Each camera's sensor has its own exposure and white balance
 * (`synthetic.exposure`, `synthetic.whiteBalance`), applied in linear light
 * to everything but the stamp, as a real camera's metering is.
 *
 * The static part is rendered once; a frame copies it and draws only the
 * block, the parts that may cover the block, and the stamp.
 *
 * For installer calibration (docs/calibration.md) the scene can lay the
 * calibration mats on the ground (`synthetic.calibrationMat`: `true` the rear
 * mat, the block then left out; `'surround'` also the four corner mats and the
 * two side mats, the cone and the bollard cleared away too, so nothing covers
 * a marker) and can be seen from a "true" mount other than the configured
 * calibration (`synthetic.trueMount`), as if the installer had mounted the
 * camera differently.
 */
import type { CameraConfig, VehicleConfig } from '../../config/types.js';
import { calibrationMats } from '../../calibration/mat.js';
import type { CalibrationConfig } from '../../config/types.js';
import { cameraModel, type ImageSpec } from '../../geometry/cameraModel.js';
import { cameraRotation, MIN_DEPTH_M, projectRay, vehicleToCamera, type CameraModel, type Vec3 } from '../../wire/camera.js';
import { createRaster, fillPolygon, fillSpan, fillVerticalGradient, mix, strokePolyline, type RGB, type Raster, type Vec2 } from './raster.js';
import type { Scene } from './scene.js';
import { drawStamp } from './stamp.js';

type P3 = readonly [lateralM: number, behindM: number, heightM: number];

/** The cone: on the vehicle's right, in the neighbouring bay. */
export const CONE = { lateralM: 2.0, behindM: 1.5, radiusM: 0.15, heightM: 0.55 } as const;
export const CONE_COLOR: RGB = [255, 110, 0];

/** The moving block; its near face goes from MIN to MAX metres behind the bumper and back. */
export const OBSTACLE = { lateralM: 0, widthM: 1.2, depthM: 0.6, heightM: 0.8, minM: 0.4, maxM: 3.0, periodS: 8 } as const;

/** Distance of the block's near face behind the bumper at `timeUs`. */
export function obstacleDistanceM(timeUs: number): number {
  const phase = ((timeUs / 1e6) % OBSTACLE.periodS) / OBSTACLE.periodS;
  return OBSTACLE.minM + (OBSTACLE.maxM - OBSTACLE.minM) * (0.5 - 0.5 * Math.cos(2 * Math.PI * phase));
}

/** Bay lines sit this far either side of the centreline: a bay a little wider than the car. */
export function bayHalfWidthM(vehicle: VehicleConfig): number {
  return vehicle.widthM / 2 + 0.45;
}

/** Beside the car, for the door-mirror cameras: a pillar on the left, a bin on the right (boxes, metres). */
export const PILLAR = { lateralM: -3.2, behindM: -3.4, sizeM: 0.4, heightM: 1.2 } as const;
export const BIN = { lateralM: 3.0, behindM: -2.0, sizeM: 0.7, heightM: 1.0 } as const;
export const PILLAR_COLOR: RGB = [250, 200, 0];
export const BIN_COLOR: RGB = [30, 120, 200];
/** The aisle's dashed centre line, beyond the pedestrian crossing. */
export const AISLE_LINE_BEHIND_M = -9.5;
/** The bay's own lines (lateral ± bayHalfWidthM) run from the bay's head past the car's sides to here. */
export const BAY_SIDE_LINES_FROM_M = -5.6;
/** A kerb along the left of the lot: its face at this lateral, 0.15 m wide, 0.12 m high. */
export const KERB = { lateralM: -4.0, widthM: 0.15, heightM: 0.12, fromM: -12, toM: 6 } as const;
/** The pedestrian crossing ahead of the car: stripes 0.5 m wide, 0.5 m apart, along the car. */
export const CROSSING = { fromM: -8.2, toM: -6.2, halfWidthM: 3.25, stripeM: 0.5 } as const;
/** A bollard off the front-right corner, at the front and right cameras' seam. */
export const BOLLARD = { lateralM: 1.7, behindM: -5.3, sizeM: 0.2, heightM: 1.0 } as const;
export const BOLLARD_COLOR: RGB = [200, 30, 36];

export const PAINT: RGB = [236, 236, 228];
const KERB_TOP: RGB = [178, 176, 170];
const KERB_FACE: RGB = [140, 138, 132];
/** Calibration-mat markers: a colour nothing else in the scene has, so they can be found by colour. */
export const MAT_MARKER: RGB = [255, 0, 255];
const MAT_RUBBER: RGB = [34, 36, 40];
export const OBSTACLE_FRONT: RGB = [112, 104, 94];

const SKY_TOP: RGB = [105, 155, 215];
const SKY_LOW: RGB = [200, 218, 236];
const ASPHALT: RGB = [86, 88, 93];
const HAZE: RGB = [150, 154, 162];
const LINE_W = 0.12;
const STEP_M = 0.1;

export class RearScene implements Scene {
  readonly width: number;
  readonly height: number;
  private readonly image: ImageSpec;
  /** The calibration the picture is drawn through: the configured one, at the true mount when one is given. */
  private readonly optics: CalibrationConfig;
  private readonly model: CameraModel;
  private readonly rotation: number[];
  /** `rear`: the bumper is in frame; `side`: a door-mirror camera; `front`: the front camera. */
  private readonly kind: 'rear' | 'side' | 'front';
  /** The sensor's exposure and white balance as a colour map (identity when neutral). */
  private readonly tone: (c: RGB) => RGB;
  private readonly label: string;
  private readonly background: Raster;
  private readonly frame: Raster;
  /** Rows and spans the bumper (and its rim) covers, restored over the block each frame. */
  private readonly bumper: Array<{ y: number; spans: Array<[number, number]> }>;

  /**
   * `label`: the name burnt into the stamp (the camera's id); the scene's name when absent.
   * `background`: the static part as drawn before for this camera and vehicle (sceneCache.ts); drawn here when absent.
   */
  constructor(private readonly camera: CameraConfig, private readonly vehicle: VehicleConfig, label?: string, background?: Buffer) {
    this.width = camera.width;
    this.height = camera.height;
    this.image = { width: camera.width, height: camera.height, mirror: camera.mirror };
    const trueMount = camera.synthetic?.trueMount;
    this.optics = trueMount ? { ...camera.calibration, mount: trueMount } : camera.calibration;
    this.model = cameraModel(this.optics, this.image);
    this.rotation = cameraRotation(this.optics.mount);
    this.kind = camera.scene === 'side' || camera.scene === 'front' ? camera.scene : 'rear';
    this.tone = toneMap(camera.synthetic?.exposure ?? 1, camera.synthetic?.whiteBalance ?? [1, 1, 1]);
    this.label = (label ?? this.kind).toUpperCase();
    this.bumper = this.kind === 'rear' ? bumperSpans(this.width, this.height) : [];
    this.background = createRaster(this.width, this.height);
    this.frame = createRaster(this.width, this.height);
    if (background?.length === this.background.data.length) background.copy(this.background.data);
    else {
      this.drawStatic(this.background);
      applyTone(this.background, this.tone);
    }
  }

  /** The static part (sky, ground, lines, cone, bumper), as sceneCache.ts keeps it. */
  get staticImage(): Buffer {
    return this.background.data;
  }

  render(timeUs: number, frameNo: number): Buffer {
    const f = this.frame;
    this.background.data.copy(f.data);
    if (!this.withMat) {
      const d = obstacleDistanceM(timeUs);
      this.drawObstacle(f, d);
      // Nearer things the block may have been painted over.
      if (d > CONE.behindM) this.drawCone(f);
      for (const { y, spans } of this.bumper) {
        for (const [x0, x1] of spans) {
          const o = y * this.width * 3;
          this.background.data.copy(f.data, o + x0 * 3, o + x0 * 3, o + x1 * 3);
        }
      }
    }
    // A surround camera's stamp is small: at the default scale it would reach into the field the surround view stitches.
    drawStamp(f, this.label, frameNo, timeUs, this.kind === 'rear' ? undefined : 1);
    return f.data;
  }

  private get withMat(): boolean {
    return this.camera.synthetic?.calibrationMat === true || this.surroundMats;
  }

  private get surroundMats(): boolean {
    return this.camera.synthetic?.calibrationMat === 'surround';
  }

  private toCamera(p: P3): Vec3 {
    return vehicleToCamera(this.optics.mount, this.rotation, p[0], p[1], p[2]);
  }

  private project(p: P3): Vec2 | null {
    const c = this.toCamera(p);
    return c[2] > MIN_DEPTH_M ? projectRay(this.model, c) : null;
  }

  /**
   * Projects a closed 3D polygon, sampling its edges every `stepM` so lens
   * curvature shows, clipped at the near plane (Sutherland–Hodgman on z):
   * a polygon partly behind the camera keeps only its visible part.
   */
  private path(corners: readonly P3[], stepM = STEP_M): Vec2[] {
    const pts: Vec3[] = [];
    for (let i = 0; i < corners.length; i++) {
      const a = corners[i]!, b = corners[(i + 1) % corners.length]!;
      const steps = Math.max(1, Math.ceil(Math.hypot(b[0] - a[0], b[1] - a[1], b[2] - a[2]) / stepM));
      for (let s = 0; s < steps; s++) {
        const t = s / steps;
        pts.push(this.toCamera([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, a[2] + (b[2] - a[2]) * t]));
      }
    }
    const near = MIN_DEPTH_M * 2;
    const out: Vec2[] = [];
    const emit = (p: Vec3): void => {
      const q = projectRay(this.model, p);
      if (q) out.push(q);
    };
    for (let i = 0; i < pts.length; i++) {
      const a = pts[i]!, b = pts[(i + 1) % pts.length]!;
      const aIn = a[2] > MIN_DEPTH_M, bIn = b[2] > MIN_DEPTH_M;
      if (aIn) emit(a);
      if (aIn !== bIn) {
        const t = (near - a[2]) / (b[2] - a[2]);
        emit([a[0] + (b[0] - a[0]) * t, a[1] + (b[1] - a[1]) * t, near]);
      }
    }
    return out;
  }

  private groundRect(r: Raster, lat0: number, lat1: number, b0: number, b1: number, color: RGB, stepM = STEP_M): void {
    fillPolygon(r, this.path([[lat0, b0, 0], [lat1, b0, 0], [lat1, b1, 0], [lat0, b1, 0]], stepM), color);
  }

  private drawStatic(r: Raster): void {
    fillVerticalGradient(r, 0, this.height, SKY_TOP, SKY_LOW);
    this.drawGround(r);
    this.drawBayLines(r);
    if (this.withMat) this.drawMat(r);
    // The installer clears loose objects off the mats: the cone and the bollard stand where corner mats lie.
    if (!this.surroundMats) this.drawCone(r);
    this.drawAisle(r);
    // Painter's order: the marks and the low kerb first, the tall boxes (nearer than the kerb to every camera) over them.
    if (this.kind !== 'rear') {
      this.drawCrossing(r);
      this.drawKerb(r);
    }
    this.drawBox(r, PILLAR.lateralM, PILLAR.behindM, PILLAR.sizeM, PILLAR.heightM, PILLAR_COLOR);
    this.drawBox(r, BIN.lateralM, BIN.behindM, BIN.sizeM, BIN.heightM, BIN_COLOR);
    if (this.kind !== 'rear' && !this.surroundMats) this.drawBox(r, BOLLARD.lateralM, BOLLARD.behindM, BOLLARD.sizeM, BOLLARD.heightM, BOLLARD_COLOR);
    if (this.kind === 'rear') this.drawBumper(r);
  }

  /** The kerb along the left: its top, and its face where this camera sees it. */
  private drawKerb(r: Raster): void {
    const { lateralM: x, widthM: w, heightM: h, fromM, toM } = KERB;
    const m = this.optics.mount;
    const face = m.lateralM > x ? x : x - w;
    for (let b = fromM; b < toM; b += 1) {
      // In 1 m pieces: a long polygon crossing the near plane clips into a sliver.
      if (m.lateralM > x || m.lateralM < x - w) fillPolygon(r, this.path([[face, b, 0], [face, b + 1, 0], [face, b + 1, h], [face, b, h]], 0.1), KERB_FACE);
      fillPolygon(r, this.path([[x - w, b, h], [x, b, h], [x, b + 1, h], [x - w, b + 1, h]], 0.1), KERB_TOP);
    }
  }

  /** The pedestrian crossing ahead of the car: stripes along the car's axis. */
  private drawCrossing(r: Raster): void {
    const { fromM, toM, halfWidthM, stripeM } = CROSSING;
    for (let lat = -halfWidthM; lat + stripeM <= halfWidthM + 1e-9; lat += 2 * stripeM) this.groundRect(r, lat, lat + stripeM, fromM, toM, PAINT);
  }

  /** The aisle's dashed centre line, across the lot ahead of the bays. */
  private drawAisle(r: Raster): void {
    for (let lat = -15; lat < 15; lat += 2) this.groundRect(r, lat, lat + 1, AISLE_LINE_BEHIND_M, AISLE_LINE_BEHIND_M + LINE_W, PAINT);
  }

  /** An upright box standing on the ground: the faces turned to the camera, then the top. */
  private drawBox(r: Raster, lat: number, behind: number, size: number, h: number, color: RGB): void {
    const m = this.optics.mount;
    const [l0, l1, b0, b1] = [lat - size / 2, lat + size / 2, behind - size / 2, behind + size / 2];
    this.groundRect(r, l0 - 0.06, l1 + 0.06, b0 - 0.06, b1 + 0.06, [40, 40, 44]);
    const faces: Array<{ quad: P3[]; facing: boolean; shade: number }> = [
      { quad: [[l0, b0, 0], [l0, b1, 0], [l0, b1, h], [l0, b0, h]], facing: m.lateralM < l0, shade: 0.8 },
      { quad: [[l1, b0, 0], [l1, b1, 0], [l1, b1, h], [l1, b0, h]], facing: m.lateralM > l1, shade: 0.8 },
      { quad: [[l0, b0, 0], [l1, b0, 0], [l1, b0, h], [l0, b0, h]], facing: m.longitudinalM < b0, shade: 0.65 },
      { quad: [[l0, b1, 0], [l1, b1, 0], [l1, b1, h], [l0, b1, h]], facing: m.longitudinalM > b1, shade: 0.65 },
    ];
    for (const f of faces) {
      if (f.facing) fillPolygon(r, this.path(f.quad, 0.05), [color[0] * f.shade, color[1] * f.shade, color[2] * f.shade]);
    }
    if (m.heightM > h) fillPolygon(r, this.path([[l0, b0, h], [l1, b0, h], [l1, b1, h], [l0, b1, h]], 0.05), color);
  }

  private drawGround(r: Raster): void {
    // Everything below the horizon first (a far circle at ground level), then paved slabs near by.
    const R = 1e4;
    const horizon: Vec2[] = [];
    // Azimuth 0 is straight behind the car; a camera yawed to the left looks toward negative azimuths.
    const heading = -Math.round(this.optics.mount.yawDeg);
    for (let a = heading - 89; a <= heading + 89; a++) {
      const p = this.project([R * Math.sin((a * Math.PI) / 180), R * Math.cos((a * Math.PI) / 180), 0]);
      if (p) horizon.push(p);
    }
    if (horizon.length > 1) {
      const below = this.height * 100;
      fillPolygon(r, [...horizon, [horizon[horizon.length - 1]![0], below], [horizon[0]![0], below]], mix(ASPHALT, HAZE, 0.9));
    }
    const rows: number[] = [];
    for (let b = -1; b < 60; b += b < 10 ? 0.5 : b < 20 ? 1 : 2.5) rows.push(b);
    rows.push(60);
    for (let i = 0; i + 1 < rows.length; i++) {
      for (let j = 0, lat = -15; lat < 15; lat += 0.5, j++) {
        const b0 = rows[i]!, b1 = rows[i + 1]!;
        const fade = 1 - Math.exp(-Math.hypot(lat + 0.25, (b0 + b1) / 2) / 25);
        // A little per-slab variation so the ground reads as a surface in perspective.
        const shade = ((i * 7 + j * 13) % 5) - 2;
        const c = mix(ASPHALT, HAZE, fade);
        const d = shade * 2 * (1 - fade);
        // Slabs are small on screen: corners (and every 0.5 m on long ones) are enough.
        this.groundRect(r, lat, lat + 0.5, b0, b1, [c[0] + d, c[1] + d, c[2] + d], 0.5);
      }
    }
    // Ahead of the bays (beside and in front of the car): only the door-mirror and front cameras see it.
    if (this.kind !== 'rear') {
      for (let i = 0, b = -1; b > -15; b -= 0.5, i++) {
        for (let j = 0, lat = -15; lat < 15; lat += 0.5, j++) {
          const fade = 1 - Math.exp(-Math.hypot(lat + 0.25, b - 0.25) / 25);
          const d = ((((i * 11 + j * 7) % 5) - 2) * 2) * (1 - fade);
          const c = mix(ASPHALT, HAZE, fade);
          this.groundRect(r, lat, lat + 0.5, b - 0.5, b, [c[0] + d, c[1] + d, c[2] + d], 0.5);
        }
      }
    }
  }

  private drawBayLines(r: Raster): void {
    // The car is backing into a bay, with bays either side.
    const hw = bayHalfWidthM(this.vehicle);
    const depth = 5;
    for (const x of [-5 * hw, -3 * hw, 3 * hw, 5 * hw]) this.groundRect(r, x - LINE_W / 2, x + LINE_W / 2, -0.5, depth, PAINT);
    // The car's own bay lines run on past its sides to the front corners: straight lines across every seam of the surround view.
    // (The rear camera sees none of them ahead of its bumper: its picture is as it was.)
    const from = this.kind === 'rear' ? -0.5 : BAY_SIDE_LINES_FROM_M;
    for (const x of [-hw, hw]) this.groundRect(r, x - LINE_W / 2, x + LINE_W / 2, from, depth, PAINT);
    this.groundRect(r, -5 * hw, 5 * hw, depth, depth + LINE_W, PAINT);
    // Wheel stops at the head of each bay.
    for (const x of [-4 * hw, -2 * hw, 0, 2 * hw, 4 * hw]) this.groundRect(r, x - 0.6, x + 0.6, depth - 0.5, depth - 0.35, [200, 190, 40]);
  }

  /** The rear mat, or every mat of the surround layout (src/calibration/mat.ts), each camera seeing what it sees. */
  private drawMat(r: Raster): void {
    for (const mat of calibrationMats(this.vehicle, this.surroundMats)) {
      this.groundRect(r, mat.lateralM[0], mat.lateralM[1], mat.behindM[0], mat.behindM[1], MAT_RUBBER, 0.05);
      for (const p of mat.points) {
        const ring: Vec2[] = [];
        for (let i = 0; i < 32; i++) {
          const a = (i / 32) * 2 * Math.PI;
          const q = this.project([p.lateralM + mat.markerRadiusM * Math.cos(a), p.behindM + mat.markerRadiusM * Math.sin(a), 0]);
          if (q) ring.push(q);
        }
        fillPolygon(r, ring, MAT_MARKER);
      }
    }
  }

  private drawCone(r: Raster): void {
    const { lateralM: x, behindM: b, radiusM: rad, heightM: h } = CONE;
    const t = this.tone;
    this.groundRect(r, x - 0.18, x + 0.18, b - 0.18, b + 0.18, t([38, 38, 40]));
    fillPolygon(r, this.path([[x - rad, b, 0], [x + rad, b, 0], [x, b, h]]), t(CONE_COLOR));
    const w = (z: number): number => rad * (1 - z / h);
    fillPolygon(r, this.path([[x - w(0.22), b, 0.22], [x + w(0.22), b, 0.22], [x + w(0.32), b, 0.32], [x - w(0.32), b, 0.32]]), t([245, 245, 245]));
  }

  private drawObstacle(r: Raster, d: number): void {
    const { lateralM: x, widthM, depthM, heightM: h } = OBSTACLE;
    const l = x - widthM / 2, rt = x + widthM / 2;
    const t = this.tone;
    this.groundRect(r, l - 0.08, rt + 0.08, d - 0.05, d + depthM + 0.12, t([52, 53, 57]));
    const top = this.path([[l, d, h], [rt, d, h], [rt, d + depthM, h], [l, d + depthM, h]]);
    const front = this.path([[l, d, 0], [rt, d, 0], [rt, d, h], [l, d, h]]);
    fillPolygon(r, top, t([168, 160, 150]));
    fillPolygon(r, front, t(OBSTACLE_FRONT));
    fillPolygon(r, this.path([[l, d, 0.5], [rt, d, 0.5], [rt, d, 0.62], [l, d, 0.62]]), t([235, 180, 0]));
    strokePolyline(r, top, 2, t([28, 28, 30]), true);
    strokePolyline(r, front, 2, t([28, 28, 30]), true);
  }

  private drawBumper(r: Raster): void {
    // A light rim along the top edge, then dark plastic getting darker toward the bottom.
    const body = new Map(bumperSpans(this.width, this.height, 0).map((row) => [row.y, row.spans]));
    this.bumper.forEach(({ y, spans }, i) => {
      for (const [x0, x1] of spans) fillSpan(r, y, x0, x1, [128, 128, 134]);
      const c = mix([70, 70, 76], [20, 20, 22], i / this.bumper.length);
      for (const [x0, x1] of body.get(y) ?? []) fillSpan(r, y, x0, x1, c);
    });
  }
}

/**
 * The bumper as row spans: its top edge is lowest in the middle and rises
 * toward the corners, as a bumper wrapping around the car looks. Symmetric,
 * so it is the same mirrored or not. `rimPx` widens it by a highlight rim.
 */
export function bumperSpans(width: number, height: number, rimPx = 3): Array<{ y: number; spans: Array<[number, number]> }> {
  const hc = Math.round(0.035 * height) + rimPx;
  const he = Math.round(0.095 * height) + rimPx;
  const out: Array<{ y: number; spans: Array<[number, number]> }> = [];
  for (let y = height - he; y < height; y++) {
    const q = height - y - 0.5;
    if (q <= hc) {
      out.push({ y, spans: [[0, width]] });
      continue;
    }
    const t0 = Math.sqrt((q - hc) / (he - hc));
    const left = Math.round((width / 2) * (1 - t0));
    out.push({ y, spans: left > 0 ? [[0, left], [width - left, width]] : [] });
  }
  return out.filter((row) => row.spans.length > 0);
}

/** sRGB byte → linear light, and back (the sRGB transfer curve). */
const toLinear = (v: number): number => {
  const c = v / 255;
  return c <= 0.04045 ? c / 12.92 : ((c + 0.055) / 1.055) ** 2.4;
};
const toByte = (l: number): number => {
  const c = Math.min(1, Math.max(0, l));
  return Math.round(255 * (c <= 0.0031308 ? c * 12.92 : 1.055 * c ** (1 / 2.4) - 0.055));
};

/**
 * A sensor's exposure and white balance as a colour map: each channel's
 * linear light times exposure × its gain, clipped as a sensor clips. One
 * 256-entry table per channel, so a whole picture costs a lookup a byte.
 */
export function toneMap(exposure: number, wb: readonly [number, number, number]): (c: RGB) => RGB {
  if (exposure === 1 && wb[0] === 1 && wb[1] === 1 && wb[2] === 1) return (c) => c;
  const luts = wb.map((g) => Uint8Array.from({ length: 256 }, (_, v) => toByte(toLinear(v) * exposure * g)));
  const map = (c: RGB): RGB => [luts[0]![Math.round(c[0])]!, luts[1]![Math.round(c[1])]!, luts[2]![Math.round(c[2])]!];
  (map as ToneMap).luts = luts;
  return map;
}

type ToneMap = ((c: RGB) => RGB) & { luts?: Uint8Array[] };

/** Applies a tone map to a whole raster in place (nothing to do when it is the identity). */
function applyTone(r: Raster, tone: (c: RGB) => RGB): void {
  const luts = (tone as ToneMap).luts;
  if (!luts) return;
  const [lr, lg, lb] = luts as [Uint8Array, Uint8Array, Uint8Array];
  const d = r.data;
  for (let o = 0; o < d.length; o += 3) {
    d[o] = lr[d[o]!]!;
    d[o + 1] = lg[d[o + 1]!]!;
    d[o + 2] = lb[d[o + 2]!]!;
  }
}
