/**
 * Remembers the nonces of accepted request proofs so that a captured
 * request cannot be replayed. Only proofs that verified are remembered, so
 * nobody without the token can fill the cache; entries outlive the
 * timestamp window, after which the timestamp check alone refuses a replay.
 * Memory is bounded: when full of live entries the cache refuses new ones
 * (fail closed) instead of forgetting a nonce that could then be replayed.
 */
import { TIMESTAMP_WINDOW_SECONDS } from '../../common/protocol/proof.js';

/** Outcome of remembering a nonce. */
export type NonceResult = 'fresh' | 'replayed' | 'full';

/** A bounded set of recently seen nonces. */
export interface NonceCache {
  /** Records a nonce; 'replayed' when it was seen within the window, 'full' when no room is left. */
  remember(nonce: string): NonceResult;
  /** Number of live entries. */
  size(): number;
}

/** Creates a nonce cache. */
export function createNonceCache(opts: { now: () => number; maxEntries?: number; retentionMs?: number }): NonceCache {
  const maxEntries = opts.maxEntries ?? 10_000;
  // A request is fresh for ±window around its ts, so its nonce must be kept for twice the window.
  const retentionMs = opts.retentionMs ?? 2 * TIMESTAMP_WINDOW_SECONDS * 1000;
  const seen = new Map<string, number>();

  const purge = (now: number) => {
    // Insertion order is expiry order (constant retention), so stop at the first live entry.
    for (const [nonce, expires] of seen) {
      if (expires > now) break;
      seen.delete(nonce);
    }
  };

  return {
    remember(nonce) {
      const now = opts.now();
      purge(now);
      if (seen.has(nonce)) return 'replayed';
      if (seen.size >= maxEntries) return 'full';
      seen.set(nonce, now + retentionMs);
      return 'fresh';
    },
    size() {
      purge(opts.now());
      return seen.size;
    },
  };
}
