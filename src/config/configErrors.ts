/**
 * A config's schema errors as one line per mistake: the JSON pointer of the field, what was found and
 * what is allowed, e.g.
 *
 *   /server/port: 70000 is not an integer from 0 to 65535
 *   /server/tls/caFile: expected a file path or null, got 42
 *   /cameras/rear/fsp: unknown property (did you mean "fps"?)
 *   /server/tls/certFile: missing; expected a file path
 *
 * Ajv reports every branch of an `anyOf` that failed, then the anyOf itself; those are collapsed into the
 * branch that fits the value's type (an object given to `null | object` gets the object's own errors), or,
 * when no branch or several fit, into one line that lists what each branch allows. A string that may be a
 * secret (a token, a password) is never echoed, only its length.
 */

/** What this file reads of an Ajv error (ErrorObject), so that it loads no Ajv. */
export interface SchemaError {
  instancePath: string;
  schemaPath: string;
  keyword: string;
  params: Record<string, unknown>;
  /** Set by Ajv on errors found while checking `propertyNames`. */
  propertyName?: string;
  message?: string;
}

type Schema = Record<string, unknown>;

/** Fields whose values are never printed (their length is). */
const SECRET_KEYS = new Set(['token', 'pass', 'tokenHash']);

const VALUE_KEYWORDS = new Set(['type', 'minimum', 'maximum', 'exclusiveMinimum', 'exclusiveMaximum', 'multipleOf', 'enum', 'const', 'pattern', 'minLength', 'maxLength', 'format', 'not']);
const COUNT_KEYWORDS = new Set(['minItems', 'maxItems', 'minProperties', 'maxProperties', 'uniqueItems']);

