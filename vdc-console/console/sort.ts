/**
 * How the dashboard's tables are ordered: a sort key per table (name,
 * state, CPU, memory, last seen), cycled with `s` and reversed with `S`,
 * as in k9s and htop. Pure comparisons over what the rows show, so the
 * order always matches the numbers on screen; ties go by name, then id,
 * so equal rows never swap places between refreshes.
 */
import type { Cluster, NodeSummary } from '../../common/protocol/vdc-api.js';
import { UNICODE_GLYPHS, type Glyphs } from '../../common/tui/glyphs.js';
import type { Column } from '../../common/tui/table.js';
import { hostMemoryTotal, timeOf, type ClusterTotals } from './fleet.js';

/** What a table can be sorted by. */
export type SortKey = 'name' | 'state' | 'cpu' | 'memory' | 'seen';

/** A table's order: the key and whether the largest value comes first. */
export interface TableSort {
  key: SortKey;
  descending: boolean;
}

/** Keys of the hosts table, in the order `s` cycles through them. */
export const HOST_SORT_KEYS: readonly SortKey[] = ['name', 'state', 'cpu', 'memory', 'seen'];
/** Keys of the clusters table (a cluster has no "last seen"). */
export const CLUSTER_SORT_KEYS: readonly SortKey[] = ['name', 'state', 'cpu', 'memory'];

/**
 * Each key's first direction: names A to Z; everything else worst or
 * busiest first (down hosts, the highest use, the longest silence), which
 * is what one sorts by it to find.
 */
const FIRST_DESCENDING: Record<SortKey, boolean> = { name: false, state: true, cpu: true, memory: true, seen: true };

/** Words for the status line: `Sorted by CPU use, highest first.` */
const WORDS: Record<SortKey, { what: string; down: string; up: string }> = {
  name: { what: 'name', down: 'Z to A', up: 'A to Z' },
  state: { what: 'state', down: 'down first', up: 'connected first' },
  cpu: { what: 'CPU use', down: 'highest first', up: 'lowest first' },
  memory: { what: 'memory use', down: 'highest first', up: 'lowest first' },
  seen: { what: 'last seen', down: 'longest ago first', up: 'most recent first' },
};

/** The order a table starts with. */
export const DEFAULT_SORT: TableSort = { key: 'name', descending: false };

/** The next key in the cycle, in its first direction. */
export function nextSort(s: TableSort, keys: readonly SortKey[]): TableSort {
  const key = keys[(keys.indexOf(s.key) + 1) % keys.length]!;
  return { key, descending: FIRST_DESCENDING[key] };
}

/** The same key, the other way round. */
export function reverseSort(s: TableSort): TableSort {
  return { ...s, descending: !s.descending };
}

/** `Sorted by CPU use, highest first.` */
export function describeSort(s: TableSort): string {
  const w = WORDS[s.key];
  return `Sorted by ${w.what}, ${s.descending ? w.down : w.up}.`;
}

/** How bad a host's state is: down is the worst, connected the best. */
const STATE_SEVERITY: Record<string, number> = { disconnected: 3, pending: 2, left: 1, connected: 0 };

function byText(a: string, b: string): number {
  const x = a.toLowerCase();
  const y = b.toLowerCase();
  return x < y ? -1 : x > y ? 1 : 0;
}

/**
 * Orders two values of a key: null (unknown, or not live) always last
 * whichever the direction, since "no number" is neither high nor low.
 */
function byValue(a: number | null, b: number | null, descending: boolean): number {
  if (a === null || b === null) return a === b ? 0 : a === null ? 1 : -1;
  return descending ? b - a : a - b;
}

/** The live use fraction shown in a host row, or null when the row shows `-`. */
function hostValue(h: NodeSummary, key: Exclude<SortKey, 'name'>): number | null {
  const live = h.state === 'connected';
  switch (key) {
    case 'state':
      return STATE_SEVERITY[h.state] ?? 2;
    case 'cpu':
      return live ? (h.usage?.cpuPercent ?? null) : null;
    case 'memory': {
      const total = hostMemoryTotal(h);
      const used = live ? h.usage?.memoryUsedBytes : null;
      return used === null || used === undefined || !total ? null : used / total;
    }
    case 'seen': {
      // Older is larger: "longest ago first" is descending, never-seen hosts the oldest of all.
      const t = timeOf(h.lastSeenAt);
      return t === null ? Infinity : -t;
    }
  }
}

/** Comparison of two hosts under a sort (ties by name, then id). */
export function compareHosts(s: TableSort): (a: NodeSummary, b: NodeSummary) => number {
  return (a, b) => {
    const primary =
      s.key === 'name'
        ? (s.descending ? -1 : 1) * byText(a.hostname, b.hostname)
        : byValue(hostValue(a, s.key), hostValue(b, s.key), s.descending);
    return primary || byText(a.hostname, b.hostname) || byText(a.id, b.id);
  };
}

function clusterValue(t: ClusterTotals | undefined, key: Exclude<SortKey, 'name'>): number | null {
  if (!t || t.hosts === 0) return null;
  switch (key) {
    case 'state':
      // The share of hosts not connected: a cluster with every host down is the worst.
      return (t.hosts - t.connected) / t.hosts;
    case 'cpu':
      return t.connected > 0 ? t.cpuPercent : null;
    case 'memory':
      return t.connected > 0 && t.memoryUsed !== null && t.memoryTotal ? t.memoryUsed / t.memoryTotal : null;
    case 'seen':
      return null;
  }
}

/** Comparison of two clusters under a sort, from their hosts' totals (ties by name, then id). */
export function compareClusters(
  s: TableSort,
  totals: ReadonlyMap<string, ClusterTotals>,
): (a: Cluster, b: Cluster) => number {
  return (a, b) => {
    const primary =
      s.key === 'name'
        ? (s.descending ? -1 : 1) * byText(a.name, b.name)
        : byValue(clusterValue(totals.get(a.id), s.key), clusterValue(totals.get(b.id), s.key), s.descending);
    return primary || byText(a.name, b.name) || byText(a.id, b.id);
  };
}

/** The column each key sorts, by title (the arrow goes there). */
const SORT_COLUMN_TITLES: Record<'hosts' | 'clusters', Partial<Record<SortKey, string>>> = {
  hosts: { name: 'NAME', state: 'STATE', cpu: 'CPU', memory: 'MEMORY', seen: 'SEEN' },
  clusters: { name: 'CLUSTER', state: 'HOSTS', cpu: 'CPU', memory: 'MEMORY' },
};

/** The direction arrow: `↓` largest first, `↑` smallest first; `v` and `^` where the glyphs are ASCII. */
export function sortArrow(descending: boolean, g: Pick<Glyphs, 'ok'>): string {
  const unicode = g.ok === UNICODE_GLYPHS.ok;
  return descending ? (unicode ? '↓' : 'v') : unicode ? '↑' : '^';
}

/** The table's columns with the sort column's title marked by its arrow: `CPU↓`. */
export function sortedColumns(
  columns: readonly Column[],
  table: 'hosts' | 'clusters',
  s: TableSort,
  g: Pick<Glyphs, 'ok'>,
): Column[] {
  const title = SORT_COLUMN_TITLES[table][s.key];
  return columns.map((c) => (c.title === title ? { ...c, title: `${c.title}${sortArrow(s.descending, g)}` } : c));
}
