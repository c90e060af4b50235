/**
 * JSON-schema validators compiled on first use, by one shared Ajv per option
 * set. Compiling at module load (one Ajv each, each compiling the JSON-schema
 * meta-schema again) made ajv the largest part of `revcam serve`'s start:
 * ~40 % of loading its module graph (docs/performance.md, case 10). Now a
 * validator costs nothing until a message of its kind arrives, and the
 * meta-schema is compiled once per option set.
 */
import { createRequire } from 'node:module';
import type { Ajv, ErrorObject, Options } from 'ajv';

type AjvClass = typeof Ajv;
type AjvInstance = Ajv;
/**
 * Ajv itself (63 modules) is loaded with the first compile, not at start: the
 * boot path's validators are generated at build time (precompiled.ts).
 */
let AjvCtor: AjvClass | undefined;
const loadAjv = (): AjvClass => {
  if (!AjvCtor) {
    AjvCtor = (createRequire(import.meta.url)('ajv') as { Ajv: AjvClass }).Ajv;
  }
  return AjvCtor;
};

const instances = new Map<string, AjvInstance>();

function ajvFor(allErrors: boolean): AjvInstance {
  const key = String(allErrors);
  let ajv = instances.get(key);
  if (!ajv) {
    const opts: Options = { allErrors, strict: true };
    ajv = new (loadAjv())(opts);
    instances.set(key, ajv);
  }
  return ajv;
}

export interface LazyValidator<T> {
  (data: unknown): data is T;
  /** The errors of the last call that failed, as Ajv reports them. */
  errors: ErrorObject[] | null | undefined;
}

/** A validator of `schema`, compiled (strict mode) the first time it is called. */
export function lazyValidator<T>(schema: object, opts: { allErrors: boolean }): LazyValidator<T> {
  let compiled: ((data: unknown) => boolean) & { errors?: ErrorObject[] | null | undefined } | undefined;
  const f = ((data: unknown): data is T => {
    compiled ??= ajvFor(opts.allErrors).compile(schema);
    const ok = compiled(data);
    f.errors = compiled.errors;
    return ok;
  }) as LazyValidator<T>;
  f.errors = null;
  return f;
}
