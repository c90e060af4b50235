/**
 * The calibration mat: a rubber mat of known size laid flat on the ground
 * behind the bumper, with nine magenta markers on a 3x3 grid. The installer
 * (or the synthetic scene, `cameras.<id>.synthetic.calibrationMat`) puts it
 * where these vehicle-frame coordinates say: centred on the car's
 * centreline, its near edge MAT.nearM behind the bumper. A surround-view car
 * (four cameras) also gets a mat off each corner and one beside each flank.
 */
export interface GroundPoint {
  /** + = vehicle right, metres. */
  lateralM: number;
  /** + = behind the rear bumper, metres. */
  behindM: number;
}

export interface MatPoint extends GroundPoint {
  /** A short name for the handle: row (n near, m middle, f far) and side (l, c, r) from the driver's view. */
  id: string;
}

export const CALIBRATION_MAT = {
  /** Lateral extent of the mat, centred on the centreline. */
  widthM: 2.0,
  /** Near and far edges behind the bumper. */
  nearM: 0.55,
  farM: 2.15,
  /** Markers are discs of this radius; their centres are the points. */
  markerRadiusM: 0.05,
} as const;

const COLUMNS: Array<[string, number]> = [['l', -0.8], ['c', 0], ['r', 0.8]];
const ROWS: Array<[string, number]> = [['n', 0.75], ['m', 1.35], ['f', 1.95]];

/** The marker centres, near row first, left to right (vehicle left = negative lateral). */
export const MAT_POINTS: readonly MatPoint[] = Object.freeze(
  ROWS.flatMap(([r, behindM]) => COLUMNS.map(([c, lateralM]) => Object.freeze({ id: `${r}${c}`, lateralM, behindM }))),
);

/** A mat on the ground: its rectangle in the vehicle frame and its markers. */
export interface Mat {
  id: string;
  /** [from, to] across (+ = right) and along (+ = behind the rear bumper), metres. */
  lateralM: readonly [number, number];
  behindM: readonly [number, number];
  markerRadiusM: number;
  points: readonly MatPoint[];
}

/** The rear mat above, as a Mat. */
export const REAR_MAT: Mat = Object.freeze({
  id: 'rear',
  lateralM: [-CALIBRATION_MAT.widthM / 2, CALIBRATION_MAT.widthM / 2] as const,
  behindM: [CALIBRATION_MAT.nearM, CALIBRATION_MAT.farM] as const,
  markerRadiusM: CALIBRATION_MAT.markerRadiusM,
  points: MAT_POINTS,
});

/**
 * The corner mats of a surround-view car: one square mat off each corner, so
 * that each of its four markers is seen by the two cameras whose pictures meet
 * there (rear and a mirror camera, front and a mirror camera). A marker seen by
 * both is what a seam's misalignment is measured on. Each camera sees two corner
 * mats at its two ends, metres apart, which is what fixes its mount.
 */
export const CORNER_MAT = {
  sizeM: 1.2,
  /** From the car's body, across and along. */
  gapM: 0.25,
  /** Marker centres from the mat's corner nearest the car, across and along. */
  markersM: [0.3, 0.9],
  /** Larger than the rear mat's: a mirror camera sees them 3-4 m away, 70° off its axis. */
  markerRadiusM: 0.1,
} as const;

const CORNERS = [
  ['rl', 'rear-left', -1, 1],
  ['rr', 'rear-right', 1, 1],
  ['fl', 'front-left', -1, -1],
  ['fr', 'front-right', 1, -1],
] as const;

/**
 * A CORNER_MAT-sized square mat with 2x2 markers: its corner nearest the car
 * at (lat0, b0), growing `across` (+1 right, −1 left) and `along` (+1 behind,
 * −1 ahead); markers 1 and 2 nearest that corner along the car, 1 and 3
 * nearest it across.
 */
function squareMat(id: string, short: string, lat0: number, b0: number, across: 1 | -1, along: 1 | -1): Mat {
  const { sizeM, markersM, markerRadiusM } = CORNER_MAT;
  const points = markersM.flatMap((a, i) =>
    markersM.map((c, j) => Object.freeze({ id: `${short}${i * 2 + j + 1}`, lateralM: round(lat0 + across * c), behindM: round(b0 + along * a) })),
  );
  const lat1 = lat0 + across * sizeM;
  const b1 = b0 + along * sizeM;
  return Object.freeze({ id, lateralM: [Math.min(lat0, lat1), Math.max(lat0, lat1)] as const, behindM: [Math.min(b0, b1), Math.max(b0, b1)] as const, markerRadiusM, points: Object.freeze(points) });
}

/**
 * The four corner mats for a car `vehicle.widthM` wide and `lengthM` long.
 * Marker ids: the corner (`rl` rear-left … `fr` front-right) and 1-4: 1 and 2
 * nearest the car's end (1 nearer its side), 3 and 4 further out.
 */
export function cornerMats(vehicle: { widthM: number; lengthM: number }): Mat[] {
  const { gapM } = CORNER_MAT;
  // Each mat's corner nearest the body's corner, gapM off it across and along.
  return CORNERS.map(([short, id, side, end]) => squareMat(id, short, (side * vehicle.widthM) / 2 + side * gapM, (end > 0 ? 0 : -vehicle.lengthM) + end * gapM, side, end));
}

/**
 * A mat beside each flank, centred on the car's middle, markers 2x2 as on the
 * corner mats (ids `l1`…`l4`, `r1`…`r4`, 1 and 2 nearer the rear). A mirror
 * camera sees it near its optical axis: from the corner mats alone, at the two
 * ends of its picture, a turn of the camera and a move along the car look
 * nearly alike (the solve traded 0.5° of yaw for 3 cm); the marks below the
 * mirror tell them apart.
 */
export function sideMats(vehicle: { widthM: number; lengthM: number }): Mat[] {
  const { sizeM, gapM } = CORNER_MAT;
  return ([['l', 'left', -1], ['r', 'right', 1]] as const).map(([short, id, side]) => squareMat(id, short, (side * vehicle.widthM) / 2 + side * gapM, -vehicle.lengthM / 2 + sizeM / 2, side, -1));
}

/** Millimetres: the ids' positions are what an installer measures with a tape. */
const round = (x: number): number => Math.round(x * 1000) / 1000 + 0;

/** The mats an installation lays: the rear mat, and the corner and side mats when the car has the four surround cameras. */
export function calibrationMats(vehicle: { widthM: number; lengthM: number }, surround: boolean): Mat[] {
  return surround ? [REAR_MAT, ...cornerMats(vehicle), ...sideMats(vehicle)] : [REAR_MAT];
}
