/**
 * Config precedence: defaults, then the file, then REVCAM_* environment
 * variables, then explicit overrides (CLI flags). The result is validated
 * against a strict schema and deep-frozen; a bad field fails start-up with
 * its path named.
 */
import { precompiledValidator } from '../schema/precompiled.js';
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { resolve } from 'node:path';
import { DEFAULT_CALIBRATION, DEFAULT_CAMERA, DEFAULT_CAN_MAPPING, DEFAULT_CONFIG, DEFAULT_NATS_TLS, DEFAULT_POLICY, DEFAULT_ROLE, DEFAULT_ROLES, DEFAULT_SERVER_TLS, DEFAULT_SERVICE } from './defaults.js';
import { formatSchemaErrors } from './configErrors.js';
import { calibrationSchema, configSchema } from './schema.js';
import type { RevcamConfig } from './types.js';

/**
 * A config that cannot run. Its message is one line per mistake, each starting `invalid config: ` and naming
 * the field's JSON pointer (src/config/configErrors.ts); `lines` holds them.
 */
export class ConfigError extends Error {
  readonly code = 'CONFIG_INVALID';
  constructor(message: string) {
    super(message);
    this.name = 'ConfigError';
  }

  /** The message's lines, one per mistake. */
  get lines(): string[] {
    return this.message.split('\n');
  }
}

/** One `invalid config: <pointer>: <mistake>` line per mistake. */
function invalidConfig(mistakes: readonly string[]): ConfigError {
  return new ConfigError(mistakes.map((m) => `invalid config: ${m}`).join('\n'));
}

type Plain = Record<string, unknown>;
const isPlain = (x: unknown): x is Plain => typeof x === 'object' && x !== null && !Array.isArray(x);

/** Objects merge key by key; arrays and scalars replace. */
export function deepMerge<T>(base: T, over: unknown): T {
  if (!isPlain(base) || !isPlain(over)) return (over === undefined ? base : over) as T;
  const out: Plain = { ...base };
  // Own keys only, defined rather than assigned: a key named `__proto__` or `constructor` stays a plain
  // (and, to the schema, unknown) field instead of reaching the prototype.
  for (const [k, v] of Object.entries(over)) {
    Object.defineProperty(out, k, { value: Object.hasOwn(base, k) ? deepMerge(base[k], v) : v, enumerable: true, writable: true, configurable: true });
  }
  return out as T;
}

function deepFreeze<T>(x: T): T {
  if (typeof x === 'object' && x !== null) {
    for (const v of Object.values(x)) deepFreeze(v);
    Object.freeze(x);
  }
  return x;
}

/** Generated at build time when it can be (src/schema/precompiled.ts); compiled on first use otherwise. */
const validate = await precompiledValidator<RevcamConfig>('config', configSchema);

export interface LoadConfigOptions {
  /** Path to a .yaml/.yml/.json file. */
  file?: string;
  /** Already-parsed file contents (tests); merged like a file. */
  raw?: unknown;
  env?: NodeJS.ProcessEnv;
  /** CLI flags; `drive` is validated by the schema like any other field. */
  overrides?: { host?: string; port?: number; drive?: string };
}

/** yaml (72 modules) is loaded only for a YAML file, not by every start (docs/performance.md, case 10). */
function parseYaml(text: string): unknown {
  return (createRequire(import.meta.url)('yaml') as typeof import('yaml')).parse(text);
}

function readFile(file: string): unknown {
  let text: string;
  try {
    text = readFileSync(file, 'utf8');
  } catch (err) {
    throw new ConfigError(`cannot read config ${file}: ${(err as Error).message}`);
  }
  try {
    return file.endsWith('.json') ? JSON.parse(text) : parseYaml(text);
  } catch (err) {
    throw new ConfigError(`cannot parse config ${file}: ${(err as Error).message}`);
  }
}

/** Cameras and services in a file are merged over per-entry defaults, so an entry may name only what differs. */
function applyEntryDefaults(file: Plain): Plain {
  const out: Plain = { ...file };
  if (isPlain(file.cameras)) {
    out.cameras = Object.fromEntries(Object.entries(file.cameras).map(([id, cam]) => [id, deepMerge(DEFAULT_CAMERA, cam)]));
  }
  if (Array.isArray(file.services)) out.services = file.services.map((s) => deepMerge(DEFAULT_SERVICE, s));
  // A built-in role named in the file is adjusted field by field; a new role starts from no rights.
  if (isPlain(file.auth) && isPlain(file.auth.roles)) {
    const roles = Object.fromEntries(Object.entries(file.auth.roles).map(([name, r]) => [name, deepMerge(Object.hasOwn(DEFAULT_ROLES, name) ? DEFAULT_ROLES[name] : DEFAULT_ROLE, r)]));
    out.auth = { ...file.auth, roles };
  }
  return out;
}

/** `obj` with `key` replaced by `f(obj[key])`, when obj is an object that has the key; else obj itself. */
function update(obj: unknown, key: string, f: (v: unknown) => unknown): unknown {
  return isPlain(obj) && Object.hasOwn(obj, key) ? { ...obj, [key]: f(obj[key]) } : obj;
}
const mapValues = (f: (v: unknown) => unknown) => (m: unknown) => (isPlain(m) ? Object.fromEntries(Object.entries(m).map(([k, v]) => [k, f(v)])) : m);
const mapItems = (f: (v: unknown) => unknown) => (a: unknown) => (Array.isArray(a) ? a.map(f) : a);
/** An object given where the default is null (or an entry of a list) starts from these defaults; anything else is left to the schema. */
const over = (defaults: object) => (v: unknown) => (isPlain(v) ? { ...v, ...deepMerge(defaults, v) } : v); // the given fields first

