/**
 * Validators generated at build time (scripts/buildValidators.mjs, Ajv
 * standalone code): loading one costs a few milliseconds where compiling its
 * schema at start cost ~170 ms of a boot (docs/performance.md, case 10).
 */
import { createHash } from 'node:crypto';
import { pathToFileURL } from 'node:url';
import { compiledFile } from '../app/packageFiles.js';
import { lazyValidator, type LazyValidator } from './lazyValidator.js';

/**
 * The schemas generated at build time: name (the module's file name under
 * dist/src/schema/generated/), where the schema is exported, and whether the
 * validator reports all errors. Ajv's other option is always `strict: true`,
 * as in lazyValidator.ts.
 */
export const GENERATED_VALIDATORS = [
  { name: 'config', module: '../config/schema.js', exportName: 'configSchema', allErrors: true },
  { name: 'streamRequest', module: '../wire/messages.js', exportName: 'streamRequestSchema', allErrors: true },
  { name: 'manifest', module: '../service/manifestSchema.js', exportName: 'manifestSchema', allErrors: true },
] as const;

export type GeneratedName = (typeof GENERATED_VALIDATORS)[number]['name'];

/** A hash of a schema's content: a generated validator is used only for the schema it was made from. */
export function schemaHash(schema: object): string {
  return createHash('sha256').update(JSON.stringify(schema)).digest('hex');
}

/**
 * The validator of `schema` generated at build time under `name`, if its
 * module exists and was made from this very schema; else one compiled on
 * first use (a stale or missing file costs time, never correctness).
 */
export async function precompiledValidator<T>(name: GeneratedName, schema: object): Promise<LazyValidator<T>> {
  const entry = GENERATED_VALIDATORS.find((v) => v.name === name)!;
  try {
    const mod = (await import(pathToFileURL(compiledFile(`schema/generated/${name}.js`)).href)) as { schemaHash?: unknown; validate?: unknown };
    if (mod.schemaHash === schemaHash(schema) && typeof mod.validate === 'function') return mod.validate as LazyValidator<T>;
  } catch {
    // Not generated (tsc alone): compile instead.
  }
  return lazyValidator<T>(schema, { allErrors: entry.allErrors });
}
