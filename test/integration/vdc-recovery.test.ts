/**
 * What the vDC does when things break under it: killed with SIGKILL between
 * the host's join and its own commit, a pending record for a host that
 * never joined, a host that goes down and comes back, and removing a host
 * that cannot be reached. On both back ends.
 */
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { capacityOf } from '../../vdc-console/server/capacity.js';
import { createLogger } from '../../common/log/logger.js';
import { openStore } from '../../vdc-console/server/server.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const postgres = usePostgres();
const quiet = createLogger({ name: 'test', level: 'silent' });

describe.each(VDC_BACKENDS)('%s', (backend) => {
  let emptyRoot: string;
  let vdc: VdcProcess;
  const agents: AgentProcess[] = [];
  let clusterId: string;

  function local(a: AgentProcess): LocalAgentClient {
    return new LocalAgentClient({ socketPath: a.socketPath });
  }

  async function agentAt(host: string, extra: { port?: number; stateDir?: string } = {}): Promise<AgentProcess> {
    // An inventory root without SMBIOS or machine-id gives each agent its own hostId.
    const a = await startAgent({ host, inventoryRoot: emptyRoot, ...extra });
    agents.push(a);
    return a;
  }

  beforeAll(async () => {
    emptyRoot = mkdtempSync(path.join(os.tmpdir(), 'qx-empty-root-'));
    const database = await postgres.database(backend);
    // A short lease: a restarted replica takes over the rows the killed one held within a second.
    vdc = await startVdc({
      name: 'vdc-rec',
      connectTimeout: '1s',
      responseTimeout: '5s',
      ...(database ? { database, lease: '1s' } : {}),
    });
    clusterId = (await vdc.client().createCluster({ name: 'Recovery' })).id;
  });

  afterAll(async () => {
    await stopAll(vdc, ...agents);
    rmSync(emptyRoot, { recursive: true, force: true });
  });

  describe('crash between the host joining and the vDC recording it', () => {
    it('finds the host pending after kill -9 and completes it on restart', async () => {
      const agent = await agentAt('127.0.0.51');
      const token = (await local(agent).generateToken()).token;
      await vdc.restart({ env: { QUANTIX_VDC_CRASH_AFTER_JOIN: '1' } });
      const d = await vdc.client().discover({ address: `${agent.host}:${agent.port}`, token });
      const attempt = await vdc
        .client()
        .register({ discoveryId: d.discoveryId, clusterId })
        .then(
          () => null,
          (e: unknown) => e,
        );
      expect(attempt).toBeInstanceOf(QuantixError);
      expect(await vdc.exited()).toEqual({ code: null, signal: 'SIGKILL' });

      // The host joined; the vDC's record is still pending.
      expect((await local(agent).status()).membership?.vdc.id).toBe(vdc.vdcId);
      const store = await openStore(vdc.stateDir, vdc.database, quiet);
      try {
        expect((await store.listNodes()).map((n) => [n.hostId, n.state])).toEqual([[agent.hostId, 'pending']]);
      } finally {
        await store.close();
      }

      await vdc.restart({ env: {} });
      const node = await waitFor('the pending host to be completed', async () => {
        const [n] = await vdc.client().listNodes();
        return n?.state === 'connected' ? n : null;
      });
      expect(node.hostId).toBe(agent.hostId);
      const audit = await vdc.client().audit({ limit: 20 });
      expect(audit.find((e) => e.action === 'node.register' && e.source === 'vdc')?.detail).toMatch(/completed/);
      await vdc.client().removeNode(node.id);
    });

    it('undoes a pending record on restart when the host never joined', async () => {
      const agent = await agentAt('127.0.0.52');
      await vdc.stop();
      const inventory = await local(agent).inventory();
      const store = await openStore(vdc.stateDir, vdc.database, quiet);
      try {
        await store.insertPendingNode({
          id: 'never-joined',
          hostId: agent.hostId,
          hostname: inventory.system.hostname,
          address: agent.host,
          port: agent.port,
          clusterId,
          certificateFingerprint: agent.fingerprint,
          inventory,
          capacity: capacityOf(inventory),
          at: new Date().toISOString(),
        });
      } finally {
        await store.close();
      }
      await vdc.restart();
      await waitFor(
        'the pending record of a host that never joined to be removed',
        async () => (await vdc.client().listNodes()).length === 0,
      );
      const audit = await vdc.client().audit({ limit: 20 });
      expect(audit.find((e) => e.nodeId === 'never-joined')).toMatchObject({
        action: 'node.register',
        outcome: 'error',
        detail: expect.stringMatching(/undone/),
      });
      expect((await local(agent).status()).membership).toBeNull();
    });
  });

  describe('health of a registered host', () => {
    let agent: AgentProcess;
    let nodeId: string;

    beforeAll(async () => {
      agent = await agentAt('127.0.0.53');
      const token = (await local(agent).generateToken()).token;
      const d = await vdc.client().discover({ address: `${agent.host}:${agent.port}`, token });
      nodeId = (await vdc.client().register({ discoveryId: d.discoveryId, clusterId })).id;
    });

    it('is disconnected with the reason while the agent is down, and connected again when it is back', async () => {
      const client = vdc.client();
      await agent.stop();
      const down = await waitFor('the host to be seen disconnected', async () => {
        const n = await client.getNode(nodeId);
        return n.state === 'disconnected' ? n : null;
      });
      // Refused once the agent is gone; reset, or told it is stopping, when a round reached it in the middle of its shutdown.
      expect(down.lastError).toMatchObject({
        code: 'HOST_UNREACHABLE',
        message: expect.stringMatching(/could not be reached \((connection (refused|reset)|it is stopping)\)/),
      });
      // The state's "since" stays at the first failure across later rounds.
      const round = (await client.health()).poller.lastRoundAt!;
      await waitFor('another health round', async () => (await client.health()).poller.lastRoundAt! > round);
      expect((await client.getNode(nodeId)).stateSince).toBe(down.stateSince);

      agent = await agentAt(agent.host, { port: agent.port, stateDir: agent.stateDir });
      const up = await waitFor('the host to be seen connected again', async () => {
        const n = await client.getNode(nodeId);
        return n.state === 'connected' ? n : null;
      });
      expect(up.stateSince > down.stateSince).toBe(true);
      expect(up.usage).not.toBeNull();
    });

    it('refuses to remove an unreachable host without force, and forgets it with force', async () => {
      const client = vdc.client();
      await agent.stop();
      const e = await client.removeNode(nodeId).then(
        () => null,
        (err: unknown) => err as QuantixError,
      );
      expect(e).toMatchObject({ code: 'HOST_UNREACHABLE' });
      expect(e!.hint).toMatch(/force/);
      expect((await client.getNode(nodeId)).id).toBe(nodeId);
      const r = await client.removeNode(nodeId, { force: true });
      expect(r.hostNotified).toBe(false);
      expect(r.reason).toMatch(/F9/);
      await expect(client.getNode(nodeId)).rejects.toMatchObject({ code: 'HOST_NOT_FOUND' });
      const audit = await client.audit({ limit: 5 });
      expect(audit.filter((x) => x.action === 'node.remove').map((x) => x.outcome)).toEqual(['ok', 'error']);
    });
  });
});
