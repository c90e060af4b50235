/**
 * Live reload (docs/deploy.md, "Live reload"): re-reads the config the process was started with,
 * and applies it whole or not at all. Everything that can fail is done first, before anything changes:
 * the file is loaded and validated (one line per mistake, as at start-up), the TLS files are read and
 * matched, the service manifests are loaded. Only then are the parts applied, one after the other with
 * no wait in between, through narrow methods of the running objects: DeviceAuth.replace,
 * Gateway.reconfigure, StreamHub.useConfig / dropCameras / retireEndpoint, ServiceHost.add / remove,
 * ServiceInstance.reconfigure. A viewer is ended only when a change concerns it (viewerReasons.ts);
 * what a running process cannot take is named in the answer as restart-only.
 */
import { isDeepStrictEqual } from 'node:util';
import { createSecureContext, type SecureContextOptions } from 'node:tls';
import type { Calibrator } from '../../calibration/Calibrator.js';
import { ConfigError } from '../../config/loadConfig.js';
import type { RevcamConfig } from '../../config/types.js';
import { DeviceAuth } from '../../device/DeviceAuth.js';
import type { PolicyWatch } from '../../device/policyWatch.js';
import { RevcamError } from '../../errors/RevcamError.js';
import { checkBindSafety } from '../../gateway/bindSafety.js';
import type { Gateway } from '../../gateway/Gateway.js';
import { OriginPolicy } from '../../gateway/origin.js';
import { tlsServerOptions } from '../../gateway/tlsOptions.js';
import { ServiceHost, type InstanceSpec } from '../../host/ServiceHost.js';
import type { Logger } from '../../log/logger.js';
import type { StreamHub } from '../../stream/StreamHub.js';
import type { OverlayTaps } from '../../transport/overlayTap.js';
import { planReload, type ReloadPlan } from './reloadPlan.js';
import { reloadedViewerReason } from './viewerReasons.js';

/** The TLS material in force: a rotation keeps the file names, so the contents are compared. */
type TlsMaterial = Pick<SecureContextOptions, 'cert' | 'key' | 'ca'>;

export interface ConfigReloaderOptions {
  /** The config in force now. */
  running: Readonly<RevcamConfig>;
  /** Reads and validates the config again (revcam serve: its --config file, the REVCAM_* variables and its flags); throws ConfigError. */
  load: () => Readonly<RevcamConfig>;
  /** Where relative paths (TLS files, manifests) are resolved from. */
  baseDir: string;
  /** The TLS material the listener was started with (none: plain HTTP). */
  tls?: TlsMaterial | undefined;
  auth: DeviceAuth;
  gateway: Pick<Gateway, 'reconfigure'>;
  hub: StreamHub;
  host: ServiceHost;
  overlayTaps: Pick<OverlayTaps, 'endViewers' | 'useStreamSettings'>;
  policyWatch: Pick<PolicyWatch, 'rolesChanged'>;
  calibrator: Pick<Calibrator, 'useCameras'>;
  /** Body timeouts of the HTTP endpoints that read one (limits.bodyTimeoutMs). */
  setBodyTimeoutMs: (ms: number) => void;
  log: Logger;
}

/** What a reload did (or, for a dry run, would do). */
export interface ReloadResult {
  /** False for a dry run: nothing was changed. */
  applied: boolean;
  /** One line per change that took effect (or would). */
  live: string[];
  /** One line per changed setting that waits for a restart. */
  restartOnly: string[];
  /** Viewers ended because the change concerned them (a device revoked, a camera removed, …). */
  viewersEnded: number;
}

/** What happens to each service instance. */
interface ServicePlan {
  add: InstanceSpec[];
  /** Instances no longer configured, or replaced by another manifest under the same id. */
  remove: string[];
  /** Kept instances whose settings, cameras or vehicle changed; `dropped`: its cameras that are gone. */
  reconfigure: { spec: InstanceSpec; dropped: string[] }[];
  lines: string[];
  restartOnly: string[];
}

/** A new config, checked and ready to apply. */
interface Prepared {
  next: Readonly<RevcamConfig>;
  plan: ReloadPlan;
  services: ServicePlan;
  /** New TLS material; undefined when the files hold what is in force. */
  tls: TlsMaterial | undefined;
}

