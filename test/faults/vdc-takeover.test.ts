/**
 * Takeover of a dead replica's hosts when one of them does not answer: two
 * replicas on an embedded PostgreSQL, one host each; the host of replica A
 * is frozen (SIGSTOP: its TCP port still accepts, nothing answers), then A
 * is killed. The survivor B takes the frozen host over and its check hangs
 * for the response timeout, five lease periods. Meanwhile B must keep
 * renewing: it stays alive in /api/health, keeps the lease of its own host
 * (which never changes state) and ends holding both hosts.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import type { HealthResponse, NodeSummary } from '../../common/protocol/vdc-api.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';

let postgres: TestPostgres | undefined;
let database = '';
let tmp = '';
let hosts: AgentProcess[] = [];
let replicaA: VdcProcess | undefined;
let replicaB: VdcProcess | undefined;

/** Lease period; the response timeout toward hosts is five of them. */
const LEASE_MS = 2000;

beforeAll(async () => {
  tmp = mkdtempSync(path.join(os.tmpdir(), 'qx-vdc-takeover-'));
  // No hardware to read: each agent makes up its own host id, so two agents on this machine are two hosts.
  const emptyRoot = path.join(tmp, 'empty-root');
  mkdirSync(emptyRoot);
  const [pgServer, agents] = await Promise.all([
    startPostgres(),
    Promise.all(['127.0.0.191', '127.0.0.192'].map((host) => startAgent({ host, inventoryRoot: emptyRoot }))),
  ]);
  postgres = pgServer;
  hosts = agents;
  database = await pgServer.createDatabase('takeover');
  // Rounds far apart: every lease move and every check after a takeover here comes from the heartbeats.
  const replica = () =>
    startVdc({
      name: 'vdc-takeover',
      database,
      secretFile: path.join(tmp, 'vdc-secret.key'),
      lease: `${LEASE_MS}ms`,
      pollInterval: '10m',
      connectTimeout: `${5 * LEASE_MS}ms`,
      responseTimeout: `${5 * LEASE_MS}ms`,
    });
  [replicaA, replicaB] = await Promise.all([replica(), replica()]);
});

afterAll(async () => {
  // A frozen agent would never see the SIGTERM of its cleanup.
  for (const h of hosts) h.child.kill('SIGCONT');
  await Promise.all([replicaA?.cleanup(), replicaB?.cleanup(), ...hosts.map((h) => h.cleanup())]);
  await postgres?.cleanup();
  rmSync(tmp, { recursive: true, force: true });
});

async function register(vdc: VdcProcess, agent: AgentProcess, clusterId: string): Promise<void> {
  const token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
  const d = await vdc.client().discover({ address: `${agent.host}:${agent.port}`, token });
  await vdc.client().register({ discoveryId: d.discoveryId, clusterId });
}

const owners = async () =>
  new Map(
    (
      await postgres!.query<{ id: string; lease_owner: string | null }>(
        new URL(database).pathname.slice(1),
        'SELECT id, lease_owner FROM nodes',
      )
    ).map((r) => [r.id, r.lease_owner]),
  );

describe('takeover of a dead replica whose host does not answer', () => {
  it('keeps the survivor renewing its leases while it checks the taken host, and no host flaps', async () => {
    const [a, b] = [replicaA!, replicaB!];
    const cluster = await a.client().createCluster({ name: 'Takeover' });
    await register(a, hosts[0]!, cluster.id);
    await register(b, hosts[1]!, cluster.id);
    await waitFor('one host per replica', async () => {
      const x = await b.client().health();
      return x.replicas?.length === 2 && x.replicas.every((r) => r.alive && r.hosts === 1) ? x : null;
    });
    const before = await b.client().listNodes();
    expect(before.map((n) => n.state)).toEqual(['connected', 'connected']);
    const held = await owners();
    const frozenNode = before.find((n) => held.get(n.id) === a.replicaId)!;
    const ownNode = before.find((n) => held.get(n.id) === b.replicaId)!;
    const frozen = hosts.find((h) => h.hostId === frozenNode.hostId)!;

    frozen.child.kill('SIGSTOP');
    await a.kill();
    const seen: Array<{ health: HealthResponse; nodes: NodeSummary[] }> = [];
    // The survivor's check of the frozen host ends with the response timeout: the host is then disconnected.
    await waitFor(
      'the survivor to take the frozen host over and find it unreachable',
      async () => {
        const health = await b.client().health();
        const nodes = await b.client().listNodes();
        seen.push({ health, nodes });
        return nodes.find((n) => n.id === frozenNode.id)?.state === 'disconnected' ? nodes : null;
      },
      60_000,
      100,
    );
    expect((await owners()).get(frozenNode.id)).toBe(b.replicaId);
    // Over the whole takeover, more than five lease periods: the survivor stays alive and holds its own host.
    expect(seen.length).toBeGreaterThan(10);
    for (const { health, nodes } of seen) {
      const self = health.replicas!.find((r) => r.id === b.replicaId)!;
      expect(self.alive).toBe(true);
      expect(self.hosts).toBeGreaterThanOrEqual(1);
      const own = nodes.find((n) => n.id === ownNode.id)!;
      expect(own.state).toBe('connected');
      expect(own.stateSince).toBe(ownNode.stateSince);
    }
    const last = seen.at(-1)!.health.replicas!.find((r) => r.id === b.replicaId)!;
    expect(last.hosts).toBe(2);
    const lost = seen.at(-1)!.nodes.find((n) => n.id === frozenNode.id)!;
    expect(lost.lastError?.code).toBeTruthy();
    expect(lost.stateSince > frozenNode.stateSince).toBe(true);
  });
});