/**
 * Objects whose default is null (server.tls, nats.tls, a role's policy, a camera's synthetic.trueMount) and
 * list entries (signals.can.map) are not merged over anything by deepMerge: their optional fields are filled
 * here, after every layer, so a file gives only what it changes.
 */
function fillObjectDefaults(config: unknown): unknown {
  let c = update(config, 'server', (s) => update(s, 'tls', over(DEFAULT_SERVER_TLS)));
  c = update(c, 'nats', (n) => update(n, 'tls', over(DEFAULT_NATS_TLS)));
  c = update(c, 'auth', (a) => update(a, 'roles', mapValues((r) => update(r, 'policy', over(DEFAULT_POLICY)))));
  c = update(c, 'cameras', mapValues((cam) => {
    const calibrated = isPlain(cam) && isPlain(cam.calibration) && isPlain(cam.calibration.mount) ? cam.calibration.mount : {};
    return update(cam, 'synthetic', (s) => update(s, 'trueMount', over(trueMountDefaults(calibrated))));
  }));
  return update(c, 'signals', (s) => update(s, 'can', (can) => update(can, 'map', mapItems(over(DEFAULT_CAN_MAPPING)))));
}

/**
 * The fields a given trueMount leaves out: the camera's calibrated mount's. A calibrated field that is itself
 * wrong (reported there) gives the default's instead, so a mistake is reported once, where it was made.
 */
function trueMountDefaults(calibrated: Plain): Plain {
  const fields = calibrationSchema.properties.mount.properties;
  return Object.fromEntries(
    Object.entries(DEFAULT_CALIBRATION.mount).map(([k, d]) => {
      const v = calibrated[k];
      const range = fields[k as keyof typeof fields];
      return [k, typeof v === 'number' && v >= range.minimum && v <= range.maximum ? v : d];
    }),
  );
}

function fromEnv(env: NodeJS.ProcessEnv): Plain {
  const server: Plain = {};
  if (env.REVCAM_HOST) server.host = env.REVCAM_HOST;
  if (env.REVCAM_PORT) server.port = Number(env.REVCAM_PORT);
  const out: Plain = {};
  if (Object.keys(server).length) out.server = server;
  if (env.REVCAM_LOG_LEVEL) out.log = { level: env.REVCAM_LOG_LEVEL };
  return out;
}

/** The state directory, absolute: config.stateDir resolved from `baseDir` (default: the working directory). Not created here. */
export function stateDirOf(config: Pick<RevcamConfig, 'stateDir'>, baseDir = process.cwd()): string {
  return resolve(baseDir, config.stateDir);
}

export function loadConfig(opts: LoadConfigOptions = {}): Readonly<RevcamConfig> {
  const fileRaw = opts.file !== undefined ? readFile(opts.file) : opts.raw;
  if (fileRaw !== undefined && fileRaw !== null && !isPlain(fileRaw)) throw invalidConfig([`/: expected an object of settings, got ${Array.isArray(fileRaw) ? 'a list' : JSON.stringify(fileRaw)}`]);
  let merged: unknown = structuredClone(DEFAULT_CONFIG);
  if (isPlain(fileRaw)) {
    // A file that lists cameras or services replaces the default lists rather than adding to them.
    const file = applyEntryDefaults(fileRaw);
    if (file.cameras !== undefined) (merged as Plain).cameras = {};
    merged = deepMerge(merged, file);
  }
  // systemd's StateDirectory= (one path, or several joined by ':': the first) is the default a file may replace.
  const stateDirectory = opts.env?.STATE_DIRECTORY?.split(':')[0];
  if (stateDirectory && !(isPlain(fileRaw) && fileRaw.stateDir !== undefined)) merged = deepMerge(merged, { stateDir: stateDirectory });
  merged = deepMerge(merged, fromEnv(opts.env ?? {}));
  const o = opts.overrides ?? {};
  if (o.host !== undefined || o.port !== undefined) {
    merged = deepMerge(merged, { server: { ...(o.host !== undefined && { host: o.host }), ...(o.port !== undefined && { port: o.port }) } });
  }
  if (o.drive !== undefined) merged = deepMerge(merged, { signals: { drive: o.drive } });
  merged = fillObjectDefaults(merged);
  if (!validate(merged)) throw invalidConfig(formatSchemaErrors(validate.errors ?? [], merged, configSchema));
  const config = merged as RevcamConfig;
  const mistakes: string[] = [];
  for (const [i, d] of config.auth.devices.entries()) {
    if (d.token === undefined && d.tokenHash === undefined && d.certCommonName === undefined) {
      mistakes.push(`/auth/devices/${i}: a device needs tokenHash, token or certCommonName`);
    }
    if (d.token !== undefined && d.tokenHash !== undefined) mistakes.push(`/auth/devices/${i}: give tokenHash or token, not both`);
    if (!Object.hasOwn(config.auth.roles, d.role)) {
      mistakes.push(`/auth/devices/${i}/role: no role named ${JSON.stringify(d.role)} (roles: ${Object.keys(config.auth.roles).join(', ')})`);
    }
  }
  if (mistakes.length > 0) throw invalidConfig(mistakes);
  return deepFreeze(config);
}
