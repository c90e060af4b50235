/**
 * The gateway's TLS material, read once at start-up. A file that cannot be
 * read is a ConfigError naming the setting, not a stack trace.
 */
import { readFileSync } from 'node:fs';
import type { ServerOptions } from 'node:https';
import { resolve } from 'node:path';
import { ConfigError } from '../config/loadConfig.js';
import type { TlsConfig } from '../config/types.js';

function readSetting(setting: string, file: string, baseDir: string): Buffer {
  const path = resolve(baseDir, file);
  try {
    return readFileSync(path);
  } catch (err) {
    throw new ConfigError(`server.tls.${setting}: cannot read ${path}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}

/**
 * Options for `https.createServer`. With `requestClientCert` the server asks
 * for a certificate but lets the handshake finish without one
 * (`rejectUnauthorized: false`): a client without a certificate may still
 * present a token, and only `socket.authorized` certificates name a device.
 */
export function tlsServerOptions(tls: Readonly<TlsConfig>, baseDir: string): ServerOptions {
  if (tls.requestClientCert && !tls.caFile) throw new ConfigError('server.tls.requestClientCert needs server.tls.caFile: the CA that signs the client certificates');
  return {
    cert: readSetting('certFile', tls.certFile, baseDir),
    key: readSetting('keyFile', tls.keyFile, baseDir),
    ...(tls.caFile && { ca: readSetting('caFile', tls.caFile, baseDir) }),
    ...(tls.requestClientCert && { requestCert: true, rejectUnauthorized: false }),
    // A client that opens a socket and never finishes the handshake must not hold it for Node's default 120 s.
    handshakeTimeout: 10_000,
  };
}
