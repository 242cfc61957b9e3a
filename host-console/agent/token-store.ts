/**
 * The registration token, in memory only. Generation is crypto randomness
 * plus the pure codec; the proof key K is derived once, when the token is
 * made, so checking a proof costs one HMAC. After a token stops being
 * usable (expired, revoked, consumed) its display value is dropped but K is
 * kept, so a proof made with it still earns a precise answer
 * (TOKEN_EXPIRED rather than TOKEN_INVALID). Expiry is computed from the
 * injected clock on every read; nothing runs on a timer.
 */
import { randomBytes } from 'node:crypto';
import type { TokenState } from '../../common/protocol/agent-api.js';
import { deriveKey } from '../../common/protocol/proof.js';
import { formatToken, tokenFromRandom } from '../../common/token/token.js';
import { forgetSecret, registerSecret } from '../../common/log/logger.js';

/** How a token ended before its time. Never because of failed proofs: that would let any peer cancel it. */
export type EndReason = { kind: 'operator' } | { kind: 'joined' };

/** A token as the store holds it. */
export interface TokenRecord {
  /** Canonical symbols while active; null once the token can no longer be used. */
  canonical: string | null;
  key: Buffer;
  createdAtMs: number;
  expiresAtMs: number;
  /** Set when revoked or consumed. */
  ended: EndReason | null;
  /** Failed proofs (wrong MACs) counted while active, for the operator to judge. */
  failures: number;
  /** Address of the last failed proof, null before the first. */
  lastFailureFrom: string | null;
}

/** What a lookup says about the current token. */
export type TokenLookup = { state: 'none' } | { state: 'active' | 'expired' | 'revoked' | 'used'; record: TokenRecord };

/** Options of a token store. */
export interface TokenStoreOptions {
  ttlSeconds: number;
  now: () => number;
  /** Randomness source (the OS CSPRNG unless a test pins it). */
  random?: (bytes: number) => Uint8Array;
  /** Key derivation (scrypt unless a test substitutes a faster one). */
  derive?: (canonical: string) => Promise<Buffer>;
}

/** The in-memory token store. */
export interface TokenStore {
  /** Makes a new token living ttlSeconds (default: the store's), replacing any other; `allowed` is re-checked after the slow derivation. */
  generate(allowed: () => void, ttlSeconds?: number): Promise<TokenRecord & { canonical: string }>;
  /** The current token and its state at the injected clock's now. */
  lookup(): TokenLookup;
  /** Revokes the active token; false when none is active. */
  revoke(): boolean;
  /** Counts a failed proof against the active token and notes its source; the token stays usable. */
  recordFailure(source: string): void;
  /** Marks the active token used; false when it is not active (someone else won). */
  consume(): boolean;
  /** Drops everything (agent shutdown). */
  clear(): void;
}

function describeEnd(end: EndReason): string {
  switch (end.kind) {
    case 'operator':
      return 'revoked by the operator';
    case 'joined':
      return 'used to join a cluster';
  }
}

/** The token part of the local status, without the value. */
export function tokenStateOf(lookup: TokenLookup): TokenState {
  if (lookup.state === 'none') return { state: 'none' };
  const r = lookup.record;
  const out: TokenState = {
    state: lookup.state,
    createdAt: new Date(r.createdAtMs).toISOString(),
    expiresAt: new Date(r.expiresAtMs).toISOString(),
  };
  if (r.ended) out.reason = describeEnd(r.ended);
  else if (lookup.state === 'expired') out.reason = 'expired';
  out.failedAttempts = r.failures;
  if (r.lastFailureFrom) out.lastFailedFrom = r.lastFailureFrom;
  return out;
}

/** Creates the store. */
export function createTokenStore(opts: TokenStoreOptions): TokenStore {
  const random = opts.random ?? ((n: number) => randomBytes(n));
  const derive = opts.derive ?? deriveKey;
  let current: TokenRecord | null = null;
  // The value registered with the logger, kept until replaced so that a late log line still cannot show it.
  let registered: string | null = null;
  let chain: Promise<void> = Promise.resolve();

  const stateOf = (r: TokenRecord): 'active' | 'expired' | 'revoked' | 'used' => {
    if (r.ended?.kind === 'joined') return 'used';
    if (r.ended) return 'revoked';
    return opts.now() < r.expiresAtMs ? 'active' : 'expired';
  };

  const end = (r: TokenRecord, reason: EndReason) => {
    r.ended = reason;
    r.canonical = null;
  };

  const lookup = (): TokenLookup => {
    if (!current) return { state: 'none' };
    const state = stateOf(current);
    if (state === 'expired') current.canonical = null;
    return { state, record: current };
  };

  return {
    generate(allowed, ttlSeconds = opts.ttlSeconds) {
      // One derivation at a time, so two quick presses of G leave the second token, never a mix.
      const run = chain.then(async () => {
        allowed();
        const canonical = tokenFromRandom(random(7));
        // Registered before anything else can see the value.
        registerSecret(canonical);
        const key = await derive(canonical);
        try {
          // A join may have consumed the previous token while the key was derived.
          allowed();
        } catch (err) {
          forgetSecret(canonical);
          throw err;
        }
        if (registered && registered !== canonical) forgetSecret(registered);
        registered = canonical;
        const createdAtMs = opts.now();
        current = {
          canonical,
          key,
          createdAtMs,
          expiresAtMs: createdAtMs + ttlSeconds * 1000,
          ended: null,
          failures: 0,
          lastFailureFrom: null,
        };
        return { ...current, canonical };
      });
      chain = run.then(
        () => undefined,
        () => undefined,
      );
      return run;
    },
    lookup,
    revoke() {
      const l = lookup();
      if (l.state !== 'active') return false;
      end(l.record, { kind: 'operator' });
      return true;
    },
    recordFailure(source) {
      const l = lookup();
      if (l.state !== 'active') return;
      l.record.failures += 1;
      l.record.lastFailureFrom = source;
    },
    consume() {
      const l = lookup();
      if (l.state !== 'active') return false;
      end(l.record, { kind: 'joined' });
      return true;
    },
    clear() {
      current = null;
      if (registered) forgetSecret(registered);
      registered = null;
    },
  };
}

/** Display form of a record's token (active records only). */
export function displayToken(r: TokenRecord): string | null {
  return r.canonical ? formatToken(r.canonical) : null;
}
