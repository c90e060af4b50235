/**
 * Test certificates made with the system's `openssl` CLI in a temporary
 * directory: a CA, a server certificate for 127.0.0.1/localhost signed by it,
 * a client certificate per common name signed by it, and a self-signed
 * ("rogue") client certificate that no CA vouches for.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface CertPair {
  certFile: string;
  keyFile: string;
  cert: Buffer;
  key: Buffer;
}

export interface TestCerts {
  dir: string;
  caFile: string;
  ca: Buffer;
  server: CertPair;
  /** Signed by the CA, with the given common name. */
  client(commonName: string): CertPair;
  /** Self-signed: the same common name, but no CA vouches for it. */
  rogue(commonName: string): CertPair;
  cleanup(): void;
}

function openssl(dir: string, args: string[]): void {
  execFileSync('openssl', args, { cwd: dir, stdio: ['ignore', 'ignore', 'pipe'] });
}

function pair(dir: string, name: string): CertPair {
  const certFile = join(dir, `${name}.crt`);
  const keyFile = join(dir, `${name}.key`);
  return { certFile, keyFile, cert: readFileSync(certFile), key: readFileSync(keyFile) };
}

/** Makes a CA, a server certificate (SAN 127.0.0.1, ::1, localhost) and client certificates on demand. */
export function makeTestCerts(): TestCerts {
  const dir = mkdtempSync(join(tmpdir(), 'revcam-certs-'));
  const key = (name: string) => openssl(dir, ['genpkey', '-algorithm', 'EC', '-pkeyopt', 'ec_paramgen_curve:P-256', '-out', `${name}.key`]);
  key('ca');
  openssl(dir, ['req', '-x509', '-new', '-key', 'ca.key', '-subj', '/CN=revcam test CA', '-days', '2', '-out', 'ca.crt']);
  const signed = (name: string, cn: string, ext: string) => {
    key(name);
    openssl(dir, ['req', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-out', `${name}.csr`]);
    writeFileSync(join(dir, `${name}.ext`), ext);
    openssl(dir, ['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.crt', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', `${name}.ext`, '-out', `${name}.crt`]);
    return pair(dir, name);
  };
  const server = signed('server', 'localhost', 'subjectAltName=IP:127.0.0.1,IP:::1,DNS:localhost\nextendedKeyUsage=serverAuth\n');
  let n = 0;
  return {
    dir,
    caFile: join(dir, 'ca.crt'),
    ca: readFileSync(join(dir, 'ca.crt')),
    server,
    client: (cn) => signed(`client${n++}`, cn, 'extendedKeyUsage=clientAuth\n'),
    rogue(cn) {
      const name = `rogue${n++}`;
      key(name);
      openssl(dir, ['req', '-x509', '-new', '-key', `${name}.key`, '-subj', `/CN=${cn}`, '-days', '2', '-out', `${name}.crt`]);
      return pair(dir, name);
    },
    cleanup: () => rmSync(dir, { recursive: true, force: true }),
  };
}
