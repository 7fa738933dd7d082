/**
 * Direct TLS (CAIRN_TLS_CERT / CAIRN_TLS_KEY): the PEM files read and checked before the node opens its
 * Store, so a wrong path, a file that is not PEM, an encrypted key or a key of another certificate stops the
 * start with one line naming the setting and the file, not a stack trace from deep inside `listen`.
 *
 * The same reading serves the reload on SIGHUP (start-node.ts): certificates rotate (Let's Encrypt every 60
 * to 90 days) and a restart would drop every socket, while `setSecureContext` swaps the certificate for new
 * handshakes and leaves open sockets as they are. A reload that fails keeps the certificate in use.
 */
import { readFile } from 'node:fs/promises';
import { X509Certificate, createPrivateKey } from 'node:crypto';
import { createSecureContext } from 'node:tls';
import { CairnError } from '@cairn/shared';

export interface TlsFiles {
  /** CAIRN_TLS_CERT: the server certificate, then any intermediates (a "fullchain.pem"). */
  readonly certFile: string;
  /** CAIRN_TLS_KEY: the certificate's private key, unencrypted. */
  readonly keyFile: string;
}

/** What Node's TLS server takes (`https.createServer`, `setSecureContext`), plus what an operator checks. */
export interface TlsMaterial {
  readonly cert: Buffer;
  readonly key: Buffer;
  /** The leaf certificate's subject and end of validity, for the start and reload log lines. */
  readonly subject: string;
  readonly validTo: string;
  readonly expired: boolean;
}

function refuse(message: string): never {
  throw new CairnError('BAD_REQUEST', message);
}

async function readPem(setting: string, file: string): Promise<Buffer> {
  try {
    return await readFile(file);
  } catch (err) {
    const code = (err as NodeJS.ErrnoException).code ?? 'error';
    return refuse(`${setting}=${file} cannot be read (${code})`);
  }
}

export async function readTlsFiles(files: TlsFiles): Promise<TlsMaterial> {
  const [cert, key] = await Promise.all([readPem('CAIRN_TLS_CERT', files.certFile), readPem('CAIRN_TLS_KEY', files.keyFile)]);
  let leaf: X509Certificate;
  try {
    // The first certificate of the file is the one the server presents; the rest is its chain.
    leaf = new X509Certificate(cert);
  } catch {
    return refuse(`CAIRN_TLS_CERT=${files.certFile} holds no PEM certificate`);
  }
  try {
    createPrivateKey(key);
  } catch {
    // OpenSSL reports an encrypted key as "interrupted or cancelled" (no passphrase callback): say what it is.
    const encrypted = /-----BEGIN ENCRYPTED PRIVATE KEY-----|Proc-Type: 4,ENCRYPTED/.test(key.toString('latin1'));
    return refuse(`CAIRN_TLS_KEY=${files.keyFile} holds no ${encrypted ? 'unencrypted ' : ''}PEM private key${encrypted ? ' (decrypt it: openssl pkey -in key.pem -out key-plain.pem)' : ''}`);
  }
  try {
    createSecureContext({ cert, key });
  } catch (err) {
    return refuse(`CAIRN_TLS_KEY=${files.keyFile} does not fit CAIRN_TLS_CERT=${files.certFile} (${(err as Error).message})`);
  }
  return { cert, key, subject: leaf.subject.replace(/\n/g, ', '), validTo: leaf.validTo, expired: Date.parse(leaf.validTo) < Date.now() };
}
