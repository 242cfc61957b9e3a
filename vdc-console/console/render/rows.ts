/**
 * The dashboard's resource tables as plain data: columns, and one row of
 * cells per cluster or host. Every string that came from the vDC (and so
 * from a host) is made inert here, before it can reach a terminal.
 */
import { UNICODE_GLYPHS, type Glyphs } from '../../../common/tui/glyphs.js';
import type { Cell, Column } from '../../../common/tui/table.js';
import { plain, type Segment } from '../../../common/tui/text.js';
import type { Cluster, NodeSummary } from '../../../common/protocol/vdc-api.js';
import { formatBytesShort, formatUsedTotal } from '../../../common/format/bytes.js';
import { formatAge } from '../../../common/format/duration.js';
import { AGENT_PORT } from '../../../common/protocol/ports.js';
import { formatPercent } from './format.js';
import { formatHostPort } from '../../../common/protocol/host-port.js';
import { clusterTotals, hostCores, hostMemoryTotal, hostsByCluster, timeOf, type ClusterTotals } from '../fleet.js';

/** Columns of the clusters table. */
export const CLUSTER_COLUMNS: Column[] = [
  { title: 'CLUSTER', width: 13, grow: 1 },
  { title: 'HOSTS', width: 9 },
  { title: 'CPU', width: 12 },
  { title: 'MEMORY', width: 15 },
  { title: 'STORAGE', width: 8 },
  { title: 'GPU', width: 4 },
];

/** Columns of the hosts table. */
export const HOST_COLUMNS: Column[] = [
  { title: 'NAME', width: 13, grow: 2 },
  { title: 'ADDRESS', width: 15, grow: 1 },
  { title: 'STATE', width: 11 },
  { title: 'CPU', width: 8 },
  { title: 'MEMORY', width: 9 },
  { title: 'STORAGE', width: 7 },
  { title: 'GPU', width: 3 },
  { title: 'SEEN', width: 4, align: 'right' },
];

/** The state cell: a dot and a word; a disconnected host says for how long. */
export function renderHostState(
  h: Pick<NodeSummary, 'state' | 'stateSince' | 'maintenance'>,
  now: number,
  g: Pick<Glyphs, 'dotOn' | 'dotOff'> = UNICODE_GLYPHS,
): Segment {
  // Maintenance is what the operator decided; the dot still says whether the host answers.
  if (h.maintenance === true && (h.state === 'connected' || h.state === 'disconnected'))
    return { text: `${h.state === 'connected' ? g.dotOn : g.dotOff} maint`, style: 'warn' };
  switch (h.state) {
    case 'connected':
      return { text: `${g.dotOn} connected`, style: 'ok' };
    case 'disconnected':
      return { text: `${g.dotOff} down ${formatAge(timeOf(h.stateSince), now)}`.replace(/ -$/, ''), style: 'error' };
    case 'pending':
      return { text: `${g.dotOff} joining`, style: 'warn' };
    case 'left':
      return { text: `${g.dotOff} left`, style: 'dim' };
    default:
      return { text: `${g.dotOff} ${plain(h.state)}`, style: 'dim' };
  }
}

/** One host row: name, address, state, CPU, memory, storage, GPUs, last seen. */
export function renderHostRow(
  h: NodeSummary,
  now: number,
  g: Pick<Glyphs, 'dotOn' | 'dotOff'> = UNICODE_GLYPHS,
): Cell[] {
  const cores = hostCores(h);
  const live = h.state === 'connected';
  const cpu = cores === null ? '-' : `${cores}c ${live ? formatPercent(h.usage?.cpuPercent) : '-'}`;
  return [
    plain(h.hostname),
    plain(h.port === AGENT_PORT ? h.address : formatHostPort(h.address, h.port)),
    renderHostState(h, now, g),
    cpu,
    formatUsedTotal(live ? h.usage?.memoryUsedBytes : null, hostMemoryTotal(h), true),
    formatBytesShort(h.capacity.localStorageBytes),
    String(h.capacity.gpus),
    formatAge(timeOf(h.lastSeenAt), now),
  ];
}

/** One cluster row from its totals. */
export function renderClusterRow(
  c: Pick<Cluster, 'name'>,
  t: ClusterTotals,
  g: Pick<Glyphs, 'dotOn' | 'dotOff'> = UNICODE_GLYPHS,
): Cell[] {
  const count: Cell =
    t.hosts === 0
      ? '0/0'
      : [
          { text: `${t.connected}/${t.hosts} ` },
          t.connected === t.hosts
            ? { text: g.dotOn, style: 'ok' }
            : t.connected === 0
              ? { text: g.dotOff, style: 'error' }
              : { text: g.dotOn, style: 'warn' },
        ];
  const cores = `${t.cores} c`;
  const cpu =
    t.cores === null
      ? '-'
      : `${cores.padEnd(Math.max(7, cores.length + 1))}${t.connected > 0 ? formatPercent(t.cpuPercent) : '-'}`;
  return [
    plain(c.name),
    count,
    cpu,
    t.memoryTotal === null ? '-' : formatUsedTotal(t.connected > 0 ? (t.memoryUsed ?? 0) : null, t.memoryTotal),
    formatBytesShort(t.storage),
    t.gpus === null ? '-' : String(t.gpus),
  ];
}

/** Cluster rows: one per cluster with its hosts' totals. */
export function renderClusterRows(
  clusters: readonly Cluster[],
  hosts: readonly NodeSummary[],
  g: Pick<Glyphs, 'dotOn' | 'dotOff'> = UNICODE_GLYPHS,
): Cell[][] {
  const by = hostsByCluster(hosts);
  return clusters.map((c) => renderClusterRow(c, clusterTotals(by.get(c.id) ?? []), g));
}
