import { describe, expect, it } from 'vitest';
import { QuantixError } from '../../common/protocol/errors.js';
import type { Cluster, NodeDetail, NodeSummary, TrendResponse } from '../../common/protocol/vdc-api.js';
import {
  DashboardModel,
  hostMatches,
  replicaCount,
  requestFirstAnswers,
  type DashboardSource,
} from '../../vdc-console/console/model.js';
import { syntheticFleet } from '../../scripts/bench/fixture.js';

const NOW = Date.parse('2026-11-25T14:00:00Z');

/** A source whose answers the test changes between refreshes. */
function source(data: {
  clusters: Cluster[];
  nodes: NodeSummary[];
}): DashboardSource & { data: typeof data; fail: QuantixError | null } {
  const s = {
    data,
    fail: null as QuantixError | null,
    listClusters: async () => {
      if (s.fail) throw s.fail;
      return s.data.clusters;
    },
    listNodes: async () => s.data.nodes,
    getNode: async (id: string) =>
      ({ ...s.data.nodes.find((n) => n.id === id)!, inventory: null, inventoryAt: null }) as NodeDetail,
  };
  return s;
}

function model(src: DashboardSource): DashboardModel {
  // A long interval: the test drives refreshes itself.
  return new DashboardModel(src, { refreshMs: 3_600_000, now: () => NOW });
}

describe('dashboard model', () => {
  it('keeps the selected host by id when rows are inserted above it', async () => {
    const fleet = syntheticFleet(300, NOW);
    const src = source(fleet);
    const m = model(src);
    await m.refresh();
    m.togglePane();
    m.move(40);
    expect(m.selectedHost()!.hostname).toBe('qx-node-00041');
    // A new host sorts first: the cursor follows the same host.
    src.data = { ...fleet, nodes: [{ ...fleet.nodes[0]!, id: 'new', hostname: 'aaa-new' }, ...fleet.nodes] };
    await m.refresh();
    expect(m.selectedHost()!.hostname).toBe('qx-node-00041');
    expect(m.hostCursor.index).toBe(41);
    m.stop();
  });

  it('keeps the selected cluster by id and falls back when it disappears', async () => {
    const fleet = syntheticFleet(600, NOW);
    const src = source(fleet);
    const m = model(src);
    await m.refresh();
    m.move(2);
    expect(m.selectedCluster()!.name).toBe('cluster-003');
    src.data = { ...fleet, clusters: fleet.clusters.filter((c) => c.name !== 'cluster-003') };
    await m.refresh();
    expect(m.selectedCluster()!.name).toBe('cluster-002');
    m.stop();
  });

  it('filters within the selected cluster and keeps a still-matching selection', async () => {
    const m = model(source(syntheticFleet(250, NOW)));
    await m.refresh();
    m.togglePane();
    m.move(16);
    m.setFilter('-00017');
    expect(m.visibleHosts().map((n) => n.hostname)).toEqual(['qx-node-00017']);
    m.setFilter('');
    expect(m.selectedHost()!.hostname).toBe('qx-node-00017');
    m.stop();
  });

  it('a failed refresh keeps the data and records one problem; success clears it', async () => {
    const src = source(syntheticFleet(10, NOW));
    const m = model(src);
    await m.refresh();
    src.fail = new QuantixError('VDC_UNREACHABLE');
    await m.refresh();
    await m.refresh();
    expect(m.problem).toMatchObject({ attempts: 2, error: { code: 'VDC_UNREACHABLE' } });
    expect(m.nodes).toHaveLength(10);
    src.fail = null;
    await m.refresh();
    expect(m.problem).toBeNull();
    m.stop();
  });

  it.each<[string, string, boolean]>([
    // Filters match names and addresses anywhere, state words from the start, ids from the start.
    ['name', 'node-0000', true],
    ['address', '10.20.0.5', true],
    ['state word', 'down', true],
    ['connected is not disconnected', 'connected', false],
    ['id prefix', 'n000', true],
    ['nothing', 'zzz', false],
  ])('hostMatches: %s', (_name, filter, want) => {
    const down = syntheticFleet(6, NOW).nodes[5]!;
    expect(down.state).toBe('disconnected');
    expect(hostMatches(down, filter)).toBe(want);
  });
});

describe('dashboard model: replicas', () => {
  const replica = (id: string, alive: boolean) => ({
    id,
    name: `vdc-${id}`,
    url: '',
    startedAt: '',
    lastSeenAt: '',
    alive,
    hosts: 0,
  });

  it('counts alive replicas only when there is more than one', () => {
    expect(replicaCount({ vdc: { name: 'v' }, backend: 'sqlite' })).toBeNull();
    expect(replicaCount({ vdc: { name: 'v' } })).toBeNull();
    expect(replicaCount({ vdc: { name: 'v' }, backend: 'postgresql', replicas: [replica('a', true)] })).toBeNull();
    expect(
      replicaCount({
        vdc: { name: 'v' },
        backend: 'postgresql',
        replicas: [replica('a', true), replica('b', false), replica('c', true)],
      }),
    ).toEqual({ alive: 2, total: 3 });
  });

  it('reads health with each refresh on PostgreSQL, and once on SQLite', async () => {
    for (const [backend, expected] of [
      ['postgresql', 3],
      ['sqlite', 1],
    ] as const) {
      let calls = 0;
      const src = {
        ...source(syntheticFleet(3, NOW)),
        health: async () => (
          calls++,
          { vdc: { name: 'v' }, backend, replicas: [replica('a', true), replica('b', calls < 3)] }
        ),
      };
      const m = model(src);
      for (let i = 0; i < 3; i++) await m.refresh();
      m.stop();
      expect(calls).toBe(expected);
      expect(m.vdcName).toBe('v');
      expect(m.replicas).toEqual(backend === 'sqlite' ? null : { alive: 1, total: 2 });
    }
  });
});

