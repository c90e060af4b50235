/**
 * The calibration mat: a rubber mat of known size laid flat on the ground
 * behind the bumper, with nine magenta markers on a 3x3 grid. The installer
 * (or the synthetic scene, `cameras.<id>.synthetic.calibrationMat`) puts it
 * where these vehicle-frame coordinates say: centred on the car's
 * centreline, its near edge MAT.nearM behind the bumper.
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
