/**
 * Maintenance, move and rename on both consoles in a pseudo-terminal: the
 * vDC console's keys on the host details and the dashboard (with their
 * fallback keys), and the host console showing what the vDC decided (the
 * maintenance row, the new cluster) without anyone touching the host.
 */
import { beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { waitFor } from '../helpers/vdc.js';
import { agentAddress, bothConsoles, newToken, startConsole } from './vdc-console-support.js';

const both = bothConsoles('vdc-moves');
let nodeId = '';

beforeAll(async () => {
  const client = both.vdc().client();
  await client.createCluster({ name: 'Staging' });
  const d = await client.discover({ address: agentAddress(both.agent()), token: await newToken(both.agent()) });
  nodeId = (await client.register({ discoveryId: d.discoveryId, clusterId: 'Production' })).id;
});

/** The cluster and maintenance flag the host itself holds. */
async function hostHolds(): Promise<{ cluster: string; maintenance: boolean }> {
  const m = (await new LocalAgentClient({ socketPath: both.agent().socketPath }).status()).membership!;
  return { cluster: m.cluster.name, maintenance: m.maintenance === true };
}

describe('vDC console', () => {
  it('toggles maintenance on the host details (m, then F7), says it is out of the totals, and moves the host from a list (v)', async () => {
    const p = both.run(startConsole(both.vdc(), { term: 'xterm', cols: 80, rows: 24 }));
    await p.waitForText(/Production\s+1\/1/);
    p.press('Tab', 'Enter');
    await p.waitForText(/Host ID/);
    await p.waitForSettled();
    expect(p.screen()).not.toContain('Maintenance');
    expect(p.screen()).toMatch(/m Maint\./);
    expect(p.screen()).toMatch(/v Move/);

    p.press('m');
    await p.waitForText('Enter maintenance?');
    expect(p.screen()).toContain('storage and GPUs leave the capacity totals');
    p.press('y');
    await p.waitForText(/is in maintenance: not counted in capacity totals/);
    await p.waitForText(/Maintenance\s+on since .*not in capacity totals/);
    expect(await hostHolds()).toMatchObject({ maintenance: true });

    p.press('Esc');
    await p.waitForText('1 in maint., not in totals');
    await p.waitForText(/● maint/);

    // The fallback key of m, and a cancelled question changes nothing.
    p.press('Enter');
    await p.waitForText(/Maintenance\s+on since/);
    p.press('F7');
    await p.waitForText('Leave maintenance?');
    p.press('n');
    await p.waitForNoText('Leave maintenance?');
    p.press('F7');
    await p.waitForText('Leave maintenance?');
    p.press('Enter');
    await p.waitForText(/is out of maintenance/);
    await p.waitForNoText(/Maintenance\s+on/);
    expect(await hostHolds()).toMatchObject({ maintenance: false });

    p.press('v');
    await p.waitForText('Move host');
    expect(p.screen()).toMatch(/Move \S+ from Production to:/);
    expect(p.screen()).toMatch(/1\s+Staging\s+0 hosts/);
    p.press('1');
    await p.waitForText(/Moved \S+ from Production to Staging\./);
    await p.waitForText(/Cluster\s+Staging/);
    expect(await hostHolds()).toMatchObject({ cluster: 'Staging' });
    const audit = await both.vdc().client().audit({ limit: 10 });
    expect(audit.map((e) => e.action)).toEqual(
      expect.arrayContaining(['host.move', 'host.maintenance', 'host.maintenance']),
    );
  });

  it('renames the selected cluster from the dashboard (n, and its fallback F2), refusing a taken name on the spot', async () => {
    const p = both.run(startConsole(both.vdc(), { term: 'xterm', cols: 80, rows: 24 }));
    await p.waitForText(/Staging\s+1\/1/);
    // Clusters sort by name: Production first; Down selects Staging, which holds the host.
    p.press('Down');
    await p.waitForText(/Hosts · Staging/);
    p.press('F2');
    await p.waitForText('Rename cluster');
    expect(p.screen()).toMatch(/New name Staging_/);
    for (let i = 0; i < 'Staging'.length; i++) p.press('Backspace');
    p.write('production');
    p.press('Enter');
    await p.waitForText('another cluster has this name');
    for (let i = 0; i < 'production'.length; i++) p.press('Backspace');
    p.write('Edge');
    p.press('Enter');
    await p.waitForText(/Renamed cluster Staging to Edge\./);
    await p.waitForText(/Hosts · Edge/);
    expect(await hostHolds()).toMatchObject({ cluster: 'Edge' });

    p.press('n');
    await p.waitForText('Rename cluster');
    p.press('Esc');
    await p.waitForNoText('Rename cluster');
    expect((await both.vdc().client().listClusters()).map((c) => c.name).sort()).toEqual(['Edge', 'Production']);
  });
});

describe('host console', () => {
  it('shows the maintenance set on the vDC and the cluster the host was moved to', async () => {
    const client = both.vdc().client();
    const p = both.hostConsole({ log: 'moves.log', term: 'linux' });
    const before = await hostHolds();
    await p.waitForText(new RegExp(`cluster ${before.cluster}`));
    expect(p.screen()).not.toContain('Maintenance');

    await client.setMaintenance(nodeId, true);
    await p.waitForText(/Maintenance: set on the vDC; not counted in its capacity/);
    await p.waitForText(/token: not needed \(managed\) · Maintenance/);

    await client.moveNode(nodeId, 'Production');
    await p.waitForText(/cluster Production/);
    expect(p.screen()).toContain('Maintenance: set on the vDC');

    await client.setMaintenance(nodeId, false);
    await p.waitForNoText('Maintenance');
    await waitFor('the host out of maintenance', async () => !(await hostHolds()).maintenance);
  });
});
