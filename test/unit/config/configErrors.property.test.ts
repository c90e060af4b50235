/**
 * Property: for 10,000 broken configs (the default config, with one to five fields broken: a wrong type,
 * out of range, a wrong enum value, an unknown or misspelt property, a bad nested object, null where an
 * object is required, a missing required field, a bad name), loadConfig answers with exactly one line per
 * mistake, each naming that mistake's JSON pointer, which resolves in the input (or, for a missing field,
 * its parent does). A secret's value is never echoed.
 */
import { test } from 'node:test';
import assert from 'node:assert/strict';
import fc from 'fast-check';
import { DEFAULT_CONFIG } from '../../../src/config/defaults.js';
import { ConfigError, loadConfig } from '../../../src/config/loadConfig.js';
import { configSchema } from '../../../src/config/schema.js';
import { valueAt } from '../../../src/config/configErrors.js';

type Json = null | boolean | number | string | Json[] | { [k: string]: Json };
type Schema = Record<string, unknown>;
const isPlain = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);
const typeOf = (v: unknown) => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);
const SECRET = 'sekrit-token-0123456789';

/** The default config, plus one device (so a device's fields, its secret token among them, are broken too). */
function base(): { [k: string]: Json } {
  // Through JSON, not structuredClone: that keeps the defaults' shared objects (the cameras' `k`) shared.
  const c = JSON.parse(JSON.stringify(DEFAULT_CONFIG)) as { [k: string]: Json };
  (c.auth as { [k: string]: Json }).devices = [{ id: 'hu', role: 'head-unit', token: SECRET }];
  return c;
}

/** The JSON types a schema allows ('number' for integers). */
function allowedTypes(s: Schema): Set<string> {
  const branches = (s.anyOf ?? s.oneOf) as Schema[] | undefined;
  if (branches) return new Set(branches.flatMap((b) => [...allowedTypes(b)]));
  if ('const' in s) return new Set([typeOf(s.const)]);
  if (Array.isArray(s.enum)) return new Set(s.enum.map(typeOf));
  if (typeof s.type === 'string') return new Set([s.type === 'integer' ? 'number' : s.type]);
  return new Set(['null', 'boolean', 'number', 'string', 'array', 'object']);
}

/** The branch of an anyOf that holds `value` (to walk into an object given where null is allowed). */
function branchFor(s: Schema, value: unknown): Schema {
  const branches = s.anyOf as Schema[] | undefined;
  return branches ? (branches.find((b) => allowedTypes(b).has(typeOf(value))) ?? s) : s;
}

interface Node {
  pointer: string;
  value: Json;
  schema: Schema;
}

function nodes(value: Json, schema: Schema, pointer = '', out: Node[] = []): Node[] {
  if (pointer !== '') out.push({ pointer, value, schema });
  const s = branchFor(schema, value);
  if (Array.isArray(value) && isPlain(s.items)) value.forEach((v, i) => nodes(v, s.items as Schema, `${pointer}/${i}`, out));
  else if (isPlain(value)) {
    for (const [k, v] of Object.entries(value)) {
      const child = (isPlain(s.properties) && (s.properties[k] as Schema | undefined)) || (isPlain(s.additionalProperties) ? s.additionalProperties : undefined);
      if (child) nodes(v, child, `${pointer}/${k}`, out);
    }
  }
  return out;
}

const ALL_KINDS: Json[] = [42, 'oops', true, null, ['x'], {}];

interface Mistake {
  /** The pointer the error line must name. */
  pointer: string;
  kind: string;
  apply(config: { [k: string]: Json }): void;
}

function set(config: Json, pointer: string, value: Json | undefined): void {
  const segs = pointer.split('/').slice(1);
  const last = segs.pop()!;
  const parent = valueAt(config, segs.length ? `/${segs.join('/')}` : '') as Record<string, Json> | Json[];
  if (value === undefined) delete (parent as Record<string, Json>)[last];
  else (parent as Record<string, Json>)[last] = value;
}

