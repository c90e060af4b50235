/**
 * The build's generated validators (scripts/buildValidators.mjs): used for
 * the schema they were made from, never for another one, and they judge
 * exactly as the schema compiled at run time does.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import { configSchema } from '../../../src/config/schema.js';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import { GENERATED_VALIDATORS, precompiledValidator } from '../../../src/schema/precompiled.js';
import { lazyValidator } from '../../../src/schema/lazyValidator.js';
import { streamRequestSchema } from '../../../src/wire/messages.js';

const generated = async (name: string) => (await import(new URL(`../../../src/schema/generated/${name}.js`, import.meta.url).href)) as { validate: unknown };

test('the build generated every listed validator, and each is the one used for its schema', async () => {
  const schemas: Record<string, object> = { config: configSchema, streamRequest: streamRequestSchema };
  for (const { name } of GENERATED_VALIDATORS.filter((v) => v.name in schemas)) {
    const used = await precompiledValidator(name, schemas[name]!);
    assert.equal(used, (await generated(name)).validate, `${name}: the generated validator is not the one used`);
  }
});

test('a generated validator is not used for a schema other than the one it was made from', async () => {
  // A changed schema (a new required field) with a stale generated file: the change must be enforced.
  const { $id: _id, ...rest } = configSchema; // another $id-less schema: the shared Ajv keeps revcam/config for the next test
  const changed = { ...rest, required: [...rest.required, 'newField'], properties: { ...rest.properties, newField: { type: 'string' } } };
  const used = await precompiledValidator('config', changed);
  assert.notEqual(used, (await generated('config')).validate);
  assert.equal(used(JSON.parse(JSON.stringify(DEFAULT_CONFIG))), false, 'the changed schema requires newField');
});

test('generated and run-time compiled validators agree, errors included', async () => {
  const pre = await precompiledValidator('config', configSchema);
  const compiled = lazyValidator(configSchema, { allErrors: true });
  const good = JSON.parse(JSON.stringify(DEFAULT_CONFIG));
  const bad = { ...good, server: { ...good.server, port: -1, extra: 1 }, log: { level: 'loud' } };
  for (const input of [good, bad]) {
    assert.equal(pre(input), compiled(input));
    assert.deepEqual(pre.errors ?? null, compiled.errors ?? null);
  }
  assert.ok((pre.errors?.length ?? 0) >= 3, 'all errors reported');
});