/** A refusal: the mistakes as ConfigError lines; anything else is a bug and goes on as is. */
function asConfigError(err: unknown): ConfigError {
  if (err instanceof ConfigError) return err;
  if (err instanceof TypeError || (err as { code?: unknown }).code === 'MANIFEST_INVALID') return new ConfigError((err as Error).message);
  throw err;
}

export class ConfigReloader {
  #opts: ConfigReloaderOptions;
  #running: Readonly<RevcamConfig>;
  #tls: TlsMaterial | undefined;
  /** Reloads run one after the other: a SIGHUP during an API reload waits for it. */
  #queue: Promise<unknown> = Promise.resolve();

  constructor(opts: ConfigReloaderOptions) {
    this.#opts = opts;
    this.#running = opts.running;
    this.#tls = opts.tls;
  }

  /** The config in force. */
  get config(): Readonly<RevcamConfig> {
    return this.#running;
  }

  /**
   * Re-reads the config and applies it whole; `dryRun` says what would change and changes nothing.
   * Rejects with a ConfigError (one line per mistake) when the new config cannot run: then nothing changed.
   */
  reload(opts: { dryRun?: boolean; trigger?: string } = {}): Promise<ReloadResult> {
    const run = this.#queue.then(() => this.#reload(opts.dryRun ?? false, opts.trigger ?? 'api'));
    this.#queue = run.catch(() => undefined);
    return run;
  }

