/**
 * Per-source limit on failed proofs: after `maxFailures` failures within
 * `windowMs`, the address is refused for `blockMs`. Successful requests do
 * not reset the count, so interleaving a good request cannot buy more
 * guesses. Memory is bounded: the least recently failing addresses are
 * forgotten first.
 */

/** What the limiter says about a source. */
export type LimitCheck = { allowed: true } | { allowed: false; retryAfterSeconds: number };

/** A failed-attempt limiter keyed by source address. */
export interface RateLimiter {
  /** Whether the source may try now. */
  check(source: string): LimitCheck;
  /** Counts a failure; returns the new state for that source. */
  fail(source: string): LimitCheck;
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
    e && e.blockedUntil > now ? { allowed: false, retryAfterSeconds: Math.max(1, Math.ceil((e.blockedUntil - now) / 1000)) } : { allowed: true };

  return {
    check(source) {
      return state(entries.get(source), opts.now());
    },
    fail(source) {
      const now = opts.now();
      let e = entries.get(source);
      if (e) entries.delete(source);
      if (!e || (now - e.windowStart > windowMs && e.blockedUntil <= now)) e = { windowStart: now, failures: 0, blockedUntil: 0 };
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
