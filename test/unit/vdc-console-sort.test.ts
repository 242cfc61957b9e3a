import { describe, expect, it } from 'vitest';
import type { Cluster, NodeSummary } from '../../common/protocol/vdc-api.js';
import { ASCII_GLYPHS, UNICODE_GLYPHS } from '../../common/tui/glyphs.js';
import { layoutColumns } from '../../common/tui/table.js';
import { syntheticFleet } from '../../scripts/bench/fixture.js';
import { DashboardModel } from '../../vdc-console/console/model.js';
import { clusterTotals } from '../../vdc-console/console/fleet.js';
import { CLUSTER_COLUMNS, HOST_COLUMNS } from '../../vdc-console/console/render/rows.js';
import {
  CLUSTER_SORT_KEYS,
  compareClusters,
  compareHosts,
  DEFAULT_SORT,
  describeSort,
  HOST_SORT_KEYS,
  nextSort,
  reverseSort,
  sortedColumns,
  type TableSort,
} from '../../vdc-console/console/sort.js';

const NOW = Date.parse('2026-11-25T14:00:00Z');
const GiB = 1024 ** 3;

function host(name: string, over: Partial<NodeSummary> = {}): NodeSummary {
  return {
    id: `id-${name}`,
    hostId: `h-${name}`,
    hostname: name,
    address: '10.0.0.1',
    port: 8443,
    clusterId: 'c1',
    clusterName: 'Production',
    certificateFingerprint: 'ab'.repeat(32),
    state: 'connected',
    stateSince: new Date(NOW - 60_000).toISOString(),
    registeredAt: new Date(NOW - 86_400_000).toISOString(),
    lastSeenAt: new Date(NOW - 1_000).toISOString(),
    lastError: null,
    usage: {
      cpuPercent: 50,
      memoryUsedBytes: 8 * GiB,
      memoryTotalBytes: 16 * GiB,
      loadAverage: [0, 0, 0],
      uptimeSeconds: 1,
    },
    capacity: {
      cpuModel: null,
      cpuCores: 8,
      cpuThreads: 16,
      memoryTotalBytes: 16 * GiB,
      localStorageBytes: null,
      nfsMounts: 0,
      iscsiSessions: 0,
      gpus: 0,
    },
    ...over,
  };
}

const usage = (cpu: number, memGiB: number) => ({
  cpuPercent: cpu,
  memoryUsedBytes: memGiB * GiB,
  memoryTotalBytes: 16 * GiB,
  loadAverage: [0, 0, 0] as [number, number, number],
  uptimeSeconds: 1,
});
const hosts = [
  host('charlie', { usage: usage(90, 2) }),
  host('alpha', { usage: usage(10, 15), lastSeenAt: new Date(NOW - 30_000).toISOString() }),
  host('Bravo', { state: 'disconnected', usage: null, lastSeenAt: new Date(NOW - 600_000).toISOString() }),
  host('delta', { state: 'pending', usage: null, lastSeenAt: null }),
  host('echo', { usage: usage(10, 4) }),
];
const order = (s: TableSort) => [...hosts].sort(compareHosts(s)).map((h) => h.hostname);

describe('host order', () => {
  it.each<[TableSort, string[]]>([
    // Names A to Z, case ignored.
    [{ key: 'name', descending: false }, ['alpha', 'Bravo', 'charlie', 'delta', 'echo']],
    [{ key: 'name', descending: true }, ['echo', 'delta', 'charlie', 'Bravo', 'alpha']],
    // Down first, then joining, then connected (by name among equals).
    [{ key: 'state', descending: true }, ['Bravo', 'delta', 'alpha', 'charlie', 'echo']],
    [{ key: 'state', descending: false }, ['alpha', 'charlie', 'echo', 'delta', 'Bravo']],
    // CPU use as the row shows it: hosts that are not live show "-" and come last either way.
    [{ key: 'cpu', descending: true }, ['charlie', 'alpha', 'echo', 'Bravo', 'delta']],
    [{ key: 'cpu', descending: false }, ['alpha', 'echo', 'charlie', 'Bravo', 'delta']],
    // Memory by the share in use.
    [{ key: 'memory', descending: true }, ['alpha', 'echo', 'charlie', 'Bravo', 'delta']],
    // Longest silence first; a host never seen is the most silent of all.
    [{ key: 'seen', descending: true }, ['delta', 'Bravo', 'alpha', 'charlie', 'echo']],
    [{ key: 'seen', descending: false }, ['charlie', 'echo', 'alpha', 'Bravo', 'delta']],
  ])('%o', (s, want) => expect(order(s)).toEqual(want));
});

