/**
 * After a power cut: a clip whose manifest still says `recording` is made
 * playable and marked `truncated`. Its mp4 is ftyp+moov and whole fragments
 * (each was fsync'ed as it closed) plus perhaps a torn last one; we walk the
 * top-level boxes, keep everything up to the end of the last complete
 * moof+mdat pair and cut the rest. The frames and the last frame's time are
 * read from the kept fragments (tfdt, trun, tfhd; the track's timescale from
 * mdhd), since the manifest on disk holds them only from close. Reading boxes
 * is all we do: no MP4 box is written here.
 */
import { open, type FileHandle } from 'node:fs/promises';

export interface RecoveredMp4 {
  /** Size after the cut. */
  bytes: number;
  /** Bytes cut off the end. */
  cutBytes: number;
  fragments: number;
  /** Samples in the kept fragments (from their trun boxes). */
  frames: number;
  /** Presentation time of the last kept frame, ms from the first (0 when none or unreadable). */
  lastFrameMs: number;
}

interface BoxHead {
  type: string;
  start: number;
  size: number;
  headerSize: number;
}

function readHead(buf: Uint8Array, at: number, limit: number): BoxHead | undefined {
  if (at + 8 > limit) return undefined;
  const v = new DataView(buf.buffer, buf.byteOffset + at, Math.min(16, limit - at));
  let size = v.getUint32(0);
  const type = String.fromCharCode(buf[at + 4]!, buf[at + 5]!, buf[at + 6]!, buf[at + 7]!);
  let headerSize = 8;
  if (size === 1) {
    if (at + 16 > limit) return undefined;
    size = Number(v.getBigUint64(8));
    headerSize = 16;
  }
  if (size < headerSize) return undefined; // size 0 ("to the end") or garbage: not a box we can trust
  return { type, start: at, size, headerSize };
}

/** Calls `visit` for every box at `path` below the box that starts at 0 (e.g. ['traf', 'trun'] in a moof). */
function boxesAt(buf: Uint8Array, path: readonly string[], visit: (body: DataView, box: BoxHead) => void): void {
  const walk = (from: number, to: number, depth: number) => {
    for (let at = from; at < to; ) {
      const b = readHead(buf, at, to);
      if (!b || b.start + b.size > to) return;
      if (b.type === path[depth]) {
        if (depth === path.length - 1) visit(new DataView(buf.buffer, buf.byteOffset + at + b.headerSize, b.size - b.headerSize), b);
        else walk(at + b.headerSize, at + b.size, depth + 1);
      }
      at += b.size;
    }
  };
  const top = readHead(buf, 0, buf.length);
  if (top) walk(top.headerSize, Math.min(top.size, buf.length), 0);
}

/** The first track's timescale (moov > trak > mdia > mdhd), or undefined. */
export function moovTimescale(moov: Uint8Array): number | undefined {
  let scale: number | undefined;
  boxesAt(moov, ['trak', 'mdia', 'mdhd'], (v) => {
    if (scale !== undefined || v.byteLength < 24) return;
    scale = v.getUint32(v.getUint8(0) === 1 ? 20 : 12); // version 1 has 64-bit creation/modification times
  });
  return scale;
}

/**
 * What one moof says about its samples (moof > traf > tfhd/tfdt/trun): how
 * many, and the decode time of the last, in track ticks. trun's optional
 * fields are present by its flags (ISO/IEC 14496-12 8.8.8).
 */
export function readMoof(moof: Uint8Array): { samples: number; lastSampleTicks: number | undefined } {
  let samples = 0;
  let lastSampleTicks: number | undefined;
  boxesAt(moof, ['traf'], (_v, traf) => {
    const body = moof.subarray(traf.start, traf.start + traf.size);
    let base: number | undefined;
    let defaultDuration = 0;
    boxesAt(body, ['tfhd'], (v) => {
      const flags = v.getUint32(0) & 0xffffff;
      let at = 8; // version/flags, track_ID
      if (flags & 0x01) at += 8; // base_data_offset
      if (flags & 0x02) at += 4; // sample_description_index
      if (flags & 0x08 && at + 4 <= v.byteLength) defaultDuration = v.getUint32(at);
    });
    boxesAt(body, ['tfdt'], (v) => {
      base = v.getUint8(0) === 1 ? Number(v.getBigUint64(4)) : v.getUint32(4);
    });
    boxesAt(body, ['trun'], (v) => {
      if (v.byteLength < 8) return;
      const flags = v.getUint32(0) & 0xffffff;
      const count = v.getUint32(4);
      samples += count;
      let at = 8;
      if (flags & 0x01) at += 4; // data_offset
      if (flags & 0x04) at += 4; // first_sample_flags
      const stride = ((flags & 0x100 ? 1 : 0) + (flags & 0x200 ? 1 : 0) + (flags & 0x400 ? 1 : 0) + (flags & 0x800 ? 1 : 0)) * 4;
      if (base === undefined || count === 0) return;
      let t = base;
      for (let i = 0; i < count - 1; i++) {
        const d = flags & 0x100 && at + 4 <= v.byteLength ? v.getUint32(at) : defaultDuration;
        t += d;
        at += stride;
      }
      lastSampleTicks = t;
      base = t + (flags & 0x100 && at + 4 <= v.byteLength ? v.getUint32(at) : defaultDuration); // a second trun continues
    });
  });
  return { samples, lastSampleTicks };
}

/** A whole box read into memory (moov and moof are small: a few hundred bytes each here). */
async function readBox(fh: FileHandle, at: number, size: number): Promise<Buffer> {
  const body = Buffer.alloc(Math.min(size, 16 * 1024 * 1024));
  await fh.read(body, 0, body.length, at);
  return body;
}

/** Cuts `file` back to its last complete fragment; syncs it. A file without a moov is cut to nothing. */
export async function recoverMp4(file: string): Promise<RecoveredMp4> {
  const fh = await open(file, 'r+');
  try {
    const size = (await fh.stat()).size;
    const head = Buffer.alloc(16);
    let at = 0;
    let good = 0;
    let sawMoov = false;
    let fragments = 0;
    let frames = 0;
    let timescale: number | undefined;
    let lastTicks = 0;
    let moof: { end: number; frames: number; lastTicks: number | undefined } | undefined;
    for (;;) {
      const { bytesRead } = await fh.read(head, 0, 16, at);
      const b = readHead(head, 0, bytesRead);
      if (!b || at + b.size > size) break; // torn or absent: stop here
      const end = at + b.size;
      if (b.type === 'ftyp') good = end;
      else if (b.type === 'moov') {
        sawMoov = true;
        good = end;
        timescale = moovTimescale(await readBox(fh, at, b.size));
      } else if (b.type === 'moof') {
        const r = readMoof(await readBox(fh, at, b.size));
        moof = { end, frames: r.samples, lastTicks: r.lastSampleTicks };
      } else if (b.type === 'mdat' && moof && moof.end === at) {
        fragments++;
        frames += moof.frames;
        if (moof.lastTicks !== undefined) lastTicks = moof.lastTicks;
        good = end;
        moof = undefined;
      } else if (b.type === 'mfra') good = end; // the index written at a clean close
      at = end;
    }
    if (!sawMoov) good = 0;
    if (good < size) {
      await fh.truncate(good);
      await fh.sync();
    }
    const lastFrameMs = timescale && fragments > 0 ? (lastTicks / timescale) * 1000 : 0;
    return { bytes: good, cutBytes: size - good, fragments, frames, lastFrameMs };
  } finally {
    await fh.close();
  }
}
