/**
 * Loads and validates service manifests. `builtin:<dir>` names a folder under
 * src/services; anything else is a path to a .json manifest or to a module
 * exporting `manifest`. The manifest's `module` is resolved relative to it.
 */
import { precompiledValidator } from '../schema/precompiled.js';
import { manifestSchema } from './manifestSchema.js';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { pathToFileURL } from 'node:url';
import { compiledFile } from '../app/packageFiles.js';
import type { ServiceManifest } from './types.js';

/** Generated at build time when it can be (src/schema/precompiled.ts): a cold start does not compile the schema. */
const validateManifest = await precompiledValidator<ServiceManifest>('manifest', manifestSchema);

export interface LoadedManifest {
  manifest: ServiceManifest;
  /** file:// URL of the module the child process imports. */
  moduleUrl: string;
}

const servicesDir = compiledFile('services');

export class ManifestError extends Error {
  readonly code = 'MANIFEST_INVALID';
}

export function checkManifest(raw: unknown, where: string): ServiceManifest {
  if (!validateManifest(raw)) {
    const details = (validateManifest.errors ?? []).map((e) => `${e.instancePath || '/'} ${e.message}`).join('; ');
    throw new ManifestError(`invalid service manifest ${where}: ${details}`);
  }
  return raw;
}

export async function loadManifest(ref: string, baseDir = process.cwd()): Promise<LoadedManifest> {
  const path = ref.startsWith('builtin:') ? resolve(servicesDir, ref.slice('builtin:'.length), 'manifest.js') : resolve(baseDir, ref);
  let raw: unknown;
  try {
    raw = path.endsWith('.json') ? JSON.parse(await readFile(path, 'utf8')) : (await import(pathToFileURL(path).href)).manifest;
  } catch (err) {
    throw new ManifestError(`cannot load service manifest ${ref}: ${(err as Error).message}`);
  }
  const manifest = checkManifest(raw, ref);
  return { manifest, moduleUrl: pathToFileURL(resolve(dirname(path), manifest.module)).href };
}
