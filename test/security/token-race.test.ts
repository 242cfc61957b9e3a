/**
 * One token, many joins at once. At the protocol: 50 concurrent joins
 * signed with the right token by two vDC identities (different vDC ids and
 * client certificates) against the compiled agent. Through the product:
 * two real vDC processes, each with 10 reviewed discoveries of the same
 * host, all registering at once. Exactly one membership may come out, and
 * both databases and the host must agree on it.
 */
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createSelfSignedCertificate } from '../../common/tls/certificates.js';
import { HostAgentClient } from '../../common/http/host-agent-client.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import type { JoinResponse } from '../../common/protocol/agent-api.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { deriveKey } from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';

/** Reviewed discoveries per vDC in the end-to-end race (each costs the vDC one scrypt). */
const PER_VDC = 10;
const agents: AgentProcess[] = [];
const vdcs: VdcProcess[] = [];
let emptyRoot: string;

beforeAll(() => {
  emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
});

afterAll(async () => {
  await Promise.all([...agents, ...vdcs].map((p) => p.cleanup()));
  rmSync(emptyRoot, { recursive: true, force: true });
});

function codeOf(r: PromiseSettledResult<unknown>): string {
  if (r.status === 'fulfilled') return 'ok';
  return r.reason instanceof QuantixError ? r.reason.code : `not a QuantixError: ${String(r.reason)}`;
}

describe('50 concurrent joins with one token from two vDCs', () => {
  it('at the agent: exactly one wins, the 49 others get TOKEN_ALREADY_USED', async () => {
    const agent = await startAgent({ host: '127.0.0.71', inventoryRoot: emptyRoot });
    agents.push(agent);
    const [certA, certB] = await Promise.all([
      createSelfSignedCertificate('vdc-a'),
      createSelfSignedCertificate('vdc-b'),
    ]);
    const token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
    const key = await deriveKey(canonicalizeToken(token)!);
    const { clockOffsetMs } = await new HostAgentClient({ host: agent.host, port: agent.port }).hello();
    const attempts = Array.from({ length: 50 }, (_, i) => {
      const side = i % 2 === 0 ? { id: 'vdc-a', cert: certA } : { id: 'vdc-b', cert: certB };
      // Each from its own address: one address may hold only so many connections at once.
      const c = new HostAgentClient({
        host: agent.host,
        port: agent.port,
        pinnedFingerprint: agent.fingerprint,
        clockOffsetMs,
        clientCertificate: side.cert,
        localAddress: `127.0.3.${i + 1}`,
      });
      return c.join(key, {
        nodeId: `racer-${i}`,
        vdc: {
          id: side.id,
          name: side.id,
          url: `https://${side.id}.example:9443`,
          clientCertFingerprint: side.cert.fingerprint,
        },
        cluster: { id: 'c', name: 'prod' },
      });
    });
    const results = await Promise.allSettled(attempts);
    const codes = results.map(codeOf);
    expect(
      codes.filter((c) => c === 'ok'),
      'joins that succeeded',
    ).toHaveLength(1);
    expect(
      codes.filter((c) => c !== 'ok' && c !== 'TOKEN_ALREADY_USED'),
      'losers with another answer than TOKEN_ALREADY_USED',
    ).toEqual([]);
    const winner = (results.find((r) => r.status === 'fulfilled') as PromiseFulfilledResult<JoinResponse>).value;
    const s = await new LocalAgentClient({ socketPath: agent.socketPath }).status();
    expect(s.membership, 'the host records the winner, and only it').toMatchObject({
      nodeId: winner.nodeId,
      vdc: { id: winner.vdc.id },
    });
    expect(s.token.state).toBe('used');
  });

  it('through two vDC processes: one connected host in one database, matching the host, no pending rows left', async () => {
    const agent = await startAgent({ host: '127.0.0.72', inventoryRoot: emptyRoot });
    agents.push(agent);
    const [a, b] = await Promise.all([startVdc({ name: 'race-a' }), startVdc({ name: 'race-b' })]);
    vdcs.push(a, b);
    const [ca, cb] = await Promise.all([
      a.client().createCluster({ name: 'A' }),
      b.client().createCluster({ name: 'B' }),
    ]);
    const token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
    const address = `${agent.host}:${agent.port}`;
    const discover = (v: VdcProcess) =>
      v
        .client()
        .discover({ address, token })
        .then((d) => d.discoveryId);
    // Review first (each discovery costs the vDC one key derivation), then fire every registration at once.
    const idsA: string[] = [];
    const idsB: string[] = [];
    for (let i = 0; i < PER_VDC; i += 5) {
      const batch = await Promise.all([
        ...Array.from({ length: 5 }, () => discover(a)),
        ...Array.from({ length: 5 }, () => discover(b)),
      ]);
      idsA.push(...batch.slice(0, 5));
      idsB.push(...batch.slice(5));
    }
    const results = await Promise.allSettled([
      ...idsA.map((discoveryId) => a.client().register({ discoveryId, clusterId: ca.id })),
      ...idsB.map((discoveryId) => b.client().register({ discoveryId, clusterId: cb.id })),
    ]);
    const codes = results.map(codeOf);
    expect(
      codes.filter((c) => c === 'ok'),
      `registrations that succeeded (all answers: ${codes.join(', ')})`,
    ).toHaveLength(1);
    const loserCodes = new Set(codes.filter((c) => c !== 'ok'));
    const allowed = new Set(['TOKEN_ALREADY_USED', 'HOST_MANAGED_ELSEWHERE', 'HOST_ALREADY_REGISTERED', 'BUSY']);
    expect(
      [...loserCodes].filter((c) => !allowed.has(c)),
      'losers with an unexpected answer',
    ).toEqual([]);

    const [nodesA, nodesB] = await Promise.all([a.client().listNodes(), b.client().listNodes()]);
    const all = [...nodesA.map((n) => ({ ...n, vdc: a.vdcId })), ...nodesB.map((n) => ({ ...n, vdc: b.vdcId }))];
    expect(
      all.map((n) => `${n.vdc}:${n.state}`),
      'host rows across both vDCs',
    ).toHaveLength(1);
    expect(all[0]!.state).toBe('connected');
    const s = await new LocalAgentClient({ socketPath: agent.socketPath }).status();
    expect(s.membership?.vdc.id, 'the host belongs to the vDC that has the row').toBe(all[0]!.vdc);
    expect(s.membership?.nodeId).toBe(all[0]!.id);
  }, 120_000);
});
