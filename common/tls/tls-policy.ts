/**
 * What the HTTPS servers accept: TLS 1.2 and 1.3 only, and in TLS 1.2 only
 * forward-secret AEAD suites. Node's default list still allows CBC suites
 * with SHA-1 or SHA-256 MACs and ARIA, which scanners rightly flag as weak.
 */

/** Lowest protocol version a server accepts. */
export const SERVER_MIN_TLS_VERSION = 'TLSv1.2' as const;

/** OpenSSL cipher list for servers (TLS 1.3 suites first, then TLS 1.2 ECDHE with AES-GCM or ChaCha20-Poly1305). */
export const SERVER_CIPHERS = [
  'TLS_AES_256_GCM_SHA384',
  'TLS_CHACHA20_POLY1305_SHA256',
  'TLS_AES_128_GCM_SHA256',
  'ECDHE-ECDSA-AES128-GCM-SHA256',
  'ECDHE-ECDSA-AES256-GCM-SHA384',
  'ECDHE-ECDSA-CHACHA20-POLY1305',
  'ECDHE-RSA-AES128-GCM-SHA256',
  'ECDHE-RSA-AES256-GCM-SHA384',
  'ECDHE-RSA-CHACHA20-POLY1305',
].join(':');
