import { readFileSync } from 'node:fs';
import { describe, expect, it } from 'vitest';
import {
  computeHostProof,
  computeRequestMac,
  deriveKey,
  formatAuthorization,
  macEquals,
  parseAuthorization,
  requestProofMessage,
  hostProofMessage,
  timestampFresh,
} from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';

const vectors = JSON.parse(readFileSync(new URL('../fixtures/protocol-vectors.json', import.meta.url), 'utf8'));

describe('protocol vectors', () => {
  it('every accepted input form reduces to the canonical token', () => {
    for (const form of vectors.acceptedInputForms) expect(canonicalizeToken(form)).toBe(vectors.canonicalToken);
  });

  it('derives the published key', async () => {
    const key = await deriveKey(vectors.canonicalToken);
    expect(key.toString('hex')).toBe(vectors.keyHex);
  });

  for (const name of ['discovery', 'join'] as const) {
    it(`reproduces the ${name} request message and MAC`, () => {
      const v = vectors[name];
      const input = {
        method: v.method,
        path: v.path,
        ts: vectors.ts,
        nonce: vectors.nonce,
        fingerprint: vectors.certificateFingerprint,
        body: v.body,
      };
      expect(requestProofMessage(input)).toBe(v.message);
      expect(computeRequestMac(Buffer.from(vectors.keyHex, 'hex'), input)).toBe(v.mac);
    });
  }

  it('formats and parses the discovery Authorization header', () => {
    const v = vectors.discovery;
    expect(formatAuthorization(vectors.ts, vectors.nonce, v.mac)).toBe(v.authorization);
    expect(parseAuthorization(v.authorization)).toEqual({ ts: vectors.ts, nonce: vectors.nonce, mac: v.mac });
  });

  it('reproduces the host response proof', () => {
    const h = vectors.hostProof;
    expect(hostProofMessage(vectors.nonce, vectors.certificateFingerprint, h.responseBody)).toBe(h.message);
    expect(
      computeHostProof(
        Buffer.from(vectors.keyHex, 'hex'),
        vectors.nonce,
        vectors.certificateFingerprint,
        h.responseBody,
      ),
    ).toBe(h.proof);
  });
});

describe('parseAuthorization rejects malformed headers', () => {
  const good = vectors.discovery.authorization as string;
  const cases: Record<string, string | undefined> = {
    missing: undefined,
    'other scheme': good.replace('Quantix v1', 'Bearer v1'),
    'other version': good.replace('v1;', 'v2;'),
    'non-numeric ts': good.replace('ts=1767225600', 'ts=17672256x0'),
    'short nonce': good.replace('nonce=BwcHBwcHBwcHBwcHBwcHBw', 'nonce=BwcH'),
    'short mac': good.replace(/mac=.*/, 'mac=abc'),
    'extra field': `${good};x=1`,
    'reordered fields':
      'Quantix v1;nonce=BwcHBwcHBwcHBwcHBwcHBw;ts=1767225600;mac=' + (vectors.discovery.mac as string),
    'header injection': good + '\r\nX-Evil: 1',
    huge: good + 'A'.repeat(10_000),
  };
  for (const [name, header] of Object.entries(cases)) {
    it(name, () => expect(parseAuthorization(header)).toBeNull());
  }
});

describe('macEquals and timestampFresh', () => {
  const mac = vectors.discovery.mac as string;
  it('compares MACs exactly', () => {
    expect(macEquals(mac, mac)).toBe(true);
    expect(macEquals(mac, vectors.join.mac)).toBe(false);
    expect(macEquals(mac, 'short')).toBe(false);
  });
  it('accepts ±300 s and refuses beyond', () => {
    const now = 1767225600_000;
    expect(timestampFresh('1767225600', now)).toBe(true);
    expect(timestampFresh(String(1767225600 - 300), now)).toBe(true);
    expect(timestampFresh(String(1767225600 + 300), now)).toBe(true);
    expect(timestampFresh(String(1767225600 - 301), now)).toBe(false);
    expect(timestampFresh(String(1767225600 + 301), now)).toBe(false);
  });
});
