import { describe, expect, it } from 'vitest';
import { createNonceCache } from '../../host-console/agent/nonce-cache.js';
import { sourceKey } from '../../common/http/connection-guard.js';
import { createRateLimiter } from '../../host-console/agent/rate-limiter.js';

describe('rate limiter', () => {
  const make = (o: { maxFailures?: number; windowMs?: number; blockMs?: number; maxSources?: number } = {}) => {
    const clock = { t: 0 };
    return {
      clock,
      l: createRateLimiter({ now: () => clock.t, maxFailures: 3, windowMs: 60_000, blockMs: 30_000, ...o }),
    };
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

describe('rate limiter source keys', () => {
  it.each([
    // IPv4 addresses are their own source
    ['192.0.2.7', '192.0.2.7'],
    // an IPv6 address stands for its /64
    ['2001:db8:1:2:3:4:5:6', '2001:db8:1:2::/64'],
    // compressed forms, leading zeros and upper case give the same key
    ['2001:0DB8:0001:0002::9', '2001:db8:1:2::/64'],
    ['2001:db8:1::', '2001:db8:1:0::/64'],
    ['::1', '0:0:0:0::/64'],
    // a zone index does not make a new source
    ['fe80::1%eth0', 'fe80:0:0:0::/64'],
    // an IPv4 tail lives in the low 64 bits
    ['64:ff9b::192.0.2.7', '64:ff9b:0:0::/64'],
  ])('%s is limited as %s', (address, key) => {
    expect(sourceKey(address)).toBe(key);
  });

  it('blocks a whole /64 once its addresses together reach the limit', () => {
    const clock = { t: 0 };
    const l = createRateLimiter({ now: () => clock.t, maxFailures: 3 });
    expect(l.fail('2001:db8:1:2::a')).toEqual({ allowed: true });
    expect(l.fail('2001:db8:1:2::b')).toEqual({ allowed: true });
    expect(l.fail('2001:db8:1:2:ffff::c').allowed).toBe(false);
    expect(l.check('2001:db8:1:2::d').allowed).toBe(false);
    // the neighbouring /64 is another source
    expect(l.check('2001:db8:1:3::a')).toEqual({ allowed: true });
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