const escapeSegment = (s: string) => s.replace(/~/g, '~0').replace(/\//g, '~1');
const unescapeSegment = (s: string) => s.replace(/~1/g, '/').replace(/~0/g, '~');
const segments = (pointer: string) => (pointer === '' ? [] : pointer.split('/').slice(1).map(unescapeSegment));
const isPlain = (x: unknown): x is Record<string, unknown> => typeof x === 'object' && x !== null && !Array.isArray(x);

/** The value at a JSON pointer ('' is the whole document); undefined when it does not resolve. */
export function valueAt(data: unknown, pointer: string): unknown {
  let v: unknown = data;
  for (const seg of segments(pointer)) {
    if (Array.isArray(v) && /^(0|[1-9]\d*)$/.test(seg)) v = v[Number(seg)];
    else if (isPlain(v) && Object.hasOwn(v, seg)) v = v[seg];
    else return undefined;
  }
  return v;
}

/** The subschema at an Ajv schemaPath (`#/properties/server/…`). */
function schemaAt(root: Schema, schemaPath: string): unknown {
  let s: unknown = root;
  for (const seg of schemaPath.replace(/^#\/?/, '').split('/').filter((x) => x !== '').map(unescapeSegment)) {
    s = Array.isArray(s) ? s[Number(seg)] : isPlain(s) ? s[seg] : undefined;
  }
  return s;
}
const parentPath = (schemaPath: string) => schemaPath.slice(0, schemaPath.lastIndexOf('/'));
const lastSegment = (pointer: string) => unescapeSegment(pointer.slice(pointer.lastIndexOf('/') + 1));

const typeOf = (v: unknown): string => (v === null ? 'null' : Array.isArray(v) ? 'array' : typeof v);

/** Whether `value` is of a type `schema` allows (its range, pattern or fields aside). */
function fits(schema: unknown, value: unknown): boolean {
  if (!isPlain(schema)) return true;
  if (Array.isArray(schema.anyOf) || Array.isArray(schema.oneOf)) return ((schema.anyOf ?? schema.oneOf) as unknown[]).some((b) => fits(b, value));
  if ('const' in schema) return typeOf(schema.const) === typeOf(value);
  if (Array.isArray(schema.enum)) return schema.enum.some((e) => typeOf(e) === typeOf(value));
  const t = schema.type;
  if (typeof t !== 'string') return true;
  return t === 'integer' ? typeof value === 'number' : t === typeOf(value);
}

const plural = (n: number, word: string) => `${n} ${word}${n === 1 ? '' : 's'}`;
const num = (n: number) => String(n);

/** What a schema allows, in words: "an integer from 0 to 65535", "a file path or null", "one of tcp, udp". */
export function describe(schema: unknown): string {
  if (!isPlain(schema)) return 'anything';
  if (typeof schema.description === 'string') return schema.description;
  const branches = (schema.anyOf ?? schema.oneOf) as unknown[] | undefined;
  if (Array.isArray(branches)) {
    // "a file path or null": null last.
    const isNull = (b: unknown) => isPlain(b) && b.type === 'null';
    return [...branches.filter((b) => !isNull(b)), ...branches.filter(isNull)].map(describe).join(' or ');
  }
  if ('const' in schema) return JSON.stringify(schema.const);
  if (Array.isArray(schema.enum)) return schema.enum.length === 1 ? JSON.stringify(schema.enum[0]) : `one of ${schema.enum.map((e) => String(e)).join(', ')}`;
  const min = typeof schema.minimum === 'number' ? schema.minimum : undefined;
  const max = typeof schema.maximum === 'number' && schema.maximum < Number.MAX_SAFE_INTEGER ? schema.maximum : undefined;
  switch (schema.type) {
    case 'integer':
    case 'number': {
      const word = schema.type === 'integer' ? 'an integer' : 'a number';
      if (isPlain(schema.not) && schema.not.const === 0) return `a non-zero number`;
      if (min !== undefined && max !== undefined) return `${word} from ${num(min)} to ${num(max)}`;
      if (min !== undefined) return `${word} of at least ${num(min)}`;
      if (max !== undefined) return `${word} of at most ${num(max)}`;
      return word;
    }
    case 'string': {
      if (typeof schema.pattern === 'string') return `a string matching ${schema.pattern}`;
      const minL = typeof schema.minLength === 'number' ? schema.minLength : 0;
      const maxL = typeof schema.maxLength === 'number' ? schema.maxLength : undefined;
      if (maxL !== undefined) return minL > 1 ? `a string of ${minL} to ${maxL} characters` : `a ${minL === 1 ? 'non-empty ' : ''}string of at most ${plural(maxL, 'character')}`;
      return minL > 1 ? `a string of at least ${minL} characters` : minL === 1 ? 'a non-empty string' : 'a string';
    }
    case 'boolean':
      return 'true or false';
    case 'null':
      return 'null';
    case 'array': {
      const lo = typeof schema.minItems === 'number' ? schema.minItems : 0;
      const hi = typeof schema.maxItems === 'number' ? schema.maxItems : undefined;
      if (hi !== undefined && lo === hi) return `a list of exactly ${plural(lo, 'entry').replace(/entrys$/, 'entries')}`;
      if (hi !== undefined) return lo > 0 ? `a list of ${lo} to ${hi} entries` : `a list of at most ${hi} entries`;
      return lo > 0 ? `a list of at least ${lo === 1 ? '1 entry' : `${lo} entries`}` : 'a list';
    }
    case 'object':
      return typeof schema.minProperties === 'number' && schema.minProperties > 0 ? `an object with at least ${schema.minProperties === 1 ? '1 entry' : `${schema.minProperties} entries`}` : 'an object';
    default:
      return 'a valid value';
  }
}

/** A found value, short: 42, "abc", null, a list, an object; a secret's length only. */
function show(value: unknown, key: string): string {
  if (typeof value === 'string' && SECRET_KEYS.has(key)) return `a secret of ${plural(value.length, 'character')}`;
  if (typeof value === 'string') {
    // A URL's user:password@ is a secret too (nats://user:pw@host): shown as ***@.
    const s = JSON.stringify(value.replace(/\/\/[^/@\s]*@/g, '//***@'));
    return s.length > 60 ? `${s.slice(0, 56)}…"` : s;
  }
  if (Array.isArray(value)) return value.length === 0 ? 'an empty list' : `a list of ${value.length === 1 ? '1 entry' : `${value.length} entries`}`;
  if (isPlain(value)) return Object.keys(value).length === 0 ? 'an empty object' : 'an object';
  if (value === undefined) return 'nothing';
  return String(value);
}

/** "found is not allowed" when the type is right but the value is not; "expected allowed, got found" otherwise. */
function valueLine(pointer: string, schema: unknown, value: unknown): string {
  const found = show(value, lastSegment(pointer));
  return fits(schema, value) ? `${pointer || '/'}: ${found} is not ${describe(schema)}` : `${pointer || '/'}: expected ${describe(schema)}, got ${found}`;
}

/** Edit distance counting a swap of two neighbouring letters as one edit (optimal string alignment). */
function editDistance(a: string, b: string): number {
  const d: number[][] = Array.from({ length: a.length + 1 }, (_, i) => Array.from({ length: b.length + 1 }, (_, j) => (i === 0 ? j : j === 0 ? i : 0)));
  for (let i = 1; i <= a.length; i++) {
    for (let j = 1; j <= b.length; j++) {
      const cost = a[i - 1] === b[j - 1] ? 0 : 1;
      d[i]![j] = Math.min(d[i - 1]![j]! + 1, d[i]![j - 1]! + 1, d[i - 1]![j - 1]! + cost);
      if (i > 1 && j > 1 && a[i - 1] === b[j - 2] && a[i - 2] === b[j - 1]) d[i]![j] = Math.min(d[i]![j]!, d[i - 2]![j - 2]! + 1);
    }
  }
  return d[a.length]![b.length]!;
}

/** The known name closest to a misspelt one, if any is close: "fsp" → "fps", "certfile" → "certFile". */
export function closest(name: string, known: readonly string[]): string | undefined {
  let best: string | undefined;
  let bestD = Infinity;
  for (const k of known) {
    const d = k.toLowerCase() === name.toLowerCase() ? 0 : editDistance(name.toLowerCase(), k.toLowerCase());
    if (d < bestD) [best, bestD] = [k, d];
  }
  return best !== undefined && bestD <= Math.max(1, Math.floor(Math.min(name.length, best.length) / 3)) ? best : undefined;
}

/** Whether error `e` was found inside combinator error `c` (one of its branches, at or below its value). */
const inside = (e: SchemaError, c: SchemaError) =>
  e !== c && e.schemaPath.startsWith(`${c.schemaPath}/`) && (e.instancePath === c.instancePath || e.instancePath.startsWith(`${c.instancePath}/`));

/**
 * One line per mistake for Ajv's `errors` on `data` validated against `schema` (lines without the
 * `invalid config:` prefix). Lines keep the order of the errors.
 */
export function formatSchemaErrors(errors: readonly SchemaError[], data: unknown, schema: object): string[] {
  const lines = new Map<string, string>();
  collect(errors, data, schema as Schema, lines);
  // In the config's order (a missing field just after its object), not the schema's.
  const order = documentOrder(data);
  const rank = (key: string) => {
    for (let p = key.replace(/#.*$/, ''); ; p = p.slice(0, p.lastIndexOf('/'))) {
      const r = order.get(p);
      if (r !== undefined) return r;
      if (p === '') return 0;
    }
  };
  return [...lines.entries()].map(([key, line], i) => ({ line, r: rank(key), i })).sort((a, b) => a.r - b.r || a.i - b.i).map((x) => x.line);
}

/** Every pointer of `data`, numbered depth-first. */
function documentOrder(data: unknown): Map<string, number> {
  const order = new Map<string, number>();
  const walk = (v: unknown, p: string) => {
    order.set(p, order.size);
    if (Array.isArray(v)) v.forEach((x, i) => walk(x, `${p}/${i}`));
    else if (isPlain(v)) for (const [k, x] of Object.entries(v)) walk(x, `${p}/${escapeSegment(k)}`);
  };
  walk(data, '');
  return order;
}

function collect(errors: readonly SchemaError[], data: unknown, root: Schema, lines: Map<string, string>): void {
  const add = (key: string, line: string) => {
    if (!lines.has(key)) lines.set(key, line);
  };
  const combinators = errors.filter((e) => e.keyword === 'anyOf' || e.keyword === 'oneOf');
  const outer = combinators.filter((c) => !combinators.some((d) => inside(c, d)));
  const consumed = new Set<SchemaError>();
  // Errors found while checking property names are reported with their propertyNames error.
  for (const e of errors) if (e.propertyName !== undefined && e.keyword !== 'propertyNames' && e.schemaPath.includes('/propertyNames/')) consumed.add(e);
  for (const c of outer) {
    consumed.add(c);
    const within = errors.filter((e) => inside(e, c));
    for (const e of within) consumed.add(e);
    const branches = schemaAt(root, c.schemaPath);
    const owner = schemaAt(root, parentPath(c.schemaPath));
    const value = valueAt(data, c.instancePath);
    const fitting = Array.isArray(branches) ? branches.flatMap((b, i) => (fits(b, value) ? [i] : [])) : [];
    const only = fitting.length === 1 ? fitting[0]! : -1;
    const branch = only >= 0 && Array.isArray(branches) ? (branches[only] as unknown) : undefined;
    const branchErrors = within.filter((e) => e.schemaPath.startsWith(`${c.schemaPath}/${only}/`));
    if (isPlain(branch) && (branch.type === 'object' || branch.type === 'array') && branchErrors.length > 0) {
      // The value is an object (or list) and only the object branch takes one: its own mistakes, field by field.
      collect(branchErrors, data, root, lines);
    } else {
      add(c.instancePath, valueLine(c.instancePath, owner, value));
    }
  }
  for (const e of errors) {
    if (consumed.has(e)) continue;
    const at = e.instancePath;
    const owner = schemaAt(root, parentPath(e.schemaPath));
    if (e.keyword === 'required') {
      const missing = String(e.params.missingProperty);
      const pointer = `${at}/${escapeSegment(missing)}`;
      const props = isPlain(owner) && isPlain(owner.properties) ? owner.properties : {};
      add(pointer, `${pointer}: missing; expected ${describe(props[missing])}`);
    } else if (e.keyword === 'additionalProperties') {
      const unknown = String(e.params.additionalProperty);
      const pointer = `${at}/${escapeSegment(unknown)}`;
      const known = isPlain(owner) && isPlain(owner.properties) ? Object.keys(owner.properties) : [];
      const guess = closest(unknown, known);
      add(pointer, `${pointer}: unknown property ${guess !== undefined ? `(did you mean "${guess}"?)` : `(known: ${known.join(', ')})`}`);
    } else if (e.keyword === 'propertyNames') {
      const name = String(e.params.propertyName ?? e.propertyName);
      const pointer = `${at}/${escapeSegment(name)}`;
      const names = isPlain(owner) ? owner.propertyNames : undefined;
      add(pointer, `${pointer}: ${JSON.stringify(name)} is not a valid name; expected ${describe(names)}`);
    } else if (COUNT_KEYWORDS.has(e.keyword)) {
      add(`${at}#count`, `${at || '/'}: expected ${describe(owner)}, got ${show(valueAt(data, at), lastSegment(at))}`);
    } else if (VALUE_KEYWORDS.has(e.keyword)) {
      add(at, valueLine(at, owner, valueAt(data, at)));
    } else {
      add(`${at}#${e.keyword}`, `${at || '/'}: ${e.message ?? e.keyword}`);
    }
  }
}
