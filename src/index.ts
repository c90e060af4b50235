/**
 * revcam's public API: start a server in-process, load a config, and the
 * shared wire format for writing clients. See docs/api.md.
 */
export { startRevcam, type RevcamApp, type StartOptions } from './app/startRevcam.js';
export { loadConfig, ConfigError, type LoadConfigOptions } from './config/loadConfig.js';
export { DEFAULT_CONFIG } from './config/defaults.js';
export type * from './config/types.js';
export { RevcamError, ERROR_CATALOGUE, ERROR_CODES } from './errors/RevcamError.js';
export type { ServiceFactory, ServiceContext, ServiceLogic, ServiceManifest, OpenedCamera } from './service/types.js';
export type { Source, SourceFrame } from './source/Source.js';
export { runProbe, type FrameAge, type ProbeOptions, type ProbeResult } from './cli/probe.js';
export * from './wire/clock.js';
export * from './wire/frame.js';
export * from './wire/messages.js';
export * from './wire/overlay.js';
export * from './wire/signals.js';
