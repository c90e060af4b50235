/**
 * Writes a solved mount into the config file the server runs from, so the
 * calibration survives a restart: edited in place (a YAML file keeps its
 * comments and layout), checked by loading the result through the config
 * loader and its schema, then swapped in atomically (temporary file in the
 * same folder, fsync, rename) after the previous file is kept as `FILE.bak`.
 * A crash at any moment leaves either the old or the new file, never half of one.
 */
import { chmod, copyFile, open, rename, rm, stat } from 'node:fs/promises';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { loadConfig } from '../config/loadConfig.js';
import type { CameraConfig, MountConfig } from '../config/types.js';

export interface WrittenConfig {
  file: string;
  backup: string;
}

let tmpSeq = 0;

/**
 * The file's text with `cameras.<camera>.calibration.mount` replaced. A file
 * that lists no cameras runs on the built-in ones; since a `cameras` section
 * replaces the built-in list, it gets all of them (`cameras` as running), the
 * calibrated one with its new mount.
 */
export function withMount(text: string, json: boolean, camera: string, mount: MountConfig, running: Readonly<Record<string, CameraConfig>>): string {
  const plainMount = { ...mount };
  if (json) {
    const obj = (text.trim() === '' ? {} : JSON.parse(text)) as Record<string, any>;
    if (obj.cameras && typeof obj.cameras === 'object') {
      const entry = (obj.cameras[camera] ??= {});
      entry.calibration = { ...(entry.calibration ?? {}), mount: plainMount };
    } else {
      obj.cameras = JSON.parse(JSON.stringify(running));
      obj.cameras[camera].calibration.mount = plainMount;
    }
    return `${JSON.stringify(obj, null, 2)}\n`;
  }
  // yaml is loaded when a YAML file is written, not with the gateway (docs/performance.md, case 10).
  const { parseDocument, isMap } = createRequire(import.meta.url)('yaml') as typeof import('yaml');
  const doc = parseDocument(text);
  if (doc.errors.length > 0) throw new Error(`the config file no longer parses: ${doc.errors[0]!.message}`);
  if (isMap(doc.getIn(['cameras']))) {
    doc.setIn(['cameras', camera, 'calibration', 'mount'], doc.createNode(plainMount));
  } else {
    // A plain copy: shared sub-objects of the running config must not become YAML anchors.
    const cameras = JSON.parse(JSON.stringify(running)) as Record<string, CameraConfig>;
    cameras[camera]!.calibration.mount = plainMount;
    if (doc.contents === null) doc.contents = doc.createNode({}) as unknown as typeof doc.contents;
    doc.setIn(['cameras'], doc.createNode(cameras));
  }
  return doc.toString();
}

/** Writes `mount` for `camera` into `file` (atomic, with FILE.bak); throws, leaving the file untouched, if the result is not a valid config. */
export async function writeMountToConfigFile(file: string, camera: string, mount: MountConfig, running: Readonly<Record<string, CameraConfig>>): Promise<WrittenConfig> {
  const json = file.endsWith('.json');
  const next = withMount(readFileSync(file, 'utf8'), json, camera, mount, running);
  // Same folder (rename does not cross file systems) and same extension (the loader picks the parser by it).
  const ext = json ? '.json' : file.endsWith('.yml') ? '.yml' : '.yaml';
  const tmp = `${file}.${process.pid}-${++tmpSeq}.tmp${ext}`;
  try {
    const fh = await open(tmp, 'wx', 0o600);
    try {
      await fh.writeFile(next, 'utf8');
      await fh.sync();
    } finally {
      await fh.close();
    }
    await chmod(tmp, (await stat(file)).mode & 0o777);
    // The whole file through the loader and its schema: what the next start will read.
    const reloaded = loadConfig({ file: tmp, env: {} }).cameras[camera]?.calibration.mount;
    if (!reloaded || (Object.keys(mount) as Array<keyof MountConfig>).some((k) => reloaded[k] !== mount[k])) {
      throw new Error('the written file does not read back with the new mount');
    }
    const backup = `${file}.bak`;
    await copyFile(file, backup);
    await rename(tmp, file);
    return { file, backup };
  } catch (err) {
    await rm(tmp, { force: true });
    throw err;
  }
}
