/**
 * Loads and validates service manifests. `builtin:<dir>` names a folder under
 * src/services; anything else is a path to a .json manifest or to a module
 * exporting `manifest`. The manifest's `module` is resolved relative to it.
 */
import { lazyValidator } from '../schema/lazyValidator.js';
import { readFile } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath, pathToFileURL } from 'node:url';
import type { ServiceManifest } from './types.js';

const manifestSchema = {
  type: 'object',
  additionalProperties: false,
  required: ['name', 'version', 'kind', 'cameras', 'codecs', 'module'],
  properties: {
    name: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
    version: { type: 'string', pattern: '^\\d+\\.\\d+\\.\\d+(?:-[0-9A-Za-z.-]+)?$' },
    kind: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' },
    cameras: { type: 'array', minItems: 1, uniqueItems: true, items: { type: 'string', pattern: '^[a-z][a-z0-9-]{0,63}$' } },
    codecs: { type: 'array', minItems: 1, uniqueItems: true, items: { enum: ['jpeg', 'h264'] } },
    module: { type: 'string', minLength: 1 },
    signals: { type: 'array', uniqueItems: true, items: { type: 'string', pattern: '^Vehicle\\.[A-Za-z0-9.]+$' } },
  },
} as const;

const validateManifest = lazyValidator<ServiceManifest>(manifestSchema, { allErrors: true });

export interface LoadedManifest {
  manifest: ServiceManifest;
  /** file:// URL of the module the child process imports. */
  moduleUrl: string;
}

const servicesDir = resolve(dirname(fileURLToPath(import.meta.url)), '../services');

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
