/**
 * Safe by default off loopback: revcam refuses to listen beyond this machine
 * while no device can prove who it is, because then only the anonymous
 * loopback demo or nobody could use it — or, with a mistake elsewhere,
 * anybody on the vehicle network could.
 */
import { isIP } from 'node:net';
import { ConfigError } from '../config/loadConfig.js';
import type { RevcamConfig } from '../config/types.js';

/** `127.0.0.0/8`, `::1`, `localhost`: nothing off this machine can connect. */
export function isLoopbackHost(host: string): boolean {
  const h = host.replace(/^\[|\]$/g, '').toLowerCase();
  if (h === 'localhost' || h === '::1' || h === '::ffff:127.0.0.1') return true;
  return isIP(h) === 4 && h.startsWith('127.');
}

/** Devices that can authenticate: a token, a token hash, or a certificate name the server will ask for. */
export function credentialedDevices(config: Pick<Readonly<RevcamConfig>, 'server' | 'auth'>): number {
  const mtls = config.server.tls?.requestClientCert === true;
  return config.auth.devices.filter((d) => Boolean(d.token) || Boolean(d.tokenHash) || (mtls && Boolean(d.certCommonName))).length;
}

/** Throws a one-line ConfigError when a non-loopback bind has no device credential configured. */
export function checkBindSafety(config: Pick<Readonly<RevcamConfig>, 'server' | 'auth'>): void {
  const { host } = config.server;
  if (isLoopbackHost(host) || credentialedDevices(config) > 0) return;
  throw new ConfigError(
    `server.host is ${host}, reachable from other machines, but auth.devices has no device credential: add a device with a tokenHash (revcam token --device ID --role ROLE) or certCommonName to auth.devices, or set server.host to 127.0.0.1`,
  );
}
