/**
 * Registration proofs (DESIGN "Registration protocol"): the scrypt-derived
 * key, the request MAC sent in `Authorization`, and the host's response
 * proof. Pure functions over their inputs; the caller supplies time and
 * randomness.
 */
import { createHash, createHmac, scrypt, timingSafeEqual } from 'node:crypto';

/** scrypt parameters of protocol v1. */
export const KDF = { salt: 'quantix/registration/v1', N: 32768, r: 8, p: 1, keyLength: 32 } as const;

/** Accepted distance between the request's ts and the host's clock, seconds. */
export const TIMESTAMP_WINDOW_SECONDS = 300;

/** Name of the response-proof header. */
export const HOST_PROOF_HEADER = 'quantix-host-proof';

/** Derives the 32-byte proof key from a canonical token (≈50–100 ms by design). */
export function deriveKey(canonicalToken: string): Promise<Buffer> {
  return new Promise((resolve, reject) => {
    scrypt(
      canonicalToken,
      KDF.salt,
      KDF.keyLength,
      { N: KDF.N, r: KDF.r, p: KDF.p, maxmem: 64 * 1024 * 1024 },
      (err, key) => (err ? reject(err) : resolve(key)),
    );
  });
}

/** Lower-case hex SHA-256. */
export function sha256hex(data: string | Uint8Array): string {
  return createHash('sha256').update(data).digest('hex');
}

/** Certificate fingerprint: lower-case hex SHA-256 of the DER bytes. */
export function certificateFingerprint(der: Uint8Array): string {
  return sha256hex(der);
}

/** Inputs of a request proof. */
export interface RequestProofInput {
  method: string;
  path: string;
  ts: string;
  nonce: string;
  fingerprint: string;
  body: string | Uint8Array;
}

/** The exact message a request MAC covers. */
export function requestProofMessage(p: RequestProofInput): string {
  return ['quantix-v1', p.method.toUpperCase(), p.path, p.ts, p.nonce, p.fingerprint, sha256hex(p.body)].join('\n');
}

/** base64url HMAC-SHA256 of the request message. */
export function computeRequestMac(key: Uint8Array, p: RequestProofInput): string {
  return createHmac('sha256', key).update(requestProofMessage(p)).digest('base64url');
}

/** The `Authorization` header value for a request proof. */
export function formatAuthorization(ts: string, nonce: string, mac: string): string {
  return `Quantix v1;ts=${ts};nonce=${nonce};mac=${mac}`;
}

/** Parsed `Authorization: Quantix v1;…` header. */
export interface ParsedAuthorization {
  ts: string;
  nonce: string;
  mac: string;
}

const B64URL = /^[A-Za-z0-9_-]+$/;

/**
 * Parses an `Authorization` header of scheme Quantix v1. Returns null on
 * anything malformed: fixed field set, decimal ts, a 16-byte nonce and a
 * 32-byte MAC in base64url.
 */
export function parseAuthorization(header: string | undefined): ParsedAuthorization | null {
  if (typeof header !== 'string' || header.length > 256) return null;
  const m = /^Quantix v1;ts=([0-9]{1,12});nonce=([A-Za-z0-9_-]{22});mac=([A-Za-z0-9_-]{43})$/.exec(header);
  if (!m) return null;
  const [, ts, nonce, mac] = m as unknown as [string, string, string, string];
  if (!B64URL.test(nonce) || Buffer.from(nonce, 'base64url').length !== 16) return null;
  if (Buffer.from(mac, 'base64url').length !== 32) return null;
  return { ts, nonce, mac };
}

/** Constant-time comparison of two base64url MACs. */
export function macEquals(a: string, b: string): boolean {
  const x = Buffer.from(a, 'base64url');
  const y = Buffer.from(b, 'base64url');
  if (x.length !== 32 || y.length !== 32) return false;
  return timingSafeEqual(x, y);
}

/** True when ts (unix seconds as text) is within the window around now (ms). */
export function timestampFresh(ts: string, nowMs: number): boolean {
  const t = Number(ts);
  if (!Number.isSafeInteger(t)) return false;
  return Math.abs(nowMs / 1000 - t) <= TIMESTAMP_WINDOW_SECONDS;
}

/** The exact message a host response proof covers. */
export function hostProofMessage(nonce: string, fingerprint: string, responseBody: string | Uint8Array): string {
  return ['quantix-v1-host', nonce, fingerprint, sha256hex(responseBody)].join('\n');
}

/** base64url HMAC-SHA256 proving the response came from the token holder. */
export function computeHostProof(
  key: Uint8Array,
  nonce: string,
  fingerprint: string,
  responseBody: string | Uint8Array,
): string {
  return createHmac('sha256', key)
    .update(hostProofMessage(nonce, fingerprint, responseBody))
    .digest('base64url');
}
