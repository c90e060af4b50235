/**
 * The builtin services' code, imported through the service host's own module
 * graph. Run from the bundle (dist/bundle/service-host, scripts/bundle.mjs), a
 * builtin service then shares the host's chunks (one copy of the camera layer,
 * loaded as a few files) instead of loading dist/src's modules one by one
 * beside them. A service given by any other module URL is imported as it is.
 */
import { pathToFileURL } from 'node:url';
import { compiledFile } from '../app/packageFiles.js';

const BUILTIN: Record<string, () => Promise<unknown>> = {
  reversing: () => import('../services/reversing/index.js'),
  cabin: () => import('../services/cabin/index.js'),
  recorder: () => import('../services/recorder/index.js'),
};

const byUrl = new Map(Object.entries(BUILTIN).map(([name, load]) => [pathToFileURL(compiledFile(`services/${name}/index.js`)).href, load]));

/** The module of the service at `moduleUrl` (what loadManifest resolved). */
export function importService(moduleUrl: string): Promise<unknown> {
  return (byUrl.get(moduleUrl) ?? (() => import(moduleUrl)))();
}

/** Loads the builtin reversing service's code ahead: the service reverse gear needs at boot is the one a spare host most often becomes. */
export function preloadReversingService(): Promise<unknown> {
  return BUILTIN.reversing!();
}
