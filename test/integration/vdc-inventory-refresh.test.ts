/**
 * Fresh inventories after join, against a real vDC and a real agent that
 * reads a fixture /proc and /sys tree: the tree changes (memory added, a
 * disk pulled, a NIC down) and a refresh, on demand through the CLI or on
 * the vDC's schedule, shows the change in `hosts show --json`, the audit and
 * the capacity figures. An agent that is gone gives a coded error with the
 * next step. On both back ends.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { AuditEvent } from '../../common/protocol/vdc-api.js';
import { type AgentProcess, startAgent } from '../helpers/agent.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { addHostToNewCluster, fixtureCopy, runConsoleCli, tempDir } from '../e2e/vdc-console-support.js';

const postgres = usePostgres();
const GiB = 1024 ** 3;

/** Sets MemTotal of the fixture's /proc/meminfo to `kb`. */
function setMemTotal(root: string, kb: number): void {
  const file = path.join(root, 'proc/meminfo');
  fs.writeFileSync(file, fs.readFileSync(file, 'utf8').replace(/^MemTotal:\s+\d+ kB$/m, `MemTotal:       ${kb} kB`));
}

function memTotalKb(root: string): number {
  return Number(/^MemTotal:\s+(\d+) kB$/m.exec(fs.readFileSync(path.join(root, 'proc/meminfo'), 'utf8'))![1]);
}

