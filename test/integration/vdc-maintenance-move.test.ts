/**
 * Maintenance mode, moving a host to another cluster and renaming a
 * cluster, against a real vDC (both back ends) and real agents over mutual
 * TLS, through the console's CLI: what the vDC records, what the totals
 * count, what the host itself holds (`quantix-node status --json`), and
 * what happens when a host is down.
 */
import fs from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { request } from '../../common/http/request.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { REPO_ROOT, runAgentCli, startAgent, type AgentProcess } from '../helpers/agent.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, waitFor, type VdcProcess } from '../helpers/vdc.js';
import { runConsoleCli } from '../e2e/vdc-console-support.js';

const postgres = usePostgres();
const FIXTURES = path.join(REPO_ROOT, 'test/fixtures/hosts');

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed --json output: each test asserts the shape it reads.
  json: any;
}

// Each test runs several CLI processes; on a loaded machine that takes a while (no duration is asserted).
describe.each(VDC_BACKENDS)('%s', { timeout: 120_000 }, (backend) => {
  let vdc: VdcProcess;
  let big: AgentProcess;
  let small: AgentProcess;
  let home = '';
  const ids: Record<string, string> = {};
  /** Agents stopped during a test, removed at the end. */
  const stopped: AgentProcess[] = [];

  beforeAll(async () => {
    const database = await postgres.database(backend);
    [vdc, big, small] = await Promise.all([
      startVdc({ name: 'vdc-moves', ...(database ? { database } : {}) }),
      startAgent({ host: '127.0.0.41', inventoryRoot: path.join(FIXTURES, 'server-2s') }),
      startAgent({ host: '127.0.0.42', inventoryRoot: path.join(FIXTURES, 'vm-minimal') }),
    ]);
    home = fs.mkdtempSync(path.join(os.tmpdir(), 'qx-moves-home-'));
    const client = vdc.client();
    for (const name of ['Production', 'Staging']) ids[name] = (await client.createCluster({ name })).id;
    for (const [key, agent] of [
      ['big', big],
      ['small', small],
    ] as const) {
      const token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
      const d = await client.discover({ address: `${agent.host}:${agent.port}`, token });
      ids[key] = (await client.register({ discoveryId: d.discoveryId, clusterId: ids.Production! })).id;
    }
  });

  afterAll(async () => {
    await stopAll(big, small, vdc, ...stopped);
    if (home) fs.rmSync(home, { recursive: true, force: true });
  });

  async function cli(args: string[]): Promise<Run> {
    const run = await runConsoleCli(args, { home, socketPath: vdc.socketPath });
    let json: unknown = null;
    try {
      json = JSON.parse(run.stdout);
    } catch {
      // text output
    }
    return { ...run, json };
  }

  /** What the host itself holds, as its own CLI prints it. */
  async function hostMembership(
    agent: AgentProcess,
  ): Promise<{ cluster: { id: string; name: string }; maintenance: boolean }> {
    const r = await runAgentCli(['status', '--json', '--socket', agent.socketPath]);
    expect(r.code).toBe(0);
    return (JSON.parse(r.stdout) as { membership: { cluster: { id: string; name: string }; maintenance: boolean } })
      .membership;
  }

  const productionOf = async () =>
    (
      (await cli(['clusters', 'list', '--json'])).json as {
        clusters: Array<{ name: string; capacity: { cpuThreads: number; maintenanceHosts: number } }>;
      }
    ).clusters.find((c) => c.name === 'Production')!;

  it('maintenance on leaves the host out of the cluster and fleet totals, keeps polling it and tells the host', async () => {
    const before = await cli(['clusters', 'list', '--json']);
    const threads = (await vdc.client().getNode(ids.big!)).capacity.cpuThreads!;
    const prodBefore = (before.json.clusters as Array<{ name: string; capacity: { cpuThreads: number } }>).find(
      (c) => c.name === 'Production',
    )!;

    const on = await cli(['hosts', 'maintenance', ids.big!, 'on', '--json']);
    expect(on.code, on.stderr).toBe(0);
    expect(on.json).toMatchObject({ maintenance: true, hostNotified: true, reason: null, host: { maintenance: true } });
    expect(on.json.host.maintenanceSince).toEqual(expect.any(String));

    const after = await cli(['clusters', 'list', '--json']);
    const prodAfter = await productionOf();
    expect(prodAfter.capacity.cpuThreads).toBe(prodBefore.capacity.cpuThreads - threads);
    expect(prodAfter.capacity.maintenanceHosts).toBe(1);
    expect(after.json.fleet.cpuThreads).toBe(before.json.fleet.cpuThreads - threads);
    expect(after.json.fleet).toMatchObject({ hosts: 2, maintenanceHosts: 1 });
    const text = await cli(['clusters', 'list']);
    expect(text.stdout).toContain('1 host is in maintenance: not counted in the capacity totals.');
    expect((await cli(['hosts', 'list'])).stdout).toMatch(/maint/);
    expect((await cli(['hosts', 'show', ids.big!])).stdout).toMatch(/Maintenance\s+on since .*not in capacity totals/);

    const listed = (await cli(['hosts', 'list', '--json'])).json as {
      hosts: Array<{ id: string; maintenance: boolean }>;
    };
    expect(listed.hosts.find((h) => h.id === ids.big)?.maintenance).toBe(true);
    expect(listed.hosts.find((h) => h.id === ids.small)?.maintenance).toBe(false);
    expect(await hostMembership(big)).toMatchObject({ maintenance: true, cluster: { name: 'Production' } });

    // Still polled: its last contact moves on while it is in maintenance.
    const seen = (await vdc.client().getNode(ids.big!)).lastSeenAt!;
    await waitFor('a health check of the host in maintenance', async () => {
      const n = await vdc.client().getNode(ids.big!);
      return n.state === 'connected' && n.lastSeenAt! > seen;
    });
    expect((await vdc.client().health()).hosts).toMatchObject({ connected: 2 });

    const off = await cli(['hosts', 'maintenance', ids.big!, 'off']);
    expect(off.code, off.stderr).toBe(0);
    expect(off.stdout).toContain('out of maintenance');
    expect((await productionOf()).capacity.cpuThreads).toBe(prodBefore.capacity.cpuThreads);
    expect(await hostMembership(big)).toMatchObject({ maintenance: false });
    const audit = await vdc.client().audit({ limit: 20 });
    expect(audit.filter((e) => e.action === 'host.maintenance').map((e) => e.detail)).toEqual([
      expect.stringContaining('maintenance off'),
      expect.stringContaining('maintenance on'),
    ]);
  });

  it('refuses a maintenance mode other than on or off before any request', async () => {
    const r = await cli(['hosts', 'maintenance', ids.big!, 'maybe', '--json']);
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe('VALIDATION_ERROR');
  });

  it('moves a host to another cluster without a token: the host holds the new cluster', async () => {
    const r = await cli(['hosts', 'move', ids.big!, '--cluster', 'staging', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      moved: true,
      from: { id: ids.Production, name: 'Production' },
      host: { clusterId: ids.Staging, clusterName: 'Staging' },
    });
    expect(await hostMembership(big)).toMatchObject({ cluster: { id: ids.Staging, name: 'Staging' } });
    const local = await new LocalAgentClient({ socketPath: big.socketPath }).status();
    expect(local.membership?.nodeId).toBe(ids.big);
    expect(local.token.state).not.toBe('active');
    // Moving it where it is changes nothing.
    const again = await cli(['hosts', 'move', ids.big!, '--cluster', 'Staging']);
    expect(again.stdout).toContain('already in cluster Staging');
    const audit = await vdc.client().audit({ limit: 10 });
    expect(audit.filter((e) => e.action === 'host.move' && e.outcome === 'ok').map((e) => e.detail)).toEqual([
      'qx-node-07 already in cluster Staging',
      'qx-node-07: cluster Production -> Staging',
    ]);
    // The poller sees the host in its new cluster and leaves it there.
    const seen = (await vdc.client().getNode(ids.big!)).lastSeenAt!;
    await waitFor(
      'a health check after the move',
      async () => (await vdc.client().getNode(ids.big!)).lastSeenAt! > seen,
    );
    expect(await hostMembership(big)).toMatchObject({ cluster: { name: 'Staging' } });
  });

  it('refuses a move to a missing cluster with CLUSTER_NOT_FOUND and changes nothing', async () => {
    const r = await cli(['hosts', 'move', ids.small!, '--cluster', 'Nowhere', '--json']);
    expect(r.code).toBe(4);
    expect(r.json.error.code).toBe('CLUSTER_NOT_FOUND');
    expect(r.stderr).toContain('clusters list');
    expect((await vdc.client().getNode(ids.small!)).clusterName).toBe('Production');
    expect(await hostMembership(small)).toMatchObject({ cluster: { name: 'Production' } });
  });

  it('renames a cluster, tells its hosts, and refuses a taken name with CLUSTER_EXISTS', async () => {
    const r = await cli(['clusters', 'rename', 'Staging', 'Stage-2', '--json']);
    expect(r.code, r.stderr).toBe(0);
    expect(r.json).toMatchObject({
      cluster: { id: ids.Staging, name: 'Stage-2' },
      previousName: 'Staging',
      hostsNotified: 1,
      hostsPending: 0,
    });
    expect(await hostMembership(big)).toMatchObject({ cluster: { id: ids.Staging, name: 'Stage-2' } });
    expect((await vdc.client().getNode(ids.big!)).clusterName).toBe('Stage-2');

    const taken = await cli(['clusters', 'rename', 'Stage-2', 'production', '--json']);
    expect(taken.code).toBe(4);
    expect(taken.json.error.code).toBe('CLUSTER_EXISTS');
    // A name that breaks the rules is refused at the edge, like any malformed request.
    const bad = await cli(['clusters', 'rename', 'Stage-2', 'bad name', '--json']);
    expect(bad.json.error.code).toBe('VALIDATION_ERROR');
    const renames = (await vdc.client().audit({ limit: 10 })).filter((e) => e.action === 'cluster.rename');
    expect(renames.map((e) => [e.outcome, e.code])).toEqual([
      ['error', 'CLUSTER_EXISTS'],
      ['ok', null],
    ]);
    expect(renames[1]!.detail).toBe('Staging -> Stage-2; 1 host told');
  });

  it('says how many hosts a cluster still has, and what to do, when it cannot be deleted', async () => {
    const r = await cli(['clusters', 'delete', 'Production', '--json']);
    expect(r.code).toBe(4);
    expect(r.json.error.code).toBe('CLUSTER_NOT_EMPTY');
    expect(r.json.error.message).toBe('Cluster "Production" still has 1 host; it was not deleted.');
    expect(r.json.error.hint).toContain('hosts move HOST --cluster OTHER');
    expect(r.json.error.hint).toContain('hosts remove HOST');
  });

  it('a host that is down is not moved; maintenance and a rename reach it once it is back', async () => {
    const port = small.port;
    await small.stop();
    stopped.push(small);
    await waitFor(
      'the stopped host marked down',
      async () => (await vdc.client().getNode(ids.small!)).state === 'disconnected',
    );

    const move = await cli(['hosts', 'move', ids.small!, '--cluster', 'Stage-2', '--json']);
    expect(move.code).toBe(4);
    expect(['HOST_UNREACHABLE', 'CONNECTION_TIMEOUT']).toContain(move.json.error.code);
    expect(move.json.error.message).toContain('was not moved: nothing changed');
    expect((await vdc.client().getNode(ids.small!)).clusterId).toBe(ids.Production);
    expect((await vdc.client().audit({ limit: 5 })).find((e) => e.action === 'host.move')).toMatchObject({
      outcome: 'error',
      code: move.json.error.code,
    });

    const maint = await cli(['hosts', 'maintenance', ids.small!, 'on', '--json']);
    expect(maint.code, maint.stderr).toBe(0);
    expect(maint.json).toMatchObject({ hostNotified: false, host: { maintenance: true } });
    const renamed = await cli(['clusters', 'rename', 'Production', 'Prod', '--json']);
    expect(renamed.json).toMatchObject({ hostsNotified: 0, hostsPending: 1 });

    small = await startAgent({
      host: small.host,
      port,
      stateDir: small.stateDir,
      inventoryRoot: path.join(FIXTURES, 'vm-minimal'),
    });
    await waitFor(
      'the poller telling the returning host its maintenance and new cluster name',
      async () => {
        const m = await hostMembership(small);
        return m.maintenance && m.cluster.name === 'Prod';
      },
      20_000,
    );
    expect((await vdc.client().getNode(ids.small!)).state).toBe('connected');
  });

  it('offers every change only as a non-GET route', async () => {
    const socket = { kind: 'socket' as const, socketPath: vdc.socketPath };
    for (const p of [
      `/api/nodes/${ids.big}/maintenance`,
      `/api/nodes/${ids.big}/move`,
      `/api/clusters/${ids.Staging}/rename`,
    ]) {
      const r = await request(socket, { method: 'GET', path: p });
      // The path exists for another method: 405, not a 404 that any missing route would give.
      expect(r.status, p).toBe(405);
    }
    expect((await vdc.client().getNode(ids.big!)).clusterName).toBe('Stage-2');
  });
});
