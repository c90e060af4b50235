// After tsc: bundle the `revcam` command (dist/src/cli/main.js) into
// dist/bundle/revcam.js, the package's bin. Node's ESM loader spent ~115 ms
// resolving, reading and compiling the ~230 modules `serve` loads before it
// reads its config; as one module (plus chunks loaded on first use) it is
// ~45 ms, on the critical path of a boot in reverse (docs/performance.md,
// case 10).
//
// The service host (dist/src/host/serviceMain.js) is bundled the same way
// into dist/bundle/service-host/serviceMain.js, with the builtin services
// (src/host/builtinServices.ts): a spare host waiting for reverse gear loaded
// its ~150 modules in ~200 ms on a booting machine, and was the critical path.
//
// Only the packages a process loads at boot are bundled: pino and ws in the
// command, sharp's JavaScript in the service host (its native library is
// still loaded from node_modules: the bundle's require resolves from its own
// folder upwards). The others stay external and load on first use, as
// before. The display runs unbundled. Code that finds files of the package
// does it from the package's root (src/app/packageFiles.ts), so both layouts
// work, and the modules of dist/src still run one by one (tests, the API).
import { readFileSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { dirname, resolve } from 'node:path';
import { fileURLToPath } from 'node:url';
import { build } from 'esbuild';

const root = resolve(dirname(fileURLToPath(import.meta.url)), '..');
const pkg = JSON.parse(readFileSync(resolve(root, 'package.json'), 'utf8'));
const outdir = resolve(root, 'dist/bundle');

// `inside`: the packages a bundle holds (those it loads at boot); every other dependency stays external.
const bundles = [
  { entryPoints: { revcam: resolve(root, 'dist/src/cli/main.js') }, outdir, inside: ['pino', 'ws'] },
  { entryPoints: { serviceMain: resolve(root, 'dist/src/host/serviceMain.js') }, outdir: resolve(outdir, 'service-host'), inside: ['sharp'] },
];

await rm(outdir, { recursive: true, force: true });
for (const { inside, ...bundle } of bundles) {
  await build({
    ...bundle,
    bundle: true,
    splitting: true, // a command's graph, and what loads on first use, stay separate chunks
    format: 'esm',
    platform: 'node',
    target: 'node20',
    external: Object.keys(pkg.dependencies).filter((name) => !inside.includes(name)),
    // The bundled CommonJS packages call require(): give the ESM bundle one.
    banner: { js: "import { createRequire as revcamCreateRequire } from 'node:module';\nconst require = revcamCreateRequire(import.meta.url);" },
    sourcemap: 'linked',
    logLevel: 'warning',
  });
}
