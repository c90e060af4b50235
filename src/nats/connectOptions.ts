/**
 * The NATS connection's credentials and TLS, from the config's `nats` section
 * (docs/distributed.md "Credentials and TLS"). Secrets come from config or
 * files, never from a URL: a URL is printed and logged, a config is not.
 */
import { readFileSync } from 'node:fs';
import { credsAuthenticator, nkeyAuthenticator, type ConnectionOptions } from '@nats-io/transport-node';
import { ConfigError } from '../config/loadConfig.js';
import type { NatsConfig } from '../config/types.js';

export type NatsAuthOptions = Pick<ConnectionOptions, 'user' | 'pass' | 'token' | 'authenticator' | 'tls'>;

/** The connect() options for `config`; a bad combination or an unreadable file is a ConfigError. */
export function natsAuthOptions(config: NatsConfig): NatsAuthOptions {
  const ways = [
    (config.user !== null || config.pass !== null) && 'user/pass',
    config.token !== null && 'token',
    config.nkeySeedFile !== null && 'nkeySeedFile',
    config.credsFile !== null && 'credsFile',
  ].filter((w): w is string => w !== false);
  if (ways.length > 1) throw new ConfigError(`invalid config: /nats: give one way to authenticate, not ${ways.join(' and ')}`);
  if ((config.user === null) !== (config.pass === null)) throw new ConfigError('invalid config: /nats: user and pass go together');
  const out: NatsAuthOptions = {};
  if (config.user !== null && config.pass !== null) {
    out.user = config.user;
    out.pass = config.pass;
  }
  if (config.token !== null) out.token = config.token;
  if (config.nkeySeedFile !== null) {
    out.authenticator = nkeyAuthenticator(new TextEncoder().encode(readSecret(config.nkeySeedFile, 'nkeySeedFile').toString('utf8').trim()));
  }
  if (config.credsFile !== null) out.authenticator = credsAuthenticator(new Uint8Array(readSecret(config.credsFile, 'credsFile')));
  if (config.tls !== null) {
    const { caFile, certFile, keyFile } = config.tls;
    if ((certFile === null) !== (keyFile === null)) throw new ConfigError('invalid config: /nats/tls: certFile and keyFile go together');
    for (const [field, file] of Object.entries({ caFile, certFile, keyFile })) if (file !== null) readSecret(file, `tls.${field}`);
    // An empty object still means "TLS required" to the client.
    out.tls = { ...(caFile !== null && { caFile }), ...(certFile !== null && { certFile }), ...(keyFile !== null && { keyFile }) };
  }
  return out;
}

/** Reads a credential file now, so a wrong path is one clear line at start, not a failure at connect. */
function readSecret(file: string, field: string): Buffer {
  try {
    return readFileSync(file);
  } catch (err) {
    throw new ConfigError(`invalid config: /nats/${field}: cannot read ${file}: ${(err as NodeJS.ErrnoException).code ?? (err as Error).message}`);
  }
}
