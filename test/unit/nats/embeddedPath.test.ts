/**
 * Without --nats nothing about NATS is loaded: no module outside src/nats
 * imports it or the NATS client statically, and the only dynamic imports of
 * it are in the commands that take --nats.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { readdirSync, readFileSync } from 'node:fs';
import { join, relative } from 'node:path';
import { ROOT } from '../../helpers/server.js';

function sources(dir: string): string[] {
  return readdirSync(dir, { withFileTypes: true }).flatMap((e) => (e.isDirectory() ? sources(join(dir, e.name)) : e.name.endsWith('.ts') ? [join(dir, e.name)] : []));
}

test('nothing outside src/nats imports NATS statically; only the --nats commands load it, dynamically', () => {
  const src = join(ROOT, 'src');
  const dynamicUsers: string[] = [];
  for (const file of sources(src)) {
    const rel = relative(src, file);
    if (rel.startsWith('nats/')) continue;
    const text = readFileSync(file, 'utf8');
    assert.doesNotMatch(text, /^\s*import\s[^;]*from\s+['"](@nats-io\/|[./]+nats\/)/m, `${rel} imports NATS statically`);
    assert.doesNotMatch(text, /^\s*export\s[^;]*from\s+['"](@nats-io\/|[./]+nats\/)/m, `${rel} re-exports NATS`);
    if (/import\(\s*['"][./]+nats\//.test(text)) dynamicUsers.push(rel);
  }
  assert.deepEqual(dynamicUsers.sort(), ['cli/gateway.ts', 'cli/host.ts', 'cli/serve.ts']);
});
