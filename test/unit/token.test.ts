import { randomBytes } from 'node:crypto';
import { readdirSync, readFileSync } from 'node:fs';
import fc from 'fast-check';
import { describe, expect, it } from 'vitest';
import { ALPHABET, formatToken, groupTokenInput, parseToken, tokenFromRandom } from '../../common/token/token.js';

const token = fc.uint8Array({ minLength: 7, maxLength: 7 }).map((b) => tokenFromRandom(b));

/** Every form a person may type for the same token. */
function inputForms(canonical: string): string[] {
  const display = formatToken(canonical);
  const spaced = `${canonical.slice(0, 4)} ${canonical.slice(4, 8)} ${canonical.slice(8)}`;
  return [
    display,
    display.toLowerCase(),
    spaced,
    canonical.toLowerCase(),
    `QUANTIX ${canonical.slice(0, 4)}-${canonical.slice(4, 8)}-${canonical.slice(8)}`,
    ` ${display} `,
    canonical.replace(/0/g, 'O').replace(/1/g, 'l'),
    canonical.replace(/1/g, 'I'),
  ];
}

describe('token codec', () => {
  it('has the display shape and 12 Crockford symbols', () => {
    const t = tokenFromRandom(randomBytes(7));
    expect(formatToken(t)).toMatch(/^QUANTIX-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it('uses 55 random bits: distinct random inputs give distinct tokens', () => {
    const a = new Uint8Array(7);
    const b = new Uint8Array(7);
    b[6] = 1;
    expect(tokenFromRandom(a)).not.toBe(tokenFromRandom(b));
    const c = new Uint8Array(7);
    c[0] = 0x40; // highest of the 55 bits (bit 54)
    expect(tokenFromRandom(c)).not.toBe(tokenFromRandom(a));
  });

  it('refuses too little randomness', () => {
    expect(() => tokenFromRandom(new Uint8Array(6))).toThrow(RangeError);
  });

  it('round-trips through every accepted input form', () => {
    fc.assert(
      fc.property(token, (t) => {
        for (const form of inputForms(t)) expect(parseToken(form)).toEqual({ ok: true, canonical: t });
      }),
      { numRuns: 500 },
    );
  });

  it('reports every single-symbol substitution as a typo', () => {
    fc.assert(
      fc.property(token, (t) => {
        for (let i = 0; i < 12; i++) {
          for (const c of ALPHABET) {
            if (c === t[i]) continue;
            const typo = t.slice(0, i) + c + t.slice(i + 1);
            expect(parseToken(typo).ok).toBe(false);
          }
        }
      }),
      { numRuns: 200 },
    );
  });

  it('reports every swap of two different neighbours as a typo', () => {
    fc.assert(
      fc.property(token, (t) => {
        for (let i = 0; i < 11; i++) {
          if (t[i] === t[i + 1]) continue;
          const swapped = t.slice(0, i) + t.charAt(i + 1) + t.charAt(i) + t.slice(i + 2);
          expect(parseToken(swapped)).toEqual({ ok: false, problem: { kind: 'check' } });
        }
      }),
      { numRuns: 500 },
    );
  });

  it('explains what is wrong with malformed input', () => {
    // Each case: typed text -> the problem reported.
    const cases: Array<[string, unknown]> = [
      ['', { kind: 'empty' }],
      ['QUANTIX-', { kind: 'empty' }],
      ['QUANTIX-7K3M', { kind: 'short', symbols: 4 }],
      ['QUANTIX-7K3M-9QDX-2BHF-AAAA', { kind: 'long', symbols: 16 }],
      ['QUANTIX-7K3U-9QDX-2BHF', { kind: 'symbol', position: 4, char: 'U' }],
      ['7K3M*9QDX2BH', { kind: 'symbol', position: 5, char: '*' }],
      ['\u001b[31m7K3M9QDX2BHF', { kind: 'symbol', position: 1, char: '\u001b' }],
    ];
    for (const [input, problem] of cases) expect(parseToken(input)).toEqual({ ok: false, problem });
  });

  it('groups partial input as it is typed', () => {
    expect(groupTokenInput('7k3m9q')).toBe('QUANTIX-7K3M-9Q');
    expect(groupTokenInput('quantix-7k3m')).toBe('QUANTIX-7K3M');
    expect(groupTokenInput('')).toBe('');
  });
});

describe('example tokens in the documentation', () => {
  it('every QUANTIX-XXXX-XXXX-XXXX example in the README and the docs passes its check symbol', () => {
    const root = new URL('../../', import.meta.url);
    const files = ['README.md', ...readdirSync(new URL('docs/', root)).map((f) => `docs/${f}`)];
    // The protocol vectors' token only feeds the key derivation (the vectors say so) and the docs quote it as such.
    const vectorToken = (
      JSON.parse(readFileSync(new URL('test/fixtures/protocol-vectors.json', root), 'utf8')) as { displayToken: string }
    ).displayToken;
    const found: string[] = [];
    for (const f of files) {
      const text = readFileSync(new URL(f, root), 'utf8');
      // The placeholder XXXX is a pattern, not an example.
      for (const m of text.matchAll(/QUANTIX[- ][0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}\b/gi))
        if (!/X{4}/.test(m[0]) && m[0] !== vectorToken) found.push(`${f}: ${m[0]}`);
    }
    expect(found.length).toBeGreaterThanOrEqual(1);
    for (const f of found) expect(parseToken(f.split(': ')[1]!).ok, f).toBe(true);
  });
});
