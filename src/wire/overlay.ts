/**
 * Overlay geometry carried as frame metadata: polylines in image pixel
 * coordinates of the frame they ride on, so every display draws them crisply
 * at its own resolution. Pure: no Node or DOM imports.
 */

export type Point = [number, number];

export type BandColor = 'red' | 'yellow' | 'green';

/** A static distance band: a ground line at `distanceM` behind the bumper, with side ticks. */
export interface DistanceBand {
  distanceM: number;
  color: BandColor;
  /** The cross line, from left edge to right edge of the vehicle's track. */
  line: Point[];
}

export interface Overlay {
  /** The image size the coordinates refer to. */
  width: number;
  height: number;
  /** Left and right side rails of the static corridor (vehicle width), near to far. */
  rails: [Point[], Point[]];
  bands: DistanceBand[];
}

/** Frame metadata object; fields are optional so a frame carries only what changed. */
export interface FrameMeta {
  overlay?: Overlay;
}
