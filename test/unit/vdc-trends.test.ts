import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inventory, LiveUsage } from '../../common/protocol/inventory.js';
import type { NodeCapacity } from '../../common/protocol/vdc-api.js';
import { createLogger } from '../../common/log/logger.js';
import { openSqliteStore } from '../../vdc-console/server/sqlite-store.js';
import { openPgStore } from '../../vdc-console/server/pg-store.js';
import type { HealthObservation, Store, TrendSample } from '../../vdc-console/server/store.js';
import { bucketOf, latestSamples, TrendAccumulator, trendView, windowStart } from '../../vdc-console/server/trends.js';
import { parseCommandLine } from '../../vdc-console/server/options.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { stopAll } from '../helpers/teardown.js';

const GiB = 2 ** 30;

function capacity(threads: number): NodeCapacity {
  return {
    cpuModel: 'Xeon',
    cpuCores: threads / 2,
    cpuThreads: threads,
    memoryTotalBytes: 64 * GiB,
    localStorageBytes: null,
    nfsMounts: 0,
    iscsiSessions: 0,
    gpus: 0,
  };
}

function usage(cpuPercent: number | null, usedGiB: number | null, totalGiB = 64): LiveUsage {
  return {
    cpuPercent,
    memoryUsedBytes: usedGiB === null ? null : usedGiB * GiB,
    memoryTotalBytes: totalGiB * GiB,
    loadAverage: null,
    uptimeSeconds: 1,
  };
}

const up = (nodeId: string, ms: number, u: LiveUsage): HealthObservation => ({
  nodeId,
  at: new Date(ms).toISOString(),
  state: 'connected',
  usage: u,
  hostname: nodeId,
});

describe('trend bucketing', () => {
  const node = { id: 'n1', capacity: capacity(8) };

  it('averages the checks of one bucket and hands the bucket out once, at the first check after it', () => {
    const acc = new TrendAccumulator(60_000);
    expect(acc.observe(node, up('n1', 60_000, usage(10, 16)))).toBeNull();
    expect(acc.observe(node, up('n1', 75_000, usage(30, 32)))).toBeNull();
    expect(acc.observe(node, up('n1', 119_999, usage(null, null)))).toBeNull();
    const s = acc.observe(node, up('n1', 120_000, usage(50, 8)));
    expect(s).toEqual({
      nodeId: 'n1',
      bucket: 1,
      cpuPercent: 20,
      cpus: 8,
      memoryUsedBytes: 24 * GiB,
      memoryTotalBytes: 64 * GiB,
      polls: 3,
    });
    expect(acc.observe(node, up('n1', 130_000, usage(50, 8)))).toBeNull();
  });

  it('closes a bucket when the host goes down, and keeps nothing for a host that is not connected', () => {
    const acc = new TrendAccumulator(1_000);
    acc.observe(node, up('n1', 1_500, usage(40, 1)));
    const down: HealthObservation = {
      nodeId: 'n1',
      at: new Date(2_100).toISOString(),
      state: 'disconnected',
      error: { code: 'HOST_UNREACHABLE', message: 'x' },
    };
    expect(acc.observe(node, down)?.cpuPercent).toBe(40);
    expect(acc.size).toBe(0);
    expect(acc.observe(node, { ...down, at: new Date(5_000).toISOString() })).toBeNull();
  });

  it('drops a bucket whose time went backwards rather than writing it twice', () => {
    const acc = new TrendAccumulator(1_000);
    acc.observe(node, up('n1', 5_000, usage(40, 1)));
    expect(acc.observe(node, up('n1', 3_000, usage(10, 1)))).toBeNull();
    expect(acc.observe(node, up('n1', 4_000, usage(10, 1)))?.bucket).toBe(3);
  });

  it('clamps CPU to 0-100 and ignores memory without a total', () => {
    const acc = new TrendAccumulator(1_000);
    acc.observe(node, up('n1', 0, usage(250, 1, 0)));
    expect(acc.observe(node, up('n1', 1_000, usage(1, 1)))).toMatchObject({
      cpuPercent: 100,
      memoryUsedBytes: null,
      memoryTotalBytes: null,
    });
  });

  it('forgets hosts this replica no longer polls', () => {
    const acc = new TrendAccumulator(1_000);
    acc.observe(node, up('n1', 0, usage(1, 1)));
    acc.observe({ id: 'n2', capacity: capacity(2) }, up('n2', 0, usage(1, 1)));
    acc.retain(new Set(['n2']));
    expect(acc.size).toBe(1);
  });

  it('keeps the last sample of a host and bucket given twice', () => {
    const s = (cpu: number): TrendSample => ({
      nodeId: 'n1',
      bucket: 7,
      cpuPercent: cpu,
      cpus: 1,
      memoryUsedBytes: null,
      memoryTotalBytes: null,
      polls: 1,
    });
    expect(latestSamples([s(1), s(2)]).map((x) => x.cpuPercent)).toEqual([2]);
  });

  it('places the window on whole buckets ending now, and leaves out a bucket from the future', () => {
    expect(bucketOf(119_999, 60_000)).toBe(1);
    expect(windowStart(600_000, { bucketMs: 60_000, points: 3 })).toBe(7);
    const row = { cpuPercent: 12.345, memoryUsedBytes: 1, memoryTotalBytes: 3, hosts: 1 };
    const v = trendView(
      { kind: 'host', id: 'n1', name: 'a' },
      [
        { ...row, bucket: 9 },
        { ...row, bucket: 10 },
      ],
      { bucketMs: 60_000, points: 3 },
      600_000,
    );
    expect(v.samples).toEqual([
      {
        at: '1970-01-01T00:09:00.000Z',
        cpuPercent: 12.3,
        memoryPercent: 33.3,
        memoryUsedBytes: 1,
        memoryTotalBytes: 3,
        hosts: 1,
      },
    ]);
    expect(v).toMatchObject({ bucketSeconds: 60, points: 3, to: '1970-01-01T00:10:00.000Z' });
  });
});

