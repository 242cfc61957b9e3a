/**
 * The vDC secret key: 32 random bytes in a file (0600) outside the
 * database, shared by every replica of one vDC. Whatever private the
 * replicas must share through PostgreSQL (the identity's private keys, the
 * key a discovery derived from a host's token) is sealed with it
 * (AES-256-GCM, the record's name as associated data, so a sealed value
 * cannot be moved to another record). A copy of the database alone opens
 * nothing.
 */
import { createCipheriv, createDecipheriv, randomBytes } from 'node:crypto';
import { existsSync, mkdirSync, readFileSync, statSync } from 'node:fs';
import { dirname } from 'node:path';
import { writeFileAtomic } from '../../common/fs/atomic-file.js';
import { QuantixError } from '../../common/protocol/errors.js';

const KEY_BYTES = 32;
const NONCE_BYTES = 12;
const TAG_BYTES = 16;
const VERSION = 'v1';

/** Reads the key file; creates it (0600) when missing and `create` is set. */
export function loadSecretKey(path: string, create: boolean): { key: Buffer; created: boolean } {
  if (!existsSync(path)) {
    if (!create) {
      throw new QuantixError('VDC_SECRET_KEY', {
        message: `The vDC secret key file ${path} does not exist, and the database already holds a vDC identity sealed with a secret key.`,
        hint: 'Copy the secret key file from a running replica (same path, mode 0600), or point --secret-file at it.',
      });
    }
    mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
    writeFileAtomic(path, `${randomBytes(KEY_BYTES).toString('base64')}\n`, 0o600);
    return { key: loadSecretKey(path, false).key, created: true };
  }
  const mode = statSync(path).mode & 0o077;
  if (mode !== 0) {
    throw new QuantixError('VDC_SECRET_KEY', {
      message: `The vDC secret key file ${path} can be read by other users (mode ${(statSync(path).mode & 0o777).toString(8)}).`,
      hint: `Run: chmod 600 ${path}`,
    });
  }
  const key = Buffer.from(readFileSync(path, 'utf8').trim(), 'base64');
  if (key.length !== KEY_BYTES) {
    throw new QuantixError('VDC_SECRET_KEY', {
      message: `The vDC secret key file ${path} does not hold a key (expected ${KEY_BYTES} bytes in base64).`,
      hint: 'Copy the file unchanged from a running replica.',
    });
  }
  return { key, created: false };
}

/** Seals plaintext for the record `name`: `v1.<base64 nonce|ciphertext|tag>`. */
export function seal(key: Buffer, name: string, plaintext: Buffer): string {
  const nonce = randomBytes(NONCE_BYTES);
  const c = createCipheriv('aes-256-gcm', key, nonce);
  c.setAAD(Buffer.from(name, 'utf8'));
  const body = Buffer.concat([c.update(plaintext), c.final()]);
  return `${VERSION}.${Buffer.concat([nonce, body, c.getAuthTag()]).toString('base64')}`;
}

/** Opens a sealed value of the record `name`; VDC_SECRET_KEY when the key is not the one that sealed it. */
export function unseal(key: Buffer, name: string, sealed: string): Buffer {
  const [version, b64] = sealed.split('.', 2);
  const raw = Buffer.from(b64 ?? '', 'base64');
  if (version !== VERSION || raw.length < NONCE_BYTES + TAG_BYTES) {
    throw new QuantixError('VDC_SECRET_KEY', { message: `The sealed value of ${name} in the database is damaged.` });
  }
  try {
    const d = createDecipheriv('aes-256-gcm', key, raw.subarray(0, NONCE_BYTES));
    d.setAAD(Buffer.from(name, 'utf8'));
    d.setAuthTag(raw.subarray(raw.length - TAG_BYTES));
    return Buffer.concat([d.update(raw.subarray(NONCE_BYTES, raw.length - TAG_BYTES)), d.final()]);
  } catch {
    throw new QuantixError('VDC_SECRET_KEY');
  }
}
