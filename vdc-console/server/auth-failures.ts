/**
 * Failed API authentication on the HTTPS listener, per source: a limit on
 * guessing (after `limit` failures in a window the source is refused with
 * 429 until the window ends) and a log that says once per source and
 * window that requests were refused, with how many, instead of a line per
 * request. IPv6 sources are keyed by their /64, which one attacker holds
 * whole. The table is bounded: when full, the oldest source is dropped.
 */
import { sourceKey } from '../../common/http/connection-guard.js';

/** How failures are limited and reported. */
export interface AuthFailureOptions {
  /** Failures allowed per source and window. */
  limit: number;
  windowMs: number;
  /** Sources tracked at once. */
  maxSources: number;
  now: () => number;
  /** Writes one log line: the source, the requests refused in the window so far (first) or since (summary). */
  report: (source: string, refused: number, kind: 'first' | 'summary') => void;
}

/** Defaults: 10 failures a minute per source; 10,000 sources tracked. */
export const AUTH_FAILURE_DEFAULTS = { limit: 10, windowMs: 60_000, maxSources: 10_000 } as const;

interface SourceState {
  windowStart: number;
  failures: number;
  /** Refused requests not yet reported. */
  unreported: number;
}

/** Failed API authentication per source. */
export class AuthFailures {
  private readonly sources = new Map<string, SourceState>();

  constructor(private readonly o: AuthFailureOptions) {}

  private state(key: string): SourceState {
    const t = this.o.now();
    let s = this.sources.get(key);
    if (s && t - s.windowStart >= this.o.windowMs) {
      if (s.unreported > 0) this.o.report(key, s.unreported, 'summary');
      this.sources.delete(key);
      s = undefined;
    }
    if (!s) {
      if (this.sources.size >= this.o.maxSources) {
        const [oldest, old] = this.sources.entries().next().value as [string, SourceState];
        if (old.unreported > 0) this.o.report(oldest, old.unreported, 'summary');
        this.sources.delete(oldest);
      }
      s = { windowStart: t, failures: 0, unreported: 0 };
      this.sources.set(key, s);
    }
    return s;
  }

  /** Seconds until the source may try again, or null when it is not blocked. Does not count as a failure. */
  blockedFor(address: string): number | null {
    const key = sourceKey(address);
    const s = this.sources.get(key);
    if (!s || s.failures < this.o.limit) return null;
    const left = s.windowStart + this.o.windowMs - this.o.now();
    return left > 0 ? Math.ceil(left / 1000) : null;
  }

  /** Records a refused request: counted toward the limit when `failure`, and logged once per window. */
  refused(address: string, failure: boolean): void {
    const key = sourceKey(address);
    const first = !this.sources.has(key) || this.o.now() - this.sources.get(key)!.windowStart >= this.o.windowMs;
    const s = this.state(key);
    if (failure) s.failures++;
    if (first) this.o.report(key, 1, 'first');
    else s.unreported++;
  }

  /** Reports every source whose window has ended with refusals not yet reported, and forgets it. */
  flush(): void {
    const t = this.o.now();
    for (const [key, s] of this.sources) {
      if (t - s.windowStart < this.o.windowMs) continue;
      if (s.unreported > 0) this.o.report(key, s.unreported, 'summary');
      this.sources.delete(key);
    }
  }

  /** Sources tracked now. */
  get size(): number {
    return this.sources.size;
  }
}