describe('trend settings of quantix-vdc serve', () => {
  const serve = (args: string[], env: Record<string, string> = {}) => {
    const c = parseCommandLine(['serve', ...args], env, 1000, '/home/u');
    if (c.kind !== 'serve') throw new Error(c.kind);
    return c.config.trends;
  };
  const problem = (args: string[]) => {
    try {
      serve(args);
      return null;
    } catch (err) {
      return (err as Error).message;
    }
  };

  it('defaults to one sample a minute for the last hour, and takes flags or the environment', () => {
    expect(serve([])).toEqual({ bucketMs: 60_000, points: 60 });
    expect(serve(['--trend-bucket', '10s', '--trend-points', '360'])).toEqual({ bucketMs: 10_000, points: 360 });
    expect(serve([], { QUANTIX_VDC_TREND_BUCKET: '5m', QUANTIX_VDC_TREND_POINTS: '288' })).toEqual({
      bucketMs: 300_000,
      points: 288,
    });
  });

  it('refuses a window it could not bound', () => {
    expect(problem(['--trend-points', '1'])).toMatch(/--trend-points must be a whole number from 2 to 1440/);
    expect(problem(['--trend-points', '1441'])).toMatch(/from 2 to 1440/);
    expect(problem(['--trend-points', '1e3'])).toMatch(/from 2 to 1440/);
    expect(problem(['--trend-bucket', '50ms'])).toMatch(/--trend-bucket must be a duration of at least 100 ms/);
    expect(problem(['--trend-bucket', '2h'])).toMatch(/--trend-bucket must be at most 1h/);
  });
});

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await stopAll(postgres);
});

const quiet = createLogger({ name: 'test', level: 'silent' });
let dir: string;
let store: Store;
beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qx-vdc-trends-'));
});
afterEach(async () => {
  await stopAll(store);
  rmSync(dir, { recursive: true, force: true });
});

const BACKENDS: Record<string, () => Promise<Store>> = {
  sqlite: async () => openSqliteStore(join(dir, 'vdc.db')),
  postgresql: async () => openPgStore({ url: await postgres.createDatabase('trends'), log: quiet }),
};

