/**
 * The whole add-host flow against a real host agent and a real vDC, both
 * child processes over real HTTPS and Unix sockets with a real SQLite file:
 * discover (with streamed stages) → register → polled connected → host
 * leaves on its own → removed; and what survives a vDC restart. On both
 * back ends: SQLite in the state directory, and an embedded PostgreSQL.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { readdirSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import type { DiscoverStage } from '../../common/protocol/vdc-api.js';
import { canonicalizeToken } from '../../common/token/token.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const postgres = usePostgres();

describe.each(VDC_BACKENDS)('%s', (backend) => {
  let agent: AgentProcess;
  let vdc: VdcProcess;
  const seenTokens: string[] = [];

  beforeAll(async () => {
    const database = await postgres.database(backend);
    [agent, vdc] = await Promise.all([
      startAgent({ host: '127.0.0.21' }),
      startVdc({ name: 'vdc-int', ...(database ? { database } : {}) }),
    ]);
  });

  afterAll(async () => {
    await stopAll(agent, vdc);
  });

  async function newToken(a: AgentProcess): Promise<string> {
    const info = await new LocalAgentClient({ socketPath: a.socketPath }).generateToken();
    seenTokens.push(info.token);
    return info.token;
  }

  describe('discover → register → connected → remove', () => {
    let clusterId: string;
    let nodeId: string;

    it('discovers the host with the token, reporting each stage in order', async () => {
      const client = vdc.client();
      const cluster = await client.createCluster({ name: 'Production', description: 'main racks' });
      clusterId = cluster.id;
      const token = await newToken(agent);
      const stages: DiscoverStage[] = [];
      const d = await client.discover(
        { address: `https://${agent.host}:${agent.port}`, token: token.toLowerCase() },
        { onStage: (s) => stages.push(s) },
      );
      expect(stages).toEqual(['connecting', 'verifying', 'collecting']);
      expect(d.host).toMatchObject({
        hostId: agent.hostId,
        address: agent.host,
        port: agent.port,
        certificateFingerprint: agent.fingerprint,
        identityVerified: true,
      });
      expect(d.inventory.system.hostId).toBe(agent.hostId);
      expect(Date.parse(d.expiresAt) - Date.now()).toBeGreaterThan(9 * 60_000);
      expect(d.warnings.map((w) => w.code)).not.toContain('ALREADY_REGISTERED');
      expect(d.warnings.map((w) => w.code)).not.toContain('ADDRESS_NOT_REPORTED');

      const node = await client.register({ discoveryId: d.discoveryId, clusterId });
      nodeId = node.id;
      expect(node).toMatchObject({
        hostId: agent.hostId,
        clusterId,
        clusterName: 'Production',
        state: 'connected',
        port: agent.port,
      });
      expect(node.inventory?.system.hostId).toBe(agent.hostId);
      expect(node.capacity.cpuThreads).toBeGreaterThan(0);

      // The host knows it joined this vDC, in this cluster.
      const status = await new LocalAgentClient({ socketPath: agent.socketPath }).status();
      expect(status.membership).toMatchObject({
        nodeId,
        vdc: { id: vdc.vdcId, name: 'vdc-int' },
        cluster: { id: clusterId, name: 'Production' },
      });
      expect(status.token.state).toBe('used');
    });

    it('lists the host under its cluster, and the poller keeps its live usage fresh', async () => {
      const client = vdc.client();
      expect((await client.listNodes({ clusterId: 'Production' })).map((n) => n.id)).toEqual([nodeId]);
      expect((await client.listClusters()).find((c) => c.id === clusterId)).toMatchObject({
        hosts: 1,
        connectedHosts: 1,
      });
      const first = await client.getNode(nodeId);
      const polled = await waitFor('a health check after registration', async () => {
        const n = await client.getNode(nodeId);
        return n.usage && n.lastSeenAt && n.lastSeenAt > first.lastSeenAt! ? n : null;
      });
      expect(polled.state).toBe('connected');
      expect(polled.usage?.memoryTotalBytes).toBeGreaterThan(0);
      const local = await new LocalAgentClient({ socketPath: agent.socketPath }).status();
      expect(local.membership?.lastContactAt).not.toBeNull();
      const health = await client.health();
      expect(health.hosts).toMatchObject({ connected: 1, total: 1 });
      expect(health.poller.lastRoundHosts).toBe(1);
    });

    it('keeps clusters, hosts and audit across a restart and polls the host again', async () => {
      const before = await vdc.client().audit({ limit: 100 });
      await vdc.restart();
      const client = vdc.client();
      expect((await client.listClusters()).map((c) => c.name)).toEqual(['Production']);
      const node = await client.getNode(nodeId);
      expect(node.hostId).toBe(agent.hostId);
      const after = await client.audit({ limit: 100 });
      expect(after.slice(after.length - before.length).map((e) => e.id)).toEqual(before.map((e) => e.id));
      const restartedAt = new Date().toISOString();
      await waitFor('a health check after the restart', async () => {
        const n = await client.getNode(nodeId);
        return n.state === 'connected' && n.lastSeenAt! > restartedAt ? n : null;
      });
      expect((await client.health()).vdc.id).toBe(vdc.vdcId);
    });

    it('refuses to delete a cluster that still has the host', async () => {
      await expect(vdc.client().deleteCluster('Production')).rejects.toMatchObject({ code: 'CLUSTER_NOT_EMPTY' });
    });

    it('removes the host: the host leaves over mutual TLS and is standalone again', async () => {
      const client = vdc.client();
      const r = await client.removeNode(nodeId);
      expect(r).toMatchObject({ hostNotified: true, reason: null, node: { id: nodeId } });
      const status = await new LocalAgentClient({ socketPath: agent.socketPath }).status();
      expect(status.membership).toBeNull();
      await expect(client.getNode(nodeId)).rejects.toMatchObject({ code: 'HOST_NOT_FOUND' });
      expect((await client.deleteCluster('Production')).name).toBe('Production');
    });

    it('audits every step with its source, address and outcome', async () => {
      const events = await vdc.client().audit({ limit: 100 });
      const actions = events.map((e) => `${e.action}:${e.outcome}`);
      expect(actions).toEqual(
        expect.arrayContaining([
          'cluster.create:ok',
          'node.discover:ok',
          'node.register:ok',
          'node.remove:ok',
          'cluster.delete:ok',
        ]),
      );
      const discover = events.find((e) => e.action === 'node.discover')!;
      expect(discover).toMatchObject({
        source: 'socket',
        address: `${agent.host}:${agent.port}`,
        hostId: agent.hostId,
      });
    });
  });

  describe('a host that leaves on its own', () => {
    it('is marked left by the poller, and removing it needs no force', async () => {
      const client = vdc.client();
      const cluster = await client.createCluster({ name: 'Edge' });
      const token = await newToken(agent);
      const d = await client.discover({ address: `${agent.host}:${agent.port}`, token });
      const node = await client.register({ discoveryId: d.discoveryId, clusterId: cluster.id });
      await new LocalAgentClient({ socketPath: agent.socketPath }).leave();
      const left = await waitFor('the poller to see the host left', async () => {
        const n = await client.getNode(node.id);
        return n.state === 'left' ? n : null;
      });
      expect(left.lastError?.code).toMatch(/NOT_MANAGED/);
      const r = await client.removeNode(node.id);
      expect(r.hostNotified).toBe(false);
      expect(r.reason).toMatch(/no longer managed/);
    });
  });

  describe('secrets', () => {
    it('never writes a registration token to the vDC log or its state files', async () => {
      expect(seenTokens.length).toBeGreaterThan(0);
      const logs = vdc.logs().join('\n');
      const files = readdirSync(vdc.stateDir).map((f) => readFileSync(path.join(vdc.stateDir, f)).toString('latin1'));
      for (const t of seenTokens) {
        const canonical = canonicalizeToken(t)!;
        for (const form of [t, canonical, canonical.toLowerCase()]) {
          expect(logs).not.toContain(form);
          for (const f of files) expect(f).not.toContain(form);
        }
      }
    });
  });
});