describe('cluster order', () => {
  const clusters: Cluster[] = ['quiet', 'busy', 'broken', 'empty'].map((name) => ({
    id: name,
    name,
    description: '',
    createdAt: '',
    hosts: 0,
    connectedHosts: 0,
  }));
  const totals = new Map([
    ['quiet', clusterTotals([host('q1', { clusterId: 'quiet', usage: usage(5, 1) })])],
    ['busy', clusterTotals([host('b1', { clusterId: 'busy', usage: usage(95, 12) })])],
    ['broken', clusterTotals([host('x1', { clusterId: 'broken', state: 'disconnected', usage: null })])],
    ['empty', clusterTotals([])],
  ]);
  const sorted = (s: TableSort) => [...clusters].sort(compareClusters(s, totals)).map((c) => c.name);
  it.each<[TableSort, string[]]>([
    [{ key: 'name', descending: false }, ['broken', 'busy', 'empty', 'quiet']],
    // The share of hosts down; an empty cluster has no state and comes last.
    [{ key: 'state', descending: true }, ['broken', 'busy', 'quiet', 'empty']],
    [{ key: 'cpu', descending: true }, ['busy', 'quiet', 'broken', 'empty']],
    [{ key: 'memory', descending: false }, ['quiet', 'busy', 'broken', 'empty']],
  ])('%o', (s, want) => expect(sorted(s)).toEqual(want));
});

describe('the sort key cycle and the header', () => {
  it('s cycles name, state, CPU, memory, last seen, each in its first direction; S reverses', () => {
    const seen: string[] = [];
    let s = DEFAULT_SORT;
    for (let i = 0; i < HOST_SORT_KEYS.length; i++) {
      seen.push(`${s.key}${s.descending ? '↓' : '↑'}`);
      s = nextSort(s, HOST_SORT_KEYS);
    }
    expect(seen).toEqual(['name↑', 'state↓', 'cpu↓', 'memory↓', 'seen↓']);
    expect(s).toEqual(DEFAULT_SORT);
    expect(nextSort({ key: 'memory', descending: true }, CLUSTER_SORT_KEYS)).toEqual(DEFAULT_SORT);
    expect(reverseSort({ key: 'cpu', descending: true })).toEqual({ key: 'cpu', descending: false });
    expect(describeSort({ key: 'cpu', descending: true })).toBe('Sorted by CPU use, highest first.');
  });

  it('marks the sort column with an arrow, ASCII where the glyphs are', () => {
    const titles = (s: TableSort, g = UNICODE_GLYPHS) => sortedColumns(HOST_COLUMNS, 'hosts', s, g).map((c) => c.title);
    expect(titles(DEFAULT_SORT)).toEqual(['NAME↑', 'ADDRESS', 'STATE', 'CPU', 'MEMORY', 'STORAGE', 'GPU', 'SEEN']);
    expect(titles({ key: 'seen', descending: true })).toContain('SEEN↓');
    expect(titles({ key: 'cpu', descending: true }, ASCII_GLYPHS)).toContain('CPUv');
    expect(titles({ key: 'cpu', descending: false }, ASCII_GLYPHS)).toContain('CPU^');
    expect(
      sortedColumns(CLUSTER_COLUMNS, 'clusters', { key: 'state', descending: true }, UNICODE_GLYPHS).map(
        (c) => c.title,
      ),
    ).toContain('HOSTS↓');
    // At 80 columns an arrowed title moves no column, except SEEN (its title fills it): then the address gives one column, not the last seen.
    const plainWidths = layoutColumns(HOST_COLUMNS, 78);
    for (const key of HOST_SORT_KEYS) {
      const widths = layoutColumns(sortedColumns(HOST_COLUMNS, 'hosts', { key, descending: true }, UNICODE_GLYPHS), 78);
      expect(widths.reduce((a, b) => a + b, 0)).toBe(plainWidths.reduce((a, b) => a + b, 0));
      if (key === 'seen') expect(widths).toEqual(plainWidths.map((w, i) => w + (i === 7 ? 1 : i === 1 ? -1 : 0)));
      else expect(widths).toEqual(plainWidths);
    }
  });

  it('the model sorts the focused table and keeps the selected host', async () => {
    const fleet = syntheticFleet(12, NOW);
    const m = new DashboardModel(
      {
        listClusters: async () => fleet.clusters,
        listNodes: async () => fleet.nodes,
        getNode: async () => {
          throw new Error('unused');
        },
      },
      { refreshMs: 3_600_000, now: () => NOW },
    );
    await m.refresh();
    m.togglePane();
    m.move(3);
    const selected = m.selectedHost()!.id;
    expect(m.cycleSort()).toEqual({ key: 'state', descending: true });
    // The one down host of the synthetic fleet comes first.
    expect(m.visibleHosts()[0]!.state).toBe('disconnected');
    expect(m.selectedHost()!.id).toBe(selected);
    m.cycleSort();
    const cpu = m.visibleHosts().map((h) => (h.state === 'connected' ? (h.usage?.cpuPercent ?? -1) : -1));
    expect(cpu.slice(0, -1)).toEqual([...cpu.slice(0, -1)].sort((a, b) => b - a));
    m.reverseSort();
    expect(m.sort.hosts).toEqual({ key: 'cpu', descending: false });
    expect(m.sort.clusters).toEqual(DEFAULT_SORT);
    m.stop();
  });
});
