/**
 * Reading the TLS files (http/tls-files.ts) with certificates made at test time by openssl: what a good
 * pair yields for the log line, and the one message each bad file gets (the integration test checks that
 * the process prints it and exits 1).
 */
import { execFileSync } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readTlsFiles } from '../../packages/server/src/http/tls-files.js';
import { createTestCa, type TestCa } from '../support/test-certificates.js';

let ca: TestCa;
let good: { certFile: string; keyFile: string };

beforeAll(() => {
  ca = createTestCa();
  good = ca.issue('good', 'cairn.test');
});
afterAll(() => ca.remove());

describe('TLS files', () => {
  it('§8: a certificate and its key give the PEM bytes, the subject and the end of validity', async () => {
    const tls = await readTlsFiles(good);
    expect(tls.cert.toString()).toContain('BEGIN CERTIFICATE');
    expect(tls.key.toString()).toContain('PRIVATE KEY');
    expect(tls.subject).toBe('CN=cairn.test');
    expect(Date.parse(tls.validTo) - Date.now()).toBeGreaterThan(24 * 3600 * 1000);
    expect(tls.expired).toBe(false);
  });

  it('§8: an encrypted key is refused with how to decrypt it', async () => {
    const keyFile = join(ca.dir, 'encrypted.key');
    execFileSync('/usr/bin/openssl', ['pkey', '-in', good.keyFile, '-aes256', '-passout', 'pass:secret', '-out', keyFile]);
    await expect(readTlsFiles({ certFile: good.certFile, keyFile })).rejects.toThrow(`CAIRN_TLS_KEY=${keyFile} holds no unencrypted PEM private key (decrypt it: openssl pkey`);
  });

  it('§8: a certificate file given as the key, and a key file given as the certificate, are named', async () => {
    await expect(readTlsFiles({ certFile: good.certFile, keyFile: good.certFile })).rejects.toThrow(`CAIRN_TLS_KEY=${good.certFile} holds no PEM private key`);
    await expect(readTlsFiles({ certFile: good.keyFile, keyFile: good.keyFile })).rejects.toThrow(`CAIRN_TLS_CERT=${good.keyFile} holds no PEM certificate`);
  });

  it('§8: an empty key file and a missing certificate file are named with the reason', async () => {
    const empty = join(ca.dir, 'empty.key');
    writeFileSync(empty, '');
    await expect(readTlsFiles({ certFile: good.certFile, keyFile: empty })).rejects.toThrow(`CAIRN_TLS_KEY=${empty} holds no PEM private key`);
    await expect(readTlsFiles({ certFile: join(ca.dir, 'gone.pem'), keyFile: good.keyFile })).rejects.toThrow(/CAIRN_TLS_CERT=.*gone\.pem cannot be read \(ENOENT\)/);
  });
});
