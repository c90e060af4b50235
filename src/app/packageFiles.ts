/**
 * Files of the revcam package, found from the package's root rather than from
 * the calling module's own URL: `revcam` runs as one bundle (dist/bundle,
 * scripts/bundle.mjs) and its modules also run one by one (dist/src, tests),
 * and a path relative to a module is not the same in the two.
 */
import { readFileSync } from 'node:fs';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';

let root: string | undefined;
let version: string | undefined;

/** The folder holding revcam's package.json (a checkout, or node_modules/revcam when installed). */
export function packageRoot(): string {
  if (root !== undefined) return root;
  const start = dirname(fileURLToPath(import.meta.url));
  for (let dir = start; ; dir = dirname(dir)) {
    const pkg = readPackageJson(dir);
    if (pkg?.name === 'revcam') {
      version = typeof pkg.version === 'string' ? pkg.version : 'unknown';
      return (root = dir);
    }
    if (dirname(dir) === dir) throw new Error(`revcam: no package.json named revcam above ${start}`);
  }
}

function readPackageJson(dir: string): { name?: unknown; version?: unknown } | undefined {
  try {
    return JSON.parse(readFileSync(join(dir, 'package.json'), 'utf8')) as { name?: unknown; version?: unknown };
  } catch {
    return undefined;
  }
}

/** The version in package.json. */
export function packageVersion(): string {
  packageRoot();
  return version!;
}

/** A path inside the package: packageFile('src/display'). */
export const packageFile = (rel: string): string => join(packageRoot(), rel);

/** A compiled module (or folder) of dist/src, as tsc wrote it: compiledFile('host/serviceMain.js'). */
export const compiledFile = (rel: string): string => join(packageRoot(), 'dist', 'src', rel);

/** Whether this code runs from the bundle (dist/bundle, scripts/bundle.mjs) rather than module by module from dist/src. */
export const runsBundled = import.meta.url.includes('/dist/bundle/');
