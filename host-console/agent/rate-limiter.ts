/**
 * Per-source limit on failed proofs: after `maxFailures` failures within
 * `windowMs`, the source is refused for `blockMs`. A source is an IPv4
 * address or an IPv6 /64 (one subnet holds endless addresses). Successful
 * requests do not reset the count, so interleaving a good request cannot
 * buy more guesses. Memory is bounded: the least recently failing sources
 * are forgotten first.
 */
import { sourceKey } from '../../common/http/connection-guard.js';

/** What the limiter says about a source. */
export type LimitCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A failed-attempt limiter keyed by source (see sourceKey). */
export interface RateLimiter {
  /** Whether the peer at address may try now. */
  check(address: string): LimitCheck;
  /** Counts a failure of the peer at address; returns the new state for its source. */
  fail(address: string): LimitCheck;
}

/** Options of a rate limiter. */
export interface RateLimiterOptions {
  now: () => number;
  maxFailures?: number;
  windowMs?: number;
  blockMs?: number;
  maxSources?: number;
}

interface Entry {
  windowStart: number;
  failures: number;
  blockedUntil: number;
}

/** Creates a rate limiter (defaults: 5 failures a minute block the address for a minute). */
export function createRateLimiter(opts: RateLimiterOptions): RateLimiter {
  const maxFailures = opts.maxFailures ?? 5;
  const windowMs = opts.windowMs ?? 60_000;
  const blockMs = opts.blockMs ?? 60_000;
  const maxSources = opts.maxSources ?? 10_000;
  const entries = new Map<string, Entry>();

  const state = (e: Entry | undefined, now: number): LimitCheck =>
    e && e.blockedUntil > now
      ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((e.blockedUntil - now) / 1000)) }
      : { allowed: true };

  return {
    check(address) {
      return state(entries.get(sourceKey(address)), opts.now());
    },
    fail(address) {
      const source = sourceKey(address);
      const now = opts.now();
      let e = entries.get(source);
      if (e) entries.delete(source);
      if (!e || (now - e.windowStart > windowMs && e.blockedUntil <= now))
        e = { windowStart: now, failures: 0, blockedUntil: 0 };
      e.failures += 1;
      if (e.failures >= maxFailures) {
        e.blockedUntil = now + blockMs;
        // The next window starts when the block ends, so the count restarts then.
        e.windowStart = e.blockedUntil;
        e.failures = 0;
      }
      // Re-inserted last: Map order is least-recently-failed first.
      entries.set(source, e);
      while (entries.size > maxSources) entries.delete(entries.keys().next().value!);
      return state(e, now);
    },
  };
}
