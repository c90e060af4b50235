/**
 * After a power cut: a clip whose manifest still says `recording` is made
 * playable and marked `truncated`. Its mp4 is ftyp+moov and whole fragments
 * (each was fsync'ed as it closed) plus perhaps a torn last one; we walk the
 * top-level boxes, keep everything up to the end of the last complete
 * moof+mdat pair and cut the rest. Reading box headers is all we do: no MP4
 * box is written here.
 */
import { open } from 'node:fs/promises';

export interface RecoveredMp4 {
  /** Size after the cut. */
  bytes: number;
  /** Bytes cut off the end. */
  cutBytes: number;
  fragments: number;
  /** Samples in the kept fragments (from their trun boxes). */
  frames: number;
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

/** Sum of trun sample_count in a moof (moof > traf > trun). */
export function moofSampleCount(moof: Uint8Array): number {
  let n = 0;
  const walk = (from: number, to: number, depth: number) => {
    for (let at = from; at < to; ) {
      const b = readHead(moof, at, to);
      if (!b || b.start + b.size > to) return;
      if (b.type === 'traf' && depth === 1) walk(at + b.headerSize, at + b.size, 2);
      if (b.type === 'trun' && depth === 2 && b.size >= 16) n += new DataView(moof.buffer, moof.byteOffset + at + 12, 4).getUint32(0);
      at += b.size;
    }
  };
  const top = readHead(moof, 0, moof.length);
  if (top && top.type === 'moof') walk(top.headerSize, Math.min(top.size, moof.length), 1);
  return n;
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
    let moof: { end: number; frames: number } | undefined;
    for (;;) {
      const { bytesRead } = await fh.read(head, 0, 16, at);
      const b = readHead(head, 0, bytesRead);
      if (!b || at + b.size > size) break; // torn or absent: stop here
      const end = at + b.size;
      if (b.type === 'ftyp') good = end;
      else if (b.type === 'moov') {
        sawMoov = true;
        good = end;
      } else if (b.type === 'moof') {
        const body = Buffer.alloc(b.size);
        await fh.read(body, 0, b.size, at);
        moof = { end, frames: moofSampleCount(body) };
      } else if (b.type === 'mdat' && moof && moof.end === at) {
        fragments++;
        frames += moof.frames;
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
    return { bytes: good, cutBytes: size - good, fragments, frames };
  } finally {
    await fh.close();
  }
}
