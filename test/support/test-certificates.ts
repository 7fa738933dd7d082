/**
 * Certificates made at test time with the system's openssl (no key is ever committed): a throwaway CA and
 * leaf certificates it signs for `localhost` and `127.0.0.1`. A test trusts the CA (`ca` of https/ws
 * options), so the server's certificate is really verified, as a client with that CA installed would.
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';

export interface TestCa {
  readonly dir: string;
  /** The CA certificate (PEM), for `ca` options. */
  readonly caPem: string;
  /** A new key and leaf certificate signed by the CA, written as `<name>.key` and `<name>.pem`. */
  issue(name: string, cn?: string): { certFile: string; keyFile: string };
  /** The SHA-256 fingerprint of a certificate file, in the form Node's peer certificates report it. */
  fingerprint(certFile: string): string;
  remove(): void;
}

const OPENSSL = '/usr/bin/openssl';
const EC = ['-newkey', 'ec', '-pkeyopt', 'ec_paramgen_curve:prime256v1', '-nodes'];

function openssl(args: string[], cwd: string): string {
  return execFileSync(OPENSSL, args, { cwd, stdio: ['ignore', 'pipe', 'pipe'] }).toString();
}

export function createTestCa(): TestCa {
  const dir = mkdtempSync(join(tmpdir(), 'cairn-tls-'));
  openssl(['req', '-x509', ...EC, '-keyout', 'ca.key', '-out', 'ca.pem', '-days', '2', '-subj', '/CN=Cairn test CA'], dir);
  writeFileSync(join(dir, 'leaf.ext'), 'subjectAltName=DNS:localhost,IP:127.0.0.1\nextendedKeyUsage=serverAuth\n');
  return {
    dir,
    caPem: readFileSync(join(dir, 'ca.pem'), 'utf8'),
    issue(name, cn = 'localhost') {
      const keyFile = join(dir, `${name}.key`);
      const certFile = join(dir, `${name}.pem`);
      openssl(['req', ...EC, '-keyout', keyFile, '-out', `${name}.csr`, '-subj', `/CN=${cn}`], dir);
      openssl(['x509', '-req', '-in', `${name}.csr`, '-CA', 'ca.pem', '-CAkey', 'ca.key', '-CAcreateserial', '-days', '2', '-extfile', 'leaf.ext', '-out', certFile], dir);
      return { certFile, keyFile };
    },
    fingerprint(certFile) {
      return /=([0-9A-F:]+)/.exec(openssl(['x509', '-in', certFile, '-noout', '-fingerprint', '-sha256'], dir))![1]!;
    },
    remove: () => rmSync(dir, { recursive: true, force: true }),
  };
}
