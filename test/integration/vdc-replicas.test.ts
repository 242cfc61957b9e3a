/**
 * Two `quantix-vdc serve` replicas on one embedded PostgreSQL, with real host
 * agents: one shared identity; a discover on one replica and the register on
 * the other; registration exactly once when both register one host at the
 * same moment; each host polled by one live replica; a replica killed with
 * SIGKILL has its hosts taken over without any host changing state.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import type { NodeSummary } from '../../common/protocol/vdc-api.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

let postgres: TestPostgres;
let database: string;
let keyDir: string;
let emptyRoot: string;
let a: VdcProcess;
let b: VdcProcess;
let hosts: AgentProcess[] = [];

const LEASE = '1s';

beforeAll(async () => {
  keyDir = mkdtempSync(path.join(os.tmpdir(), 'qx-vdc-key-'));
  // No hardware to read: each agent makes up its own host id, so two agents on this machine are two hosts.
  emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
  const [pgServer, agents] = await Promise.all([
    startPostgres(),
    Promise.all(['127.0.0.161', '127.0.0.162'].map((host) => startAgent({ host, inventoryRoot: emptyRoot }))),
  ]);
  postgres = pgServer;
  hosts = agents;
  database = await postgres.createDatabase('replicas');
  const replica = () =>
    startVdc({
      name: 'vdc-rep',
      database,
      secretFile: path.join(keyDir, 'vdc-secret.key'),
      lease: LEASE,
      pollInterval: '300ms',
    });
  // Started together: the first to take the startup lock creates the identity, the other opens it.
  [a, b] = await Promise.all([replica(), replica()]);
});

afterAll(async () => {
  await stopAll(a, b, ...hosts);
  await stopAll(postgres);
  rmSync(keyDir, { recursive: true, force: true });
  rmSync(emptyRoot, { recursive: true, force: true });
});

async function token(agent: AgentProcess): Promise<string> {
  return (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
}

describe('replicas on one PostgreSQL database', () => {
  it('present one identity: same vDC id and certificates, the private keys sealed in the database', async () => {
    expect(b.vdcId).toBe(a.vdcId);
    expect(b.clientFingerprint).toBe(a.clientFingerprint);
    expect(b.serverFingerprint).toBe(a.serverFingerprint);
    expect(statSync(path.join(keyDir, 'vdc-secret.key')).mode & 0o777).toBe(0o600);
    const rows = await postgres.query<{ name: string; key_sealed: string }>(
      new URL(database).pathname.slice(1),
      'SELECT name, key_sealed FROM certificates ORDER BY name',
    );
    expect(rows.map((r) => r.name)).toEqual(['vdc-client', 'vdc-server']);
    for (const r of rows) {
      expect(r.key_sealed).toMatch(/^v1\./);
      expect(r.key_sealed).not.toContain('PRIVATE KEY');
    }
    // Neither replica wrote a private key into its state directory, nor the database password into its log.
    for (const v of [a, b]) {
      expect(() => readFileSync(path.join(v.stateDir, 'vdc-client.key'))).toThrow();
      expect(v.logs().join('\n')).not.toContain(postgres.password);
      expect(v.logs().join('\n')).toContain(`"database":"postgresql://quantix@127.0.0.1:${postgres.port}/`);
    }
  });

  it('lists both replicas as alive in /api/health, on either replica', async () => {
    for (const v of [a, b]) {
      const h = await waitFor('both replicas in health', async () => {
        const x = await v.client().health();
        return x.replicas?.length === 2 && x.replicas.every((r) => r.alive) ? x : null;
      });
      expect(h.backend).toBe('postgresql');
      expect(h.replicas!.map((r) => r.id).sort()).toEqual([a.replicaId, b.replicaId].sort());
      expect(h.replicaId).toBe(v === a ? a.replicaId : b.replicaId);
    }
  });

  it('registers on one replica a host discovered on the other', async () => {
    const [host] = hosts;
    expect(hosts[1]!.hostId).not.toBe(host!.hostId);
    const cluster = await a.client().createCluster({ name: 'Shared' });
    const d = await a.client().discover({ address: `${host!.host}:${host!.port}`, token: await token(host!) });
    const node = await b.client().register({ discoveryId: d.discoveryId, clusterId: cluster.id });
    expect(node).toMatchObject({ hostId: host!.hostId, state: 'connected', clusterName: 'Shared' });
    const status = await new LocalAgentClient({ socketPath: host!.socketPath }).status();
    expect(status.membership).toMatchObject({ nodeId: node.id, vdc: { id: a.vdcId } });
    expect((await a.client().getNode(node.id)).state).toBe('connected');
    // The session was used: neither replica accepts it again.
    await expect(a.client().register({ discoveryId: d.discoveryId, clusterId: cluster.id })).rejects.toMatchObject({
      code: 'DISCOVERY_NOT_FOUND',
    });
  });

  it('registers a host once when both replicas register it at the same moment; the loser gets a coded answer', async () => {
    const host = hosts[1]!;
    const d = await b.client().discover({ address: `${host.host}:${host.port}`, token: await token(host) });
    const results = await Promise.allSettled(
      [a, b].map((v) => v.client().register({ discoveryId: d.discoveryId, clusterId: 'Shared' })),
    );
    const won = results.filter(
      (r): r is PromiseFulfilledResult<Awaited<ReturnType<ReturnType<VdcProcess['client']>['register']>>> =>
        r.status === 'fulfilled',
    );
    const lost = results.filter((r): r is PromiseRejectedResult => r.status === 'rejected');
    expect(won).toHaveLength(1);
    expect(lost).toHaveLength(1);
    const err = lost[0]!.reason as QuantixError;
    expect(err).toBeInstanceOf(QuantixError);
    expect(['HOST_ALREADY_REGISTERED', 'DISCOVERY_NOT_FOUND', 'BUSY']).toContain(err.code);
    const rows = (await a.client().listNodes()).filter((n) => n.hostId === host.hostId);
    expect(rows.map((n) => n.id)).toEqual([won[0]!.value.id]);
    const status = await new LocalAgentClient({ socketPath: host.socketPath }).status();
    expect(status.membership?.nodeId).toBe(won[0]!.value.id);
  });

  it('gives each host to exactly one live replica, spread over both', async () => {
    const h = await waitFor('one host per replica', async () => {
      const x = await a.client().health();
      return x.replicas?.every((r) => r.hosts === 1) ? x : null;
    });
    expect(h.replicas!.map((r) => r.hosts)).toEqual([1, 1]);
    const owners = await postgres.query<{ lease_owner: string }>(
      new URL(database).pathname.slice(1),
      'SELECT lease_owner FROM nodes ORDER BY id',
    );
    expect(owners.map((o) => o.lease_owner).sort()).toEqual([a.replicaId, b.replicaId].sort());
  });

  it('moves the hosts of a replica killed with SIGKILL to the survivor, and no host changes state on the way', async () => {
    const before = await b.client().listNodes();
    expect(before.every((n) => n.state === 'connected')).toBe(true);
    const seen: NodeSummary[][] = [];
    await a.kill();
    const h = await waitFor(
      'the survivor to hold every host',
      async () => {
        seen.push(await b.client().listNodes());
        const x = await b.client().health();
        const dead = x.replicas?.find((r) => r.id === a.replicaId);
        const self = x.replicas?.find((r) => r.id === b.replicaId);
        return dead && !dead.alive && self?.hosts === 2 ? x : null;
      },
      20_000,
      100,
    );
    expect(h.replicas!.find((r) => r.id === b.replicaId)!.alive).toBe(true);
    // The survivor checks the hosts it took: their last contact moves on.
    const killedAt = new Date().toISOString();
    await waitFor('the survivor to check both hosts', async () => {
      const nodes = await b.client().listNodes();
      seen.push(nodes);
      return nodes.every((n) => n.lastSeenAt! > killedAt) ? nodes : null;
    });
    for (const snapshot of seen) {
      for (const n of snapshot) {
        expect(n.state).toBe('connected');
        expect(n.stateSince).toBe(before.find((x) => x.id === n.id)!.stateSince);
      }
    }
  });

  it('shares the hosts again when the replica comes back', async () => {
    await a.restart({ lease: LEASE });
    await waitFor('one host per replica again', async () => {
      const x = await b.client().health();
      const alive = x.replicas?.filter((r) => r.alive) ?? [];
      return alive.length === 2 && alive.every((r) => r.hosts === 1) ? x : null;
    });
  });
});
