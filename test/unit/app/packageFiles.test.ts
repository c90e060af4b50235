/** Files of the package found from its root (src/app/packageFiles.ts), whichever layout the code runs from. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { compiledFile, packageFile, packageRoot, packageVersion, runsBundled } from '../../../src/app/packageFiles.js';
import { ROOT } from '../../helpers/server.js';

test('the package root is the checkout, and the files named from it exist', () => {
  assert.equal(packageRoot(), ROOT);
  assert.equal(packageVersion(), (JSON.parse(readFileSync(join(ROOT, 'package.json'), 'utf8')) as { version: string }).version);
  assert.ok(existsSync(compiledFile('host/serviceMain.js')));
  assert.ok(existsSync(compiledFile('services/reversing/index.js')));
  assert.ok(existsSync(packageFile('src/display/index.html')));
});

test('dist/src runs module by module, not from the bundle', () => {
  assert.equal(runsBundled, false);
});
