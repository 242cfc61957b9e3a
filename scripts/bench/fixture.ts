/**
 * A read-only stand-in for the vDC, for measuring the console with a
 * fleet no test machine has (5,000 hosts): a fixture is either a JSON
 * file `{clusters, nodes}` in the API's own shapes, or `synthetic:N` for
 * N generated hosts. Changes are refused with a clear error; only reading
 * is measured. fixture-console.ts runs the console over one.
 */
import fs from 'node:fs';
import { QuantixError } from '../../common/protocol/errors.js';
import {
  checkClusterList,
  checkNodeList,
  type Cluster,
  type NodeDetail,
  type NodeSummary,
  type TrendResponse,
} from '../../common/protocol/vdc-api.js';
import type { ConsoleApi } from '../../vdc-console/console/controllers/api.js';

/** Hosts per generated cluster. */
const HOSTS_PER_CLUSTER = 250;

/** N generated hosts in clusters of 250, with varied states and usage; deterministic for a given n and clock. */
export function syntheticFleet(n: number, now: number): { clusters: Cluster[]; nodes: NodeSummary[] } {
  const GiB = 1024 ** 3;
  const clusterCount = Math.max(1, Math.ceil(n / HOSTS_PER_CLUSTER));
  const at = new Date(now).toISOString();
  const clusters: Cluster[] = Array.from({ length: clusterCount }, (_, i) => ({
    id: `c${String(i + 1).padStart(4, '0')}`,
    name: `cluster-${String(i + 1).padStart(3, '0')}`,
    description: '',
    createdAt: at,
    hosts: 0,
    connectedHosts: 0,
  }));
  const nodes: NodeSummary[] = [];
  for (let i = 0; i < n; i++) {
    const c = clusters[Math.floor(i / HOSTS_PER_CLUSTER)]!;
    const down = i % 17 === 5;
    c.hosts++;
    if (!down) c.connectedHosts++;
    nodes.push({
      id: `n${String(i + 1).padStart(5, '0')}`,
      hostId: `00000000-0000-4000-8000-${String(i + 1).padStart(12, '0')}`,
      hostname: `qx-node-${String(i + 1).padStart(5, '0')}`,
      address: `10.${20 + Math.floor(i / 65_536)}.${Math.floor(i / 256) % 256}.${i % 256}`,
      port: 8443,
      clusterId: c.id,
      clusterName: c.name,
      certificateFingerprint: (i + 1).toString(16).padStart(64, '0'),
      state: down ? 'disconnected' : 'connected',
      stateSince: new Date(now - (i % 600) * 1000).toISOString(),
      registeredAt: at,
      lastSeenAt: new Date(now - (down ? 600_000 : (i % 15) * 1000)).toISOString(),
      lastError: down ? { code: 'HOST_UNREACHABLE', message: 'connection refused', at } : null,
      usage: down
        ? null
        : {
            cpuPercent: (i * 37) % 100,
            memoryUsedBytes: ((i % 8) + 1) * 32 * GiB,
            memoryTotalBytes: 512 * GiB,
            loadAverage: [1, 1, 1],
            uptimeSeconds: 86_400,
          },
      capacity: {
        cpuModel: 'Xeon Gold 6338',
        cpuCores: 64,
        cpuThreads: 128,
        memoryTotalBytes: 512 * GiB,
        localStorageBytes: 4 * 1024 * GiB,
        nfsMounts: 2,
        iscsiSessions: 1,
        gpus: i % 4 === 0 ? 2 : 0,
      },
    });
  }
  return { clusters, nodes };
}

/** Every change is refused: the fixture is read only. */
function emptyTrend(kind: 'host' | 'cluster', id: string, now: number): TrendResponse {
  return { kind, id, name: id, bucketSeconds: 60, points: 60, to: new Date(now).toISOString(), samples: [] };
}

function readOnly(): Promise<never> {
  return Promise.reject(
    new QuantixError('BAD_REQUEST', {
      message: 'This console shows a fixture, not a vDC: nothing can be changed.',
      hint: 'Run quantix-vdc-console to manage a real vDC.',
    }),
  );
}

/** A fleet: clusters and hosts in the API's shapes. */
type Fleet = { clusters: Cluster[]; nodes: NodeSummary[] };

/**
 * Reads a fleet named by spec. A file is read off the main thread and then
 * parsed and checked as the console checks the vDC's answers, the way the
 * vDC's lists reach the console while it starts.
 */
async function readFleet(spec: string, now: number): Promise<Fleet> {
  const synthetic = /^synthetic:(\d{1,6})$/.exec(spec);
  if (synthetic) return syntheticFleet(Number(synthetic[1]), now);
  const raw = JSON.parse((await fs.promises.readFile(spec)).toString('utf8')) as {
    clusters?: unknown;
    nodes?: unknown;
  };
  return {
    clusters: checkClusterList({ clusters: raw.clusters }).clusters,
    nodes: checkNodeList({ nodes: raw.nodes }).nodes,
  };
}

/**
 * The console API over a fixture named by spec (`synthetic:N` or a JSON
 * file path); `ready` settles once the fleet is read (it rejects when it
 * cannot be).
 */
export function loadFixture(spec: string, now: number): ConsoleApi & { ready: Promise<void> } {
  const fleet = readFleet(spec, now);
  const ready = fleet.then(() => undefined);
  // Awaited once the screen code has loaded: a fleet that cannot be read is reported then, not as an unhandled rejection.
  ready.catch(() => undefined);
  return {
    ready,
    health: () => fleet.then((data) => ({ vdc: { name: `fixture (${data.nodes.length} hosts)` } })),
    listClusters: () => fleet.then((data) => data.clusters),
    listNodes: () => fleet.then((data) => data.nodes),
    getNode: async (id: string): Promise<NodeDetail> => {
      const n = (await fleet).nodes.find((x) => x.id === id);
      if (!n) throw new QuantixError('HOST_NOT_FOUND');
      return { ...n, inventory: null, inventoryAt: null, inventoryChange: null };
    },
    createCluster: readOnly,
    discover: readOnly,
    register: readOnly,
    removeNode: readOnly,
    // A fixture holds no audit: the view shows it empty.
    auditPage: () => Promise.resolve({ events: [], next: null }),
    refreshNode: readOnly,
    setMaintenance: readOnly,
    moveNode: readOnly,
    renameCluster: readOnly,
    // A fixture has no history: its trends are empty windows of the vDC's default shape.
    nodeTrend: (id: string) => Promise.resolve(emptyTrend('host', id, now)),
    clusterTrend: (id: string) => Promise.resolve(emptyTrend('cluster', id, now)),
  };
}