/** Every way to break one node (each a single mistake). */
function mistakesAt(node: Node): Mistake[] {
  const { pointer, value, schema } = node;
  const s = branchFor(schema, value);
  const out: Mistake[] = [];
  const replace = (kind: string, v: Json, at = pointer) => out.push({ pointer: at, kind, apply: (c) => set(c, pointer, v) });
  const allowed = allowedTypes(schema);
  for (const v of ALL_KINDS) if (!allowed.has(typeOf(v))) replace(`wrong type ${typeOf(v)}`, v);
  if (typeof value === 'number') {
    if (typeof s.maximum === 'number' && s.maximum < Number.MAX_SAFE_INTEGER) replace('above maximum', s.maximum + 1);
    if (typeof s.minimum === 'number') replace('below minimum', s.minimum - 1);
    if (s.type === 'integer') replace('not an integer', value + 0.5);
    if (isPlain(s.not) && s.not.const === 0) replace('zero', 0);
  }
  if (typeof value === 'string') {
    if (Array.isArray(s.enum)) replace('wrong enum', 'no-such-value');
    if (typeof s.pattern === 'string' && !new RegExp(s.pattern).test('Not Valid!')) replace('pattern', 'Not Valid!');
    if (typeof s.minLength === 'number' && s.minLength > 0) replace('too short', '');
    if (typeof s.maxLength === 'number') replace('too long', 'x'.repeat(s.maxLength + 1));
  }
  if (Array.isArray(value)) {
    if (typeof s.minItems === 'number' && s.minItems > 0) replace('too few items', value.slice(0, s.minItems - 1));
    if (typeof s.maxItems === 'number' && s.maxItems < 10) replace('too many items', [...value, ...value, ...value]);
  }
  if (isPlain(value) && s.additionalProperties === false && isPlain(s.properties)) {
    const known = Object.keys(s.properties);
    const first = known[0]!;
    // A misspelling of a known field (two letters swapped, or a letter doubled), or a made-up one.
    const typo = first.length > 2 ? first[1]! + first[0]! + first.slice(2) : `${first}${first}`;
    for (const extra of [typo, 'zzUnknownSetting']) if (!known.includes(extra)) out.push({ pointer: `${pointer}/${extra}`, kind: 'unknown property', apply: (c) => set(c, `${pointer}/${extra}`, 1) });
  }
  if (isPlain(value) && isPlain(s.propertyNames)) out.push({ pointer: `${pointer}/Bad_Name`, kind: 'bad name', apply: (c) => set(c, `${pointer}/Bad_Name`, {}) });
  if (isPlain(value) && typeof s.minProperties === 'number' && s.minProperties > 0) replace('empty object', {});
  // A required field of an entry that is not merged over defaults (a service's manifest, a device's id, a CAN mapping's signal).
  if (isPlain(value) && /\/(services|devices|map)\/\d+$/.test(pointer) && Array.isArray(s.required)) {
    const field = (s.required as string[]).find((r) => ['manifest', 'id', 'signal'].includes(r));
    if (field) out.push({ pointer: `${pointer}/${field}`, kind: 'missing', apply: (c) => set(c, `${pointer}/${field}`, undefined) });
  }
  // An object given where the default is null, with one bad field: the object branch's own error, not the anyOf.
  if (value === null && allowed.has('object')) {
    const nested: Record<string, [string, Json]> = {
      tls: pointer.startsWith('/server') ? ['keyFile', 42] : ['caFile', 42],
      policy: ['parked', 'yes'],
      trueMount: ['pitchDeg', 100],
    };
    const [field, bad] = nested[pointer.slice(pointer.lastIndexOf('/') + 1)] ?? ['x', 1];
    const obj: { [k: string]: Json } = pointer.startsWith('/server') ? { certFile: 'cert.pem', keyFile: 'key.pem' } : {};
    obj[field] = bad;
    out.push({ pointer: `${pointer}/${field}`, kind: 'bad nested object', apply: (c) => set(c, pointer, obj) });
  }
  return out;
}

const BASE = base();
const NODES = nodes(BASE, configSchema as unknown as Schema);
const CANDIDATES = NODES.flatMap(mistakesAt);

const overlaps = (a: string, b: string) => a === b || a.startsWith(`${b}/`) || b.startsWith(`${a}/`);

test('the generator covers every kind of mistake', () => {
  const kinds = new Set(CANDIDATES.map((m) => m.kind.replace(/^wrong type .*/, 'wrong type')));
  for (const k of ['wrong type', 'above maximum', 'below minimum', 'not an integer', 'zero', 'wrong enum', 'pattern', 'too short', 'too long', 'too few items', 'unknown property', 'bad name', 'empty object', 'missing', 'bad nested object']) {
    assert.ok(kinds.has(k), `no mistake of kind ${k}`);
  }
  assert.ok(CANDIDATES.some((m) => m.kind === 'wrong type null' && /^\/server$|^\/cameras\/rear\/calibration$/.test(m.pointer)), 'null where an object is required');
  assert.ok(CANDIDATES.length > 500, `${CANDIDATES.length} candidate mistakes`);
});

test('10,000 broken configs: one line per mistake, each naming a field of the input', () => {
  const mistakesArb = fc
    .array(fc.nat({ max: CANDIDATES.length - 1 }), { minLength: 1, maxLength: 5 })
    .map((picks) => {
      const chosen: Mistake[] = [];
      for (const i of picks) {
        const m = CANDIDATES[i]!;
        // Mistakes in separate places: one inside another would be hidden by it.
        if (!chosen.some((c) => overlaps(c.pointer, m.pointer))) chosen.push(m);
      }
      return chosen;
    });
  fc.assert(
    fc.property(mistakesArb, (mistakes) => {
      const input = structuredClone(BASE);
      for (const m of mistakes) m.apply(input);
      let err: unknown;
      try {
        loadConfig({ raw: input });
      } catch (e) {
        err = e;
      }
      const what = mistakes.map((m) => `${m.pointer} (${m.kind})`).join(', ');
      assert.ok(err instanceof ConfigError, `accepted a config broken at ${what}`);
      const lines = err.message.split('\n');
      assert.equal(lines.length, mistakes.length, `${what}:\n${err.message}`);
      for (const line of lines) {
        const m = /^invalid config: (\/[^:]*): \S/.exec(line);
        assert.ok(m, `not "invalid config: <pointer>: …": ${line}`);
        const pointer = m[1]!;
        const parent = pointer.replace(/\/[^/]*$/, '');
        const resolves = valueAt(input, pointer) !== undefined || (/: missing; /.test(line) && valueAt(input, parent) !== undefined);
        assert.ok(resolves, `${line}: names no field of the input`);
        assert.doesNotMatch(line, /anyOf|must match a schema/, line);
        assert.ok(!line.includes(SECRET.slice(0, 12)), `a secret echoed: ${line}`);
      }
      for (const m of mistakes) {
        assert.equal(lines.filter((l) => l.startsWith(`invalid config: ${m.pointer}: `)).length, 1, `${m.pointer} (${m.kind}) not named once:\n${err.message}`);
      }
    }),
    { numRuns: 10_000, includeErrorInReport: true },
  );
});