  async #reload(dryRun: boolean, trigger: string): Promise<ReloadResult> {
    const { log } = this.#opts;
    let prepared: Prepared;
    try {
      prepared = await this.#prepare();
    } catch (err) {
      const e = asConfigError(err);
      log.error({ trigger, mistakes: e.lines }, 'config reload refused; the running config is unchanged');
      throw e;
    }
    const { next, plan, services, tls } = prepared;
    const live = [...plan.live, ...services.lines, ...(tls ? ['server.tls: certificate and key re-read; new connections get them'] : [])];
    const restartOnly = [...plan.restartOnly, ...services.restartOnly];
    if (dryRun) return { applied: false, live, restartOnly, viewersEnded: 0 };
    const viewersEnded = this.#apply(next, plan, services, tls);
    log.info({ trigger, live, restartOnly, viewersEnded }, live.length + restartOnly.length === 0 ? 'config reloaded: nothing changed' : 'config reloaded');
    return { applied: true, live, restartOnly, viewersEnded };
  }

  /** Everything that can fail, with nothing changed yet. */
  async #prepare(): Promise<Prepared> {
    const running = this.#running;
    const next = this.#opts.load();
    // The listener stays where it is, so the new devices must do for it; and the file must start as it is too.
    checkBindSafety({ server: { ...next.server, host: running.server.host }, auth: next.auth });
    checkBindSafety(next);
    new OriginPolicy(next.server.allowedOrigins, false);
    new DeviceAuth(next.auth, { trustProxy: next.server.trustProxy }); // a bad tokenHash or proxy entry throws here
    const plan = planReload(running, next);
    const tls = plan.tls && next.server.tls ? this.#newTls(next.server.tls) : undefined;
    const services = plan.services ? await this.#planServices(next) : { add: [], remove: [], reconfigure: [], lines: [], restartOnly: [] };
    return { next, plan, services, tls };
  }

  /** The TLS files re-read; undefined when they are what is in force. */
  #newTls(config: NonNullable<RevcamConfig['server']['tls']>): TlsMaterial | undefined {
    const { cert, key, ca } = tlsServerOptions(config, this.#opts.baseDir);
    const material: TlsMaterial = { cert, key, ...(ca !== undefined && { ca }) };
    if (isDeepStrictEqual(material, this.#tls)) return undefined;
    try {
      createSecureContext(material);
    } catch (err) {
      throw new ConfigError(`server.tls: the certificate and key cannot be used together: ${(err as Error).message}`);
    }
    return material;
  }

  async #planServices(next: Readonly<RevcamConfig>): Promise<ServicePlan> {
    const { host, log } = this.#opts;
    const specs = await ServiceHost.specs(next, log, this.#opts.baseDir);
    const out: ServicePlan = { add: [], remove: [], reconfigure: [], lines: [], restartOnly: [] };
    // A viewer service (the recorder) is fed its recorded streams by the app's wiring at start: adding or removing one waits for a restart.
    const viewerService = (records: readonly string[] | undefined) => (records?.length ?? 0) > 0;
    const wanted = new Map(specs.map((s) => [s.id, s]));
    for (const instance of host.instances()) {
      const spec = wanted.get(instance.id);
      const same = spec && isDeepStrictEqual(spec.manifest, instance.manifest);
      if (same) continue;
      if (viewerService(instance.manifest.records) || (spec && viewerService(spec.manifest.records))) {
        out.restartOnly.push(`services: ${instance.id} ${spec ? 'replaced' : 'removed'} (restart to apply)`);
        wanted.delete(instance.id);
        continue;
      }
      out.remove.push(instance.id);
      out.lines.push(`services: ${instance.id} ${spec ? 'replaced' : 'removed'}`);
      if (spec) {
        out.add.push(spec);
        wanted.delete(instance.id);
      }
    }
    for (const spec of wanted.values()) {
      const instance = host.get(spec.id);
      if (!instance) {
        if (viewerService(spec.manifest.records)) out.restartOnly.push(`services: ${spec.id} added (restart to apply)`);
        else {
          out.add.push(spec);
          out.lines.push(`services: ${spec.id} added`);
        }
        continue;
      }
      const had = ServiceHost.camerasOf(instance.manifest, this.#running);
      if (isDeepStrictEqual(had, spec.cameras) && isDeepStrictEqual(instance.config, spec.service) && isDeepStrictEqual(this.#running.vehicle, next.vehicle)) continue;
      const dropped = Object.keys(instance.cameraInfo).filter((c) => !Object.hasOwn(spec.cameras, c));
      out.reconfigure.push({ spec, dropped });
      if (!isDeepStrictEqual(instance.config, spec.service)) out.lines.push(`services: ${spec.id} settings changed`);
    }
    return out;
  }

  /** Applies a prepared config, part by part with no wait in between; returns how many viewers ended. */
  #apply(next: Readonly<RevcamConfig>, plan: ReloadPlan, services: ServicePlan, tls: TlsMaterial | undefined): number {
    const { auth, gateway, hub, host, overlayTaps, policyWatch, calibrator, log } = this.#opts;
    const before = this.#running;
    let ended = 0;
    hub.useConfig(next);
    host.useConfig(next);
    if (plan.auth) {
      auth.replace(next.auth, next.server.trustProxy);
      const reasonFor = reloadedViewerReason(before.auth, next.auth, auth);
      ended += hub.endViewers(reasonFor) + overlayTaps.endViewers(reasonFor);
      policyWatch.rolesChanged();
    }
    gateway.reconfigure({
      ...(plan.origins && { allowedOrigins: next.server.allowedOrigins }),
      ...(plan.limits && { limits: next.limits }),
      ...(plan.display && { display: next.display }),
      ...(tls && { tls }),
    });
    if (tls) this.#tls = tls;
    if (plan.limits) this.#opts.setBodyTimeoutMs(next.limits.bodyTimeoutMs);
    if (plan.stream) overlayTaps.useStreamSettings(next.stream.viewerQueueFrames, next.stream.viewerMaxBufferedBytes);
    if (plan.log) log.level = next.log.level;
    if (plan.services) {
      calibrator.useCameras(next.cameras);
      for (const id of services.remove) {
        ended += hub.retireEndpoint(id, new RevcamError('SERVICE_NOT_FOUND', `service ${id} was removed from the config (config reloaded)`));
        void host.remove(id).catch((err: unknown) => log.error({ err, service: id }, 'removed service did not stop cleanly'));
      }
      for (const { spec, dropped } of services.reconfigure) {
        const instance = host.get(spec.id);
        if (!instance) continue;
        // Closed before the child is told its new cameras, so it never holds a camera it no longer knows.
        if (dropped.length > 0) ended += hub.dropCameras(spec.id, dropped, new RevcamError('CAMERA_NOT_AVAILABLE', `camera ${dropped.join(', ')} of service ${spec.id} was removed from the config (config reloaded)`));
        const wasCold = instance.config.standby === 'cold';
        instance.reconfigure({ service: spec.service, cameras: spec.cameras, vehicle: next.vehicle });
        hub.refreshEndpoint(instance);
        if (wasCold && spec.service.standby !== 'cold') void hub.warm(instance);
      }
      for (const spec of services.add) {
        const instance = host.add(spec);
        hub.addEndpoint(instance);
        void hub.warm(instance);
      }
    }
    this.#running = next;
    return ended;
  }
}
