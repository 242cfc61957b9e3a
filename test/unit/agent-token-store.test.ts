import { describe, expect, it } from 'vitest';
import { scrubSecrets } from '../../common/log/logger.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { parseToken } from '../../common/token/token.js';
import { createTokenStore, displayToken, tokenStateOf } from '../../host-console/agent/token-store.js';

/** A store on a hand-driven clock with a fast stand-in for scrypt. */
function store(opts: { ttlSeconds?: number; derive?: (c: string) => Promise<Buffer> } = {}) {
  const clock = { t: 1_700_000_000_000 };
  const s = createTokenStore({
    ttlSeconds: opts.ttlSeconds ?? 3600,
    now: () => clock.t,
    derive: opts.derive ?? (async (c) => Buffer.from(c.padEnd(32, '.'))),
  });
  return { s, clock };
}
const allowed = () => {};

describe('token store', () => {
  it('makes well-formed tokens with a valid check symbol', async () => {
    const { s } = store();
    const seen = new Set<string>();
    for (let i = 0; i < 50; i++) {
      const r = await s.generate(allowed);
      expect(parseToken(r.canonical)).toEqual({ ok: true, canonical: r.canonical });
      expect(displayToken(r)).toMatch(/^QUANTIX-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}$/);
      seen.add(r.canonical);
    }
    expect(seen.size).toBe(50);
  });

  it('is valid at TTL - 1 s and expired at TTL, and forgets the value once expired', async () => {
    const { s, clock } = store({ ttlSeconds: 3600 });
    const r = await s.generate(allowed);
    clock.t = r.createdAtMs + 3599_000;
    expect(s.lookup().state).toBe('active');
    clock.t = r.createdAtMs + 3600_000;
    const l = s.lookup();
    expect(l.state).toBe('expired');
    // The key survives so a proof made with it can be told it expired; the value does not.
    expect(l.state !== 'none' && l.record.canonical).toBeNull();
    expect(l.state !== 'none' && l.record.key.length).toBe(32);
    expect(tokenStateOf(l)).toMatchObject({ state: 'expired', reason: 'expired' });
    expect(s.consume()).toBe(false);
  });

  it('is consumed exactly once', async () => {
    const { s } = store();
    await s.generate(allowed);
    const wins = Array.from({ length: 20 }, () => s.consume()).filter(Boolean);
    expect(wins).toHaveLength(1);
    expect(s.lookup().state).toBe('used');
    expect(tokenStateOf(s.lookup()).reason).toBe('used to join a cluster');
  });

  it('is replaced by a new generation', async () => {
    const { s } = store();
    const first = await s.generate(allowed);
    const second = await s.generate(allowed);
    expect(second.canonical).not.toBe(first.canonical);
    const l = s.lookup();
    expect(l.state === 'active' && l.record.canonical).toBe(second.canonical);
  });

  it('keeps the later of two overlapping generations', async () => {
    const { s } = store();
    const [a, b] = await Promise.all([s.generate(allowed), s.generate(allowed)]);
    const l = s.lookup();
    expect(l.state === 'active' && l.record.canonical).toBe(b.canonical);
    expect(a.canonical).not.toBe(b.canonical);
  });

  it('is revocable, once', async () => {
    const { s } = store();
    expect(s.revoke()).toBe(false);
    await s.generate(allowed);
    expect(s.revoke()).toBe(true);
    expect(s.revoke()).toBe(false);
    expect(tokenStateOf(s.lookup())).toMatchObject({ state: 'revoked', reason: 'revoked by the operator' });
  });

  it('counts failed proofs and their last source, and is never revoked for them', async () => {
    const { s } = store();
    await s.generate(allowed);
    expect(tokenStateOf(s.lookup())).toMatchObject({ state: 'active', failedAttempts: 0 });
    for (let i = 1; i <= 1000; i++) s.recordFailure(`10.0.${i >> 8}.${i & 255}`);
    expect(s.lookup().state).toBe('active');
    expect(tokenStateOf(s.lookup())).toMatchObject({
      state: 'active',
      failedAttempts: 1000,
      lastFailedFrom: '10.0.3.232',
    });
    // A new token starts from zero.
    await s.generate(allowed);
    expect(tokenStateOf(s.lookup())).toMatchObject({ state: 'active', failedAttempts: 0 });
    expect(tokenStateOf(s.lookup()).lastFailedFrom).toBeUndefined();
  });

  it('refuses generation when not allowed, also when that changes during the key derivation', async () => {
    const { s } = store();
    const refuse = () => {
      throw new QuantixError('HOST_MANAGED');
    };
    await expect(s.generate(refuse)).rejects.toMatchObject({ code: 'HOST_MANAGED' });
    expect(s.lookup().state).toBe('none');
    let managed = false;
    let release!: () => void;
    const gate = new Promise<void>((r) => (release = r));
    const { s: slow } = store({ derive: async (c) => (await gate, Buffer.from(c.padEnd(32, '.'))) });
    const pending = slow.generate(() => {
      if (managed) throw new QuantixError('HOST_MANAGED');
    });
    managed = true;
    release();
    await expect(pending).rejects.toMatchObject({ code: 'HOST_MANAGED' });
    expect(slow.lookup().state).toBe('none');
  });

  it('registers the live token with the logger in every typed form', async () => {
    const { s } = store();
    const r = await s.generate(allowed);
    const c = r.canonical;
    for (const form of [
      c,
      c.toLowerCase(),
      `${c.slice(0, 4)} ${c.slice(4, 8)} ${c.slice(8)}`,
      c.replace(/0/g, 'o').replace(/1/g, 'l'),
    ]) {
      expect(scrubSecrets(`typed ${form} here`)).toBe('typed [REDACTED] here');
    }
    s.clear();
    expect(s.lookup().state).toBe('none');
  });
});
