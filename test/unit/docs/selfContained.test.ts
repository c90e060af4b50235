/** The docs stand on their own: numbered sections are unique, and no page points outside the repository. */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { existsSync, readdirSync, readFileSync } from 'node:fs';
import { relative, resolve } from 'node:path';
import { ROOT } from '../../helpers/server.js';

const DOCS = resolve(ROOT, 'docs');

test('docs/protocol.md numbers each section once', () => {
  const numbers = [...readFileSync(resolve(DOCS, 'protocol.md'), 'utf8').matchAll(/^#{2,4} (\d+(?:\.\d+)*)\.? /gm)].map((m) => m[1]);
  const twice = numbers.filter((n, i) => numbers.indexOf(n) !== i);
  assert.deepEqual(twice, [], `numbered twice: ${twice.join(', ')}`);
});

test('no page in docs/ refers to a path outside the repository', () => {
  for (const name of readdirSync(DOCS).filter((f) => f.endsWith('.md'))) {
    const text = readFileSync(resolve(DOCS, name), 'utf8');
    // Links, and documents named in code spans, must be files of the repository, read from docs/ or from the root.
    // (Other code spans such as `../wire/frame.js` are module specifiers, not paths to read.)
    for (const m of text.matchAll(/\]\(((?:\.\.\/)+[^)\s#]+)|`((?:\.\.\/)+[^`\s#]+\.md)`/g)) {
      const path = m[1] ?? m[2] ?? '';
      const inRepo = [DOCS, ROOT].some((from) => {
        const target = resolve(from, path);
        return !relative(ROOT, target).startsWith('..') && existsSync(target);
      });
      assert.ok(inRepo, `${name} points outside the repository: ${path}`);
    }
  }
});
