/**
 * One schema per message: requests are refused in our words (the same
 * sentences the hand-written parsers used), and what the agent really
 * collects matches the inventory schema it is serialised and checked with.
 */
import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { describe, expect, it } from 'vitest';
import { Inventory } from '../../common/protocol/inventory.js';
import { checkerOf } from '../../common/protocol/schema.js';
import {
  parseAuditQuery,
  parseCreateClusterRequest,
  parseRegisterRequest,
  parseRemoveNodeQuery,
} from '../../common/protocol/vdc-api.js';
import { checkHelloResponse } from '../../common/protocol/agent-api.js';
import { createInventoryCollector } from '../../host-console/inventory/index.js';
import { QuantixError } from '../../common/protocol/errors.js';

/** The details of the error a parse throws. */
function detailsOf(parse: () => unknown): string[] {
  try {
    parse();
  } catch (err) {
    if (err instanceof QuantixError) return err.details ?? [];
    throw err;
  }
  throw new Error('no error thrown');
}

describe('vDC requests refused in our words', () => {
  // Each case: the body or query, and the details the answer must carry.
  const cases: Array<[string, () => unknown, string[]]> = [
    ['not an object', () => parseCreateClusterRequest([]), ['the body must be a JSON object']],
    ['unknown field', () => parseCreateClusterRequest({ name: 'a', colour: 'red' }), ['unknown field "colour"']],
    [
      'name with a slash',
      () => parseCreateClusterRequest({ name: 'a/b' }),
      ['name may only hold letters, digits, "-", "_" and "." (1-63)'],
    ],
    ['name too long', () => parseCreateClusterRequest({ name: 'a'.repeat(64) }), ['name is longer than 63 characters']],
    [
      'description with an escape',
      () => parseCreateClusterRequest({ name: 'a', description: '\u001b[2J' }),
      ['description may not hold control characters'],
    ],
    ['blank cluster', () => parseRegisterRequest({ discoveryId: 'x', clusterId: '  ' }), ['clusterId is required']],
    ['missing both', () => parseRegisterRequest({}), ['discoveryId is required', 'clusterId is required']],
    ['cluster not text', () => parseRegisterRequest({ discoveryId: 'x', clusterId: 5 }), ['clusterId must be text']],
    ['limit out of range', () => parseAuditQuery({ limit: '1001' }), ['limit must be a whole number from 1 to 1000']],
    ['unknown parameter', () => parseAuditQuery({ limt: '5' }), ['unknown parameter "limt"']],
    ['force not a flag', () => parseRemoveNodeQuery({ force: 'maybe' }), ['force must be true or false']],
  ];
  for (const [name, parse, details] of cases) {
    it(name, () => expect(detailsOf(parse)).toEqual(details));
  }

  it('reads good queries as before', () => {
    expect(parseAuditQuery({})).toEqual({ limit: 100 });
    expect(parseAuditQuery({ limit: '1000', beforeId: '7' })).toEqual({ limit: 1000, beforeId: 7 });
    expect(parseRemoveNodeQuery({ force: '1' })).toBe(true);
    expect(parseRemoveNodeQuery({})).toBe(false);
  });
});

describe('hello from an unauthenticated peer is bounded', () => {
  const hello = {
    apiVersion: 1,
    hostId: 'h',
    hostname: 'n',
    agentVersion: '1.0.0',
    managed: false,
    time: new Date(0).toISOString(),
  };
  // Each case: one field pushed past its bound.
  const cases: Array<[string, Record<string, unknown>]> = [
    ['host id over 128', { hostId: 'h'.repeat(129) }],
    ['host name over 255', { hostname: 'n'.repeat(256) }],
    ['version over 64', { agentVersion: 'v'.repeat(65) }],
    ['time that is no time', { time: 'soon' }],
  ];
  for (const [name, change] of cases) {
    it(name, () => expect(() => checkHelloResponse({ ...hello, ...change })).toThrow(/answered something unexpected/));
  }
  it('keeps only known fields', () => expect(checkHelloResponse({ ...hello, extra: 'x' })).toEqual(hello));
});

describe('collected inventories match the schema', () => {
  const hosts = fileURLToPath(new URL('../fixtures/hosts/', import.meta.url));
  for (const tree of ['server-2s', 'vm-minimal', 'broken']) {
    it(tree, async () => {
      const stateDir = await mkdtemp(join(tmpdir(), 'qx-schema-'));
      try {
        const inv = await createInventoryCollector({ root: join(hosts, tree), stateDir, now: () => 0 }).refresh();
        expect([...checkerOf(Inventory).Errors(inv)].map((e) => `${e.path}: ${e.message}`)).toEqual([]);
      } finally {
        await rm(stateDir, { recursive: true, force: true });
      }
    });
  }
});
