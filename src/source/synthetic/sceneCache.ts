/**
 * The synthetic scenes' static backgrounds, kept on disk between processes.
 * Drawing one takes 50 ms with the JIT warm and 200 ms to over 1 s in a
 * fresh process (the drawing code still interpreted), and a cold service
 * start or a boot pays it before its first frame; reading it back takes a
 * few milliseconds (docs/performance.md, F8).
 *
 * A file is keyed by a hash of everything the drawing depends on: the scene
 * kind, the camera config, the vehicle and the drawing code itself (size and
 * mtime of its compiled modules), so a changed config or a rebuilt revcam
 * never reads a stale picture. Where: `$REVCAM_CACHE_DIR/scenes`, else
 * `$XDG_CACHE_HOME/revcam/scenes`, else `~/.cache/revcam/scenes`;
 * `REVCAM_CACHE_DIR=""` turns the cache off. At most MAX_FILES are kept
 * (oldest removed). Any I/O error means "draw it": the cache is never needed.
 */
import { createHash } from 'node:crypto';
import { mkdirSync, readdirSync, readFileSync, renameSync, statSync, unlinkSync, writeFileSync } from 'node:fs';
import { homedir } from 'node:os';
import { join } from 'node:path';
import { compiledFile } from '../../app/packageFiles.js';

/** 16 backgrounds of 1280x720 are 44 MB. */
export const MAX_FILES = 16;

/** The modules whose code draws a background: a rebuilt one changes the key. */
const DRAWING_CODE = ['source/synthetic/rearScene.js', 'source/synthetic/cabinScene.js', 'source/synthetic/raster.js', 'wire/camera.js', 'geometry/cameraModel.js', 'calibration/mat.js'];

export function sceneCacheDir(env: NodeJS.ProcessEnv = process.env): string | undefined {
  if (env.REVCAM_CACHE_DIR !== undefined) return env.REVCAM_CACHE_DIR === '' ? undefined : join(env.REVCAM_CACHE_DIR, 'scenes');
  const base = env.XDG_CACHE_HOME || join(homedir(), '.cache');
  return join(base, 'revcam', 'scenes');
}

let codeStamp: string | undefined;
function drawingCodeStamp(): string {
  if (codeStamp === undefined) {
    codeStamp = DRAWING_CODE.map((rel) => {
      try {
        const st = statSync(compiledFile(rel));
        return `${st.size}:${st.mtimeMs}`;
      } catch {
        return 'none';
      }
    }).join(',');
  }
  return codeStamp;
}

/** The file a background of these inputs is kept in (undefined when the cache is off). */
export function sceneCacheFile(kind: string, inputs: unknown, dir = sceneCacheDir()): string | undefined {
  if (dir === undefined) return undefined;
  const key = createHash('sha256').update(JSON.stringify({ kind, inputs, code: drawingCodeStamp() })).digest('hex').slice(0, 32);
  return join(dir, `${kind}-${key}.rgb`);
}

/** The kept background of exactly `bytes` bytes, or undefined. */
export function readSceneCache(file: string | undefined, bytes: number): Buffer | undefined {
  if (file === undefined) return undefined;
  try {
    const data = readFileSync(file);
    return data.length === bytes ? data : undefined;
  } catch {
    return undefined;
  }
}

/** Keeps a background (whole file or nothing: written aside, then renamed) and trims the cache to MAX_FILES. */
export function writeSceneCache(file: string | undefined, data: Buffer): void {
  if (file === undefined) return;
  const dir = join(file, '..');
  try {
    mkdirSync(dir, { recursive: true });
    const tmp = `${file}.${process.pid}.tmp`;
    writeFileSync(tmp, data);
    renameSync(tmp, file);
    const files = readdirSync(dir)
      .filter((f) => f.endsWith('.rgb'))
      .map((f) => ({ f, t: statSync(join(dir, f)).mtimeMs }))
      .sort((a, b) => b.t - a.t);
    for (const { f } of files.slice(MAX_FILES)) unlinkSync(join(dir, f));
  } catch {
    // read-only or full disk: the next process draws it again
  }
}
