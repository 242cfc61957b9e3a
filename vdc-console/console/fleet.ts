/**
 * The fleet as numbers: a host's cores and memory, the totals of a
 * cluster's hosts, hosts grouped by cluster. Plain data shared by the
 * model (which keeps the totals), the sort order and the row renderers.
 */
import type { NodeSummary } from '../../common/protocol/vdc-api.js';

/** Logical CPUs (threads, else cores): what virtual machines are scheduled on. */
export function hostCores(h: Pick<NodeSummary, 'capacity'>): number | null {
  return h.capacity.cpuThreads ?? h.capacity.cpuCores ?? null;
}

/** Memory size: from live usage when the host reports it, else from its inventory. */
export function hostMemoryTotal(h: Pick<NodeSummary, 'capacity' | 'usage'>): number | null {
  return h.usage?.memoryTotalBytes ?? h.capacity.memoryTotalBytes ?? null;
}

/** Milliseconds since the epoch of an ISO time from the vDC, or null. */
export function timeOf(iso: string | null | undefined): number | null {
  if (!iso) return null;
  const t = Date.parse(iso);
  return Number.isFinite(t) ? t : null;
}

/** Totals of a cluster's hosts; a host in maintenance counts as a host but adds no capacity or use. */
export interface ClusterTotals {
  hosts: number;
  connected: number;
  /** Hosts in maintenance: left out of every figure below. */
  maintenance: number;
  cores: number | null;
  /** CPU use of the connected hosts, weighted by their cores. */
  cpuPercent: number | null;
  memoryUsed: number | null;
  memoryTotal: number | null;
  storage: number | null;
  gpus: number | null;
}

/** Adds up the hosts of one cluster. */
export function clusterTotals(hosts: readonly NodeSummary[]): ClusterTotals {
  const t: ClusterTotals = {
    hosts: hosts.length,
    connected: 0,
    maintenance: 0,
    cores: null,
    cpuPercent: null,
    memoryUsed: null,
    memoryTotal: null,
    storage: null,
    gpus: null,
  };
  let weighted = 0;
  let weight = 0;
  const add = (k: 'cores' | 'memoryUsed' | 'memoryTotal' | 'storage' | 'gpus', n: number | null | undefined) => {
    if (n !== null && n !== undefined && Number.isFinite(n)) t[k] = (t[k] ?? 0) + n;
  };
  for (const h of hosts) {
    if (h.state === 'connected') t.connected++;
    if (h.maintenance === true) {
      t.maintenance++;
      continue;
    }
    const cores = hostCores(h);
    add('cores', cores);
    add('memoryTotal', hostMemoryTotal(h));
    add('storage', h.capacity.localStorageBytes);
    add('gpus', h.capacity.gpus);
    if (h.state !== 'connected') continue;
    add('memoryUsed', h.usage?.memoryUsedBytes);
    const p = h.usage?.cpuPercent;
    if (p !== null && p !== undefined && Number.isFinite(p)) {
      const w = cores ?? 1;
      weighted += p * w;
      weight += w;
    }
  }
  if (weight > 0) t.cpuPercent = weighted / weight;
  return t;
}

/** Groups hosts by cluster id (one pass, for every cluster row). */
export function hostsByCluster(hosts: readonly NodeSummary[]): Map<string, NodeSummary[]> {
  const m = new Map<string, NodeSummary[]>();
  for (const h of hosts) {
    const list = m.get(h.clusterId);
    if (list) list.push(h);
    else m.set(h.clusterId, [h]);
  }
  return m;
}