describe("the selected cluster's trend", () => {
  it('is read for the selected cluster, again when the selection moves, and once per bucket, not per refresh', async () => {
    const fleet = syntheticFleet(600, NOW);
    let now = NOW;
    const asked: string[] = [];
    const trend = (id: string): TrendResponse => ({
      kind: 'cluster',
      id,
      name: id,
      bucketSeconds: 60,
      points: 60,
      to: new Date(now).toISOString(),
      samples: [],
    });
    const src: DashboardSource = {
      ...source(fleet),
      clusterTrend: async (id) => {
        asked.push(id);
        return trend(id);
      },
    };
    const m = new DashboardModel(src, { refreshMs: 3_600_000, now: () => now });
    // The fake answers at once: everything it started has settled by the next turn of the event loop.
    const settled = () => new Promise((resolve) => setImmediate(resolve));
    await m.refresh();
    await settled();
    const first = m.selectedCluster()!.id;
    expect(asked).toEqual([first]);
    expect(m.clusterTrend?.id).toBe(first);
    await m.refresh();
    await m.refresh();
    expect(asked).toHaveLength(1);

    m.move(1);
    await settled();
    const second = m.selectedCluster()!.id;
    expect(asked).toEqual([first, second]);
    expect(m.clusterTrend?.id).toBe(second);

    now += 60_000;
    await m.refresh();
    await settled();
    expect(asked).toEqual([first, second, second]);
    m.stop();
  });

  it('shows no trend from a vDC that cannot give one, and asks again only a minute later', async () => {
    let now = NOW;
    let calls = 0;
    const src: DashboardSource = {
      ...source(syntheticFleet(10, NOW)),
      clusterTrend: async () => {
        calls++;
        throw new QuantixError('NOT_FOUND');
      },
    };
    const m = new DashboardModel(src, { refreshMs: 3_600_000, now: () => now });
    await m.refresh();
    await new Promise((resolve) => setImmediate(resolve));
    await m.refresh();
    expect(calls).toBe(1);
    expect(m.clusterTrend).toBeNull();
    now += 60_000;
    await m.refresh();
    expect(calls).toBe(2);
    m.stop();
  });
});

describe('first answers', () => {
  /** A source that counts its list requests and can fail them. */
  function counted(fleet: { clusters: Cluster[]; nodes: NodeSummary[] }) {
    const calls = { clusters: 0, nodes: 0 };
    const s = {
      calls,
      fail: null as QuantixError | null,
      listClusters: () => {
        calls.clusters++;
        return s.fail ? Promise.reject(s.fail) : Promise.resolve(fleet.clusters);
      },
      listNodes: () => {
        calls.nodes++;
        return Promise.resolve(fleet.nodes);
      },
      getNode: () => Promise.reject(new QuantixError('HOST_NOT_FOUND')),
    };
    return s;
  }

  it('are sent at once, and the first refresh shows them without asking again', async () => {
    const src = counted(syntheticFleet(300, NOW));
    const first = requestFirstAnswers(src);
    expect(src.calls).toEqual({ clusters: 1, nodes: 1 });
    const m = new DashboardModel(src, { refreshMs: 3_600_000, now: () => NOW, first });
    await m.refresh();
    expect(src.calls).toEqual({ clusters: 1, nodes: 1 });
    expect(m.nodes).toHaveLength(300);
    expect(m.loaded).toBe(true);
    // Later refreshes ask the vDC again.
    await m.refresh();
    expect(src.calls).toEqual({ clusters: 2, nodes: 2 });
    m.stop();
  });

  it('that failed before the screen existed become the refresh problem, with no unhandled rejection', async () => {
    const unhandled: unknown[] = [];
    const onUnhandled = (why: unknown) => unhandled.push(why);
    process.on('unhandledRejection', onUnhandled);
    try {
      const src = counted(syntheticFleet(10, NOW));
      src.fail = new QuantixError('UNAUTHORIZED');
      const first = requestFirstAnswers(src);
      // The answer fails while nothing awaits it yet (the screen code is loading).
      await new Promise((resolve) => setImmediate(resolve));
      const m = new DashboardModel(src, { refreshMs: 3_600_000, now: () => NOW, first });
      await m.refresh();
      expect(m.problem?.error.code).toBe('UNAUTHORIZED');
      expect(m.loaded).toBe(false);
      m.stop();
      await new Promise((resolve) => setImmediate(resolve));
      expect(unhandled).toEqual([]);
    } finally {
      process.off('unhandledRejection', onUnhandled);
    }
  });
});
