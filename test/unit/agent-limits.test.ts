import { describe, expect, it } from 'vitest';
import { createNonceCache } from '../../host-console/agent/nonce-cache.js';
import { createRateLimiter } from '../../host-console/agent/rate-limiter.js';

describe('rate limiter', () => {
  const make = (o: { maxFailures?: number; windowMs?: number; blockMs?: number; maxSources?: number } = {}) => {
    const clock = { t: 0 };
    return { clock, l: createRateLimiter({ now: () => clock.t, maxFailures: 3, windowMs: 60_000, blockMs: 30_000, ...o }) };
  };

  it('blocks an address after the limit, with the time left, and lets it in again after the block', () => {
    const { l, clock } = make();
    expect(l.fail('a')).toEqual({ allowed: true });
    expect(l.fail('a')).toEqual({ allowed: true });
    expect(l.fail('a')).toEqual({ allowed: false, retryAfterSeconds: 30 });
    clock.t = 10_500;
    expect(l.check('a')).toEqual({ allowed: false, retryAfterSeconds: 20 });
    clock.t = 30_000;
    expect(l.check('a')).toEqual({ allowed: true });
  });

  it('keeps addresses apart', () => {
    const { l } = make();
    for (let i = 0; i < 3; i++) l.fail('a');
    expect(l.check('a').allowed).toBe(false);
    expect(l.check('b').allowed).toBe(true);
  });

  it('forgets failures older than the window', () => {
    const { l, clock } = make();
    l.fail('a');
    l.fail('a');
    clock.t = 61_000;
    expect(l.fail('a')).toEqual({ allowed: true });
  });

  it('stays bounded, forgetting the least recently failing address first', () => {
    const { l } = make({ maxSources: 2, maxFailures: 1 });
    l.fail('a');
    l.fail('b');
    l.fail('c');
    expect(l.check('a').allowed).toBe(true);
    expect(l.check('b').allowed).toBe(false);
    expect(l.check('c').allowed).toBe(false);
  });
});

describe('nonce cache', () => {
  it('accepts a nonce once within the retention time', () => {
    const clock = { t: 0 };
    const c = createNonceCache({ now: () => clock.t, retentionMs: 600_000 });
    expect(c.remember('n1')).toBe('fresh');
    expect(c.remember('n1')).toBe('replayed');
    clock.t = 599_999;
    expect(c.remember('n1')).toBe('replayed');
    clock.t = 600_000;
    expect(c.remember('n1')).toBe('fresh');
  });

  it('refuses new nonces when full of live ones instead of forgetting one', () => {
    const clock = { t: 0 };
    const c = createNonceCache({ now: () => clock.t, maxEntries: 3, retentionMs: 1000 });
    for (const n of ['a', 'b', 'c']) expect(c.remember(n)).toBe('fresh');
    expect(c.remember('d')).toBe('full');
    expect(c.remember('a')).toBe('replayed');
    clock.t = 1000;
    expect(c.remember('d')).toBe('fresh');
    expect(c.size()).toBe(1);
  });
});
