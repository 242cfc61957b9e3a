/**
 * Self-signed ECDSA P-256 certificates for the agent and the vDC, kept in a
 * state directory (key 0600). Peers pin them by fingerprint, so validity
 * dates are wide and no CA is involved.
 */
import 'reflect-metadata';
import { X509CertificateGenerator, cryptoProvider } from '@peculiar/x509';
import { createHash, webcrypto, X509Certificate } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync } from 'node:fs';
import { join } from 'node:path';
import { writeFileAtomic } from '../fs/atomic-file.js';

cryptoProvider.set(webcrypto as unknown as Crypto);

/** A certificate with its private key, both PEM, and its fingerprint. */
export interface CertificatePair {
  certPem: string;
  keyPem: string;
  /** Lower-case hex SHA-256 of the certificate DER. */
  fingerprint: string;
}

/** Fingerprint of a PEM certificate. */
export function fingerprintOfPem(certPem: string): string {
  return createHash('sha256').update(new X509Certificate(certPem).raw).digest('hex');
}

/** Creates a new self-signed ECDSA P-256 certificate for commonName. */
export async function createSelfSignedCertificate(
  commonName: string,
  altNames: string[] = [],
): Promise<CertificatePair> {
  const alg = { name: 'ECDSA', namedCurve: 'P-256', hash: 'SHA-256' };
  const keys = await webcrypto.subtle.generateKey(alg, true, ['sign', 'verify']);
  const now = Date.now();
  const safeCn = commonName.replace(/[^A-Za-z0-9.\-_]/g, '-').slice(0, 64) || 'quantix';
  const { SubjectAlternativeNameExtension, KeyUsagesExtension, KeyUsageFlags, ExtendedKeyUsageExtension } =
    await import('@peculiar/x509');
  const cert = await X509CertificateGenerator.createSelfSigned({
    serialNumber: Buffer.from(webcrypto.getRandomValues(new Uint8Array(16)))
      .toString('hex')
      .replace(/^[89a-f]/, '1'),
    name: `CN=${safeCn}`,
    // A fresh host's clock may be off by years; peers pin fingerprints and ignore dates.
    notBefore: new Date(now - 365 * 24 * 3600 * 1000),
    notAfter: new Date(now + 20 * 365 * 24 * 3600 * 1000),
    signingAlgorithm: alg,
    keys,
    extensions: [
      new KeyUsagesExtension(KeyUsageFlags.digitalSignature | KeyUsageFlags.keyAgreement, true),
      new ExtendedKeyUsageExtension(['1.3.6.1.5.5.7.3.1', '1.3.6.1.5.5.7.3.2']),
      ...(altNames.length
        ? [
            new SubjectAlternativeNameExtension(
              altNames.map((v) =>
                (/^[0-9.:a-f]+$/i.test(v) && v.includes('.')) || v.includes(':')
                  ? { type: 'ip' as const, value: v }
                  : { type: 'dns' as const, value: v },
              ),
            ),
          ]
        : []),
    ],
  });
  const pkcs8 = await webcrypto.subtle.exportKey('pkcs8', keys.privateKey);
  const keyPem = `-----BEGIN PRIVATE KEY-----\n${Buffer.from(pkcs8)
    .toString('base64')
    .replace(/(.{64})/g, '$1\n')
    .replace(/\n$/, '')}\n-----END PRIVATE KEY-----\n`;
  const certPem = cert.toString('pem') + '\n';
  return { certPem, keyPem, fingerprint: fingerprintOfPem(certPem) };
}

/**
 * Loads `<prefix>.crt` / `<prefix>.key` from dir, creating them on first
 * use. The key is written 0600 and atomically, so a crash never leaves a
 * certificate without its key.
 */
export async function loadOrCreateCertificate(
  dir: string,
  prefix: string,
  commonName: string,
): Promise<CertificatePair & { created: boolean }> {
  const certPath = join(dir, `${prefix}.crt`);
  const keyPath = join(dir, `${prefix}.key`);
  if (existsSync(certPath) && existsSync(keyPath)) {
    const certPem = readFileSync(certPath, 'utf8');
    const keyPem = readFileSync(keyPath, 'utf8');
    return { certPem, keyPem, fingerprint: fingerprintOfPem(certPem), created: false };
  }
  mkdirSync(dir, { recursive: true, mode: 0o700 });
  const pair = await createSelfSignedCertificate(commonName);
  writeFileAtomic(keyPath, pair.keyPem, 0o600);
  writeFileAtomic(certPath, pair.certPem, 0o600);
  return { ...pair, created: true };
}