describe.each(VDC_BACKENDS)('%s', (backend) => {
  let agent: AgentProcess;
  let vdc: VdcProcess;
  let dir: string;
  let root: string;
  let nodeId: string;

  beforeAll(async () => {
    dir = tempDir('qx-inv-refresh-');
    root = fixtureCopy(dir, 'host');
    const database = await postgres.database(backend);
    [agent, vdc] = await Promise.all([
      startAgent({ host: '127.0.0.43', inventoryRoot: root }),
      startVdc({ name: 'vdc-inv', ...(database ? { database } : {}) }),
    ]);
    nodeId = (await addHostToNewCluster(vdc, agent)).id;
  });

  afterAll(async () => {
    await stopAll(agent, vdc);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  const cli = (args: string[]) => runConsoleCli(args, { home: dir, socketPath: vdc.socketPath });
  const inventoryAudit = async (): Promise<AuditEvent[]> =>
    (await vdc.client().audit({ limit: 1000 })).filter((e) => e.action === 'host.inventory');

  it('on demand: memory added and a disk pulled show in hosts show, the audit and the capacity', async () => {
    const before = await vdc.client().getNode(nodeId);
    expect(before.inventoryChange).toBeNull();
    const sdb = before.inventory!.storage.disks.find((d) => d.name === 'sdb')!;
    setMemTotal(root, memTotalKb(root) + 16 * 1024 * 1024);
    fs.rmSync(path.join(root, 'sys/block/sdb'));

    const run = await cli(['hosts', 'refresh', 'qx-node-07', '--json']);
    expect(run.stderr).toBe('');
    expect(run.code).toBe(0);
    const out = JSON.parse(run.stdout) as { changes: string[]; host: { capacity: { memoryTotalBytes: number } } };
    expect(out.changes).toHaveLength(2);
    expect(out.changes[0]).toMatch(/^Memory added: 16 GiB \(from .+ to .+\)$/);
    expect(out.changes[1]).toMatch(/^Disk gone: sdb \(/);

    const show = await cli(['hosts', 'show', nodeId, '--json']);
    expect(show.code).toBe(0);
    const host = (
      JSON.parse(show.stdout) as {
        host: {
          inventoryAt: string;
          inventoryChange: { at: string; changes: string[] } | null;
          capacity: { memoryTotalBytes: number; localStorageBytes: number };
        };
      }
    ).host;
    expect(host.inventoryChange?.changes).toEqual(out.changes);
    expect(host.inventoryChange?.at).toBe(host.inventoryAt);
    expect(host.capacity.memoryTotalBytes).toBe(before.capacity.memoryTotalBytes! + 16 * GiB);
    expect(host.capacity.localStorageBytes).toBe(before.capacity.localStorageBytes! - sdb.sizeBytes!);

    const text = await cli(['hosts', 'show', nodeId]);
    expect(text.stdout).toMatch(/Inventory changed \d{4}-\d\d-\d\d \d\d:\d\d UTC\n {2}Memory added: 16 GiB/);

    const [audit] = await inventoryAudit();
    expect(audit).toMatchObject({ outcome: 'ok', source: 'socket', nodeId, hostId: agent.hostId, code: null });
    expect(audit!.detail).toBe(`${out.changes[0]}; ${out.changes[1]}`);
  });

  it('a second refresh finds nothing new, and keeps the last change found', async () => {
    const run = await cli(['hosts', 'refresh', nodeId]);
    expect(run.code).toBe(0);
    expect(run.stdout).toBe('Inventory of qx-node-07 read again: nothing changed.\n');
    const node = await vdc.client().getNode(nodeId);
    expect(node.inventoryChange?.changes[0]).toMatch(/^Memory added: 16 GiB/);
    expect(Date.parse(node.inventoryAt!)).toBeGreaterThan(Date.parse(node.inventoryChange!.at));
    expect((await inventoryAudit())[0]).toMatchObject({ outcome: 'ok', detail: 'no change' });
  });

  it('on a schedule: the replica holding the host reads it again by itself', async () => {
    await vdc.restart({ args: ['--inventory-refresh', '1s'] });
    const eno1 = path.join(root, 'sys/class/net/eno1/operstate');
    const shown = fs.realpathSync(eno1);
    fs.writeFileSync(shown, 'down\n');
    const node = await waitFor(
      'the scheduled refresh to find eno1 down',
      async () => {
        const n = await vdc.client().getNode(nodeId);
        return n.inventoryChange?.changes.includes('Network interface eno1 is now down (was up)') ? n : null;
      },
      20_000,
    );
    expect(node.inventory!.network.find((n) => n.name === 'eno1')!.state).toBe('down');
    const audit = (await inventoryAudit()).find((e) => e.detail?.includes('eno1 is now down'));
    expect(audit).toMatchObject({ outcome: 'ok', source: 'vdc', actor: null });
  });

  it('an agent that is gone: a coded error with the next step, audited, the inventory kept', async () => {
    await agent.stop();
    const run = await cli(['hosts', 'refresh', nodeId, '--json']);
    expect(run.code).toBe(4);
    const err = (JSON.parse(run.stdout) as { error: { code: string; message: string; hint: string } }).error;
    expect(err.code).toBe('HOST_UNREACHABLE');
    expect(err.message).toMatch(/^Could not read the inventory of qx-node-07 \(127\.0\.0\.43:\d+\): .* is kept\.$/);
    expect(err.hint).toMatch(/quantix-node runs on the host.*Then refresh again\.$/);
    expect(run.stderr).toMatch(/^quantix-vdc-console: HOST_UNREACHABLE: Could not read the inventory/);
    expect((await inventoryAudit())[0]).toMatchObject({ outcome: 'error', code: 'HOST_UNREACHABLE' });
    expect((await vdc.client().getNode(nodeId)).inventory).not.toBeNull();
  });

  it('an unknown host is HOST_NOT_FOUND', async () => {
    const run = await cli(['hosts', 'refresh', 'no-such-host']);
    expect(run.code).toBe(4);
    expect(run.stderr).toMatch(/HOST_NOT_FOUND/);
  });
});

describe('two replicas on one PostgreSQL database', () => {
  let agent: AgentProcess;
  let replicas: VdcProcess[] = [];
  let dir: string;
  let root: string;
  let nodeId: string;

  beforeAll(async () => {
    dir = tempDir('qx-inv-replicas-');
    root = fixtureCopy(dir, 'host');
    const database = (await postgres.database('postgresql'))!;
    const replica = () =>
      startVdc({
        name: 'vdc-inv-rep',
        database,
        secretFile: path.join(dir, 'vdc-secret.key'),
        lease: '2s',
        args: ['--inventory-refresh', '1s'],
        env: { QUANTIX_LOG_LEVEL: 'debug' },
      });
    [agent, ...replicas] = await Promise.all([
      startAgent({ host: '127.0.0.48', inventoryRoot: root }),
      replica(),
      replica(),
    ]);
    nodeId = (await addHostToNewCluster(replicas[0]!, agent)).id;
  });

  afterAll(async () => {
    await stopAll(agent, ...replicas);
    fs.rmSync(dir, { recursive: true, force: true });
  });

  /** Scheduled reads of the host's inventory in one replica's log. */
  const reads = (v: VdcProcess) =>
    v.logs().filter((l) => l.includes('"msg":"host inventory read"') && l.includes('"source":"vdc"')).length;

  it("only the replica holding the host's poll lease reads its inventory on the schedule", async () => {
    const health = await replicas[0]!.client().health();
    const holderId = await waitFor('one replica to hold the host', async () => {
      const r = (await replicas[0]!.client().health()).replicas ?? [];
      return r.find((x) => x.hosts === 1)?.id;
    });
    expect(health.backend).toBe('postgresql');
    const holder = replicas.find((v) => v.replicaId === holderId)!;
    const other = replicas.find((v) => v.replicaId !== holderId)!;
    await waitFor('three scheduled reads by the holder', () => reads(holder) >= 3, 30_000);
    expect(reads(other)).toBe(0);

    setMemTotal(root, memTotalKb(root) + 8 * 1024 * 1024);
    await waitFor(
      'the memory change found by the schedule',
      async () => (await other.client().getNode(nodeId)).inventoryChange?.changes[0]?.startsWith('Memory added: 8 GiB'),
      30_000,
    );
    const audits = (await other.client().audit({ limit: 1000 })).filter(
      (e) => e.action === 'host.inventory' && e.detail?.startsWith('Memory added: 8 GiB'),
    );
    expect(audits).toHaveLength(1);
    expect(audits[0]).toMatchObject({ source: 'vdc', outcome: 'ok' });
    expect(reads(other)).toBe(0);
  });
});