describe.each(Object.keys(BACKENDS))('%s store: trends', (backend) => {
  beforeEach(async () => {
    store = await BACKENDS[backend]!();
    await store.createCluster({ id: 'c1', name: 'Production', description: '', createdAt: 't' });
    await store.createCluster({ id: 'c2', name: 'Lab', description: '', createdAt: 't' });
    const add = async (id: string, cluster: string, threads: number) => {
      await store.insertPendingNode({
        id,
        hostId: `h-${id}`,
        hostname: id,
        address: '127.0.0.1',
        port: 8443,
        clusterId: cluster,
        certificateFingerprint: 'f',
        inventory: {} as Inventory,
        capacity: capacity(threads),
        at: 't',
      });
      await store.completeNode(id, 't', id);
    };
    await add('n1', 'c1', 8);
    await add('n2', 'c1', 24);
    await add('n3', 'c2', 4);
  });

  const sample = (nodeId: string, bucket: number, cpu: number | null, cpus: number, used: number): TrendSample => ({
    nodeId,
    bucket,
    cpuPercent: cpu,
    cpus,
    memoryUsedBytes: used * GiB,
    memoryTotalBytes: 64 * GiB,
    polls: 4,
  });
  const write = (samples: TrendSample[], points = 5) => store.recordHealth([], undefined, { samples, points });

  it('keeps at most `points` buckets per host, pruning in the same write', async () => {
    for (let b = 100; b < 120; b++) await write([sample('n1', b, b - 100, 8, 1), sample('n3', b, 5, 4, 1)]);
    const rows = await store.trend({ nodeId: 'n1' }, 0);
    expect(rows.map((r) => r.bucket)).toEqual([115, 116, 117, 118, 119]);
    expect(rows[4]).toEqual({
      bucket: 119,
      cpuPercent: 19,
      memoryUsedBytes: GiB,
      memoryTotalBytes: 64 * GiB,
      hosts: 1,
    });
    expect(await store.trend({ nodeId: 'n3' }, 118)).toHaveLength(2);
    // A bucket from a clock that ran ahead is pruned by the next write from the right time: never more than
    // `points` rows, whatever the clocks did.
    await write([sample('n1', 500, 1, 8, 1)]);
    await write([sample('n1', 120, 1, 8, 1)]);
    await write([sample('n1', 121, 1, 8, 1)]);
    expect((await store.trend({ nodeId: 'n1' }, 0)).map((r) => r.bucket)).toEqual([120, 121]);
  });

  it("derives a cluster's use per bucket: sum of used over sum of total, CPU weighted by CPUs", async () => {
    await write([sample('n1', 10, 100, 8, 16), sample('n2', 10, 0, 24, 48), sample('n3', 10, 90, 4, 60)]);
    await write([sample('n1', 11, null, 8, 32)]);
    const rows = await store.trend({ clusterId: 'c1' }, 0);
    expect(rows).toEqual([
      { bucket: 10, cpuPercent: 25, memoryUsedBytes: 64 * GiB, memoryTotalBytes: 128 * GiB, hosts: 2 },
      { bucket: 11, cpuPercent: null, memoryUsedBytes: 32 * GiB, memoryTotalBytes: 64 * GiB, hosts: 1 },
    ]);
    expect(await store.trend({ clusterId: 'c1' }, 11)).toHaveLength(1);
  });

  it("removes a host's history with the host, and drops a sample for a host already gone", async () => {
    await write([sample('n1', 10, 1, 8, 1), sample('n2', 10, 1, 24, 1)]);
    expect(await store.deleteNode('n1')).toBe(true);
    expect(await store.trend({ nodeId: 'n1' }, 0)).toEqual([]);
    await write([sample('n1', 11, 1, 8, 1), sample('n2', 11, 1, 24, 1)]);
    expect(await store.trend({ nodeId: 'n1' }, 0)).toEqual([]);
    expect((await store.trend({ clusterId: 'c1' }, 0)).map((r) => r.hosts)).toEqual([1, 1]);
  });

  it('writes the samples in the same transaction as the health results', async () => {
    await store.recordHealth([up('n1', 1_000, usage(3, 1))], undefined, {
      samples: [sample('n1', 1, 3, 8, 1)],
      points: 5,
    });
    expect((await store.getNode('n1'))?.usage?.cpuPercent).toBe(3);
    expect(await store.trend({ nodeId: 'n1' }, 0)).toHaveLength(1);
  });
});
