import { describe, expect, it } from 'vitest';
import { sourceKey } from '../../common/http/connection-guard.js';
import { AuthFailures } from '../../vdc-console/server/auth-failures.js';

describe('sourceKey', () => {
  it.each<[string, string]>([
    // IPv4 as is, also mapped into IPv6.
    ['127.0.0.81', '127.0.0.81'],
    ['::ffff:127.0.0.81', '127.0.0.81'],
    // IPv6 by its /64, however it is written.
    ['2001:db8:1:2:aaaa::1', '2001:db8:1:2::/64'],
    ['2001:0db8:0001:0002:ffff:ffff:ffff:ffff', '2001:db8:1:2::/64'],
    ['2001:db8::1', '2001:db8:0:0::/64'],
    ['::1', '0:0:0:0::/64'],
  ])('%s', (address, key) => expect(sourceKey(address)).toBe(key));
});

describe('AuthFailures', () => {
  const make = (maxSources = 100) => {
    let t = 0;
    const lines: Array<[string, number, string]> = [];
    const f = new AuthFailures({
      limit: 3,
      windowMs: 60_000,
      maxSources,
      now: () => t,
      report: (s, n, k) => lines.push([s, n, k]),
    });
    return { f, lines, at: (ms: number) => (t = ms) };
  };

  it('blocks a source after the limit until its window ends, and not another one', () => {
    const { f, at } = make();
    for (let i = 0; i < 3; i++) f.refused('10.0.0.1', true);
    at(15_000);
    expect(f.blockedFor('10.0.0.1')).toBe(45);
    expect(f.blockedFor('10.0.0.2')).toBeNull();
    at(60_000);
    expect(f.blockedFor('10.0.0.1')).toBeNull();
  });

  it('counts a whole /64 as one source', () => {
    const { f } = make();
    for (let i = 1; i <= 3; i++) f.refused(`2001:db8:1:2::${i}`, true);
    expect(f.blockedFor('2001:db8:1:2:ffff::9')).toBe(60);
  });

  it('reports the first refusal of a window at once and the rest as one count when it ends', () => {
    const { f, lines, at } = make();
    for (let i = 0; i < 50; i++) f.refused('10.0.0.1', false);
    expect(lines).toEqual([['10.0.0.1', 1, 'first']]);
    at(60_000);
    f.flush();
    expect(lines).toEqual([
      ['10.0.0.1', 1, 'first'],
      ['10.0.0.1', 49, 'summary'],
    ]);
    expect(f.size).toBe(0);
  });

  it('tracks a bounded number of sources, reporting what it drops', () => {
    const { f, lines } = make(2);
    f.refused('10.0.0.1', true);
    f.refused('10.0.0.1', true);
    f.refused('10.0.0.2', true);
    f.refused('10.0.0.3', true);
    expect(f.size).toBe(2);
    expect(lines).toContainEqual(['10.0.0.1', 1, 'summary']);
  });
});
