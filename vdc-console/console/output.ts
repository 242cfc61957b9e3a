/**
 * What the command line prints: the stable `--json` shapes (documented in
 * docs/vdc-console.md; fields are picked one by one so a new server field
 * never changes them by accident) and plain-text tables for people, drawn
 * from the same pure render functions as the full-screen console.
 */
import type { ErrorBody, QuantixError } from '../../common/protocol/errors.js';
import {
  type Cluster,
  clusterFields,
  type DiscoverResponse,
  type DiscoveredHost,
  type NodeDetail,
  type NodeDetailFields,
  nodeDetailFieldsOf,
  type NodeSummary,
  type NodeSummaryFields,
  nodeSummaryFieldsOf,
  type RefreshNodeResponse,
  type RemoveNodeResponse,
} from '../../common/protocol/vdc-api.js';
import type { Glyphs } from '../../common/tui/glyphs.js';
import { cellText, renderDataTable, type Cell, type Column, type DataTable } from '../../common/tui/table.js';
import { lineText, padEnd, padStart, plain } from '../../common/tui/text.js';
import { renderDiscoveryTables, renderHostDetails } from './render/inventory.js';
import { describeRefresh, renderInventoryChange } from './render/inventory-change.js';
import { CLUSTER_COLUMNS, HOST_COLUMNS, renderClusterRow, renderClusterRows, renderHostRow } from './render/rows.js';
import { clusterTotals, hostsByCluster, type ClusterTotals } from './fleet.js';

/** `--json` shape of a host in lists: the API's, both maintenance fields present. */
export type HostJson = NodeSummaryFields;

/** `--json` shape of one host with its inventory. */
export type HostDetailJson = NodeDetailFields;

/** `--json` shape of a cluster: the API's. */
export type ClusterJson = Cluster;

/** `--json` shape of an error (on stdout, with a non-zero exit code). */
export interface ErrorJson {
  /** The API's error body without the field-level details (the message names them). */
  error: Omit<ErrorBody, 'details'>;
}

/** Picks the documented host fields. */
export const hostJson = (n: NodeSummary): HostJson => nodeSummaryFieldsOf(n);

/** Picks the documented host fields plus the inventory. */
export const hostDetailJson = (n: NodeDetail): HostDetailJson => nodeDetailFieldsOf(n);

/** Picks the documented cluster fields. */
export const clusterJson = (c: Cluster): ClusterJson => clusterFields(c);

/** Capacity totals of some hosts in `clusters list --json`; hosts in maintenance are left out (and counted apart). */
export interface CapacityJson {
  hosts: number;
  connectedHosts: number;
  maintenanceHosts: number;
  cpuThreads: number | null;
  memoryBytes: number | null;
  localStorageBytes: number | null;
  gpus: number | null;
}

function capacityJson(t: ClusterTotals): CapacityJson {
  return {
    hosts: t.hosts,
    connectedHosts: t.connected,
    maintenanceHosts: t.maintenance,
    cpuThreads: t.cores,
    memoryBytes: t.memoryTotal,
    localStorageBytes: t.storage,
    gpus: t.gpus,
  };
}

/** `clusters list --json`: each cluster with its capacity totals, and the fleet's. */
export function clusterListJson(
  clusters: readonly Cluster[],
  nodes: readonly NodeSummary[],
): { clusters: Array<ClusterJson & { capacity: CapacityJson }>; fleet: CapacityJson } {
  const by = hostsByCluster(nodes);
  return {
    clusters: clusters.map((c) => ({ ...clusterJson(c), capacity: capacityJson(clusterTotals(by.get(c.id) ?? [])) })),
    fleet: capacityJson(clusterTotals(nodes)),
  };
}

/** `hosts add --json`. */
export function hostAddedJson(
  node: NodeDetail,
  d: DiscoverResponse,
): {
  host: HostDetailJson;
  discovery: { discoveryId: string; host: DiscoveredHost; warnings: Array<{ code: string; message: string }> };
} {
  return {
    host: hostDetailJson(node),
    discovery: {
      discoveryId: d.discoveryId,
      host: {
        hostId: d.host.hostId,
        hostname: d.host.hostname,
        address: d.host.address,
        port: d.host.port,
        certificateFingerprint: d.host.certificateFingerprint,
        identityVerified: d.host.identityVerified,
        agentVersion: d.host.agentVersion,
        clockOffsetSeconds: d.host.clockOffsetSeconds,
      },
      warnings: d.warnings.map((w) => ({ code: w.code, message: w.message })),
    },
  };
}

/** `hosts remove --json`. */
export function hostRemovedJson(r: RemoveNodeResponse): {
  host: HostJson;
  hostNotified: boolean;
  reason: string | null;
} {
  return { host: hostJson(r.node), hostNotified: r.hostNotified, reason: r.reason };
}

/** `hosts refresh --json`: the host as stored now and what this refresh found changed. */
export function hostRefreshedJson(r: RefreshNodeResponse): { host: HostDetailJson; changes: string[] } {
  return { host: hostDetailJson(r.node), changes: [...r.changes] };
}

/** `hosts refresh` for people: one sentence, then each change. */
export function hostRefreshedText(r: RefreshNodeResponse): string[] {
  if (r.changes.length === 0) return [describeRefresh(r.node.hostname, [])];
  const n = r.changes.length === 1 ? '1 change' : `${r.changes.length} changes`;
  return [`Inventory of ${plain(r.node.hostname)} read again: ${n}.`, ...r.changes.map((l) => `  ${plain(l)}`)];
}

/** `--json` error object. */
export function errorJson(err: QuantixError): ErrorJson {
  return {
    error: {
      code: err.code,
      message: err.message,
      hint: err.hint,
      ...(err.phase ? { phase: err.phase } : {}),
      ...(err.retryAfterSeconds !== undefined ? { retryAfterSeconds: err.retryAfterSeconds } : {}),
    },
  };
}

/** A plain-text table: a header and rows, columns as wide as their content (capped), two spaces apart. */
export function textTable(columns: readonly Column[], rows: readonly (readonly Cell[])[]): string[] {
  const widths = columns.map((c, i) =>
    Math.min(48, Math.max(c.title.length, ...rows.map((r) => Array.from(cellText(r[i] ?? '')).length))),
  );
  const fmt = (cells: readonly string[]) =>
    cells
      .map((t, i) => (columns[i]!.align === 'right' ? padStart(t, widths[i]!) : padEnd(t, widths[i]!)))
      .join('  ')
      .trimEnd();
  return [fmt(columns.map((c) => c.title)), ...rows.map((r) => fmt(r.map((c) => cellText(c))))];
}

/** `hosts list` for people. */
export function hostsText(nodes: readonly NodeSummary[], now: number, g: Glyphs): string[] {
  if (nodes.length === 0)
    return ['No hosts. Add one with: quantix-vdc-console hosts add --address A --cluster NAME (it asks for the token)'];
  const columns: Column[] = [
    ...HOST_COLUMNS.slice(0, 2),
    { title: 'CLUSTER', width: 8 },
    ...HOST_COLUMNS.slice(2),
    { title: 'NODE ID', width: 8 },
  ];
  const rows = nodes.map((n) => {
    const r = renderHostRow(n, now, g);
    return [...r.slice(0, 2), plain(n.clusterName), ...r.slice(2), n.id];
  });
  return textTable(columns, rows);
}

/** `clusters list` for people. */
export function clustersText(clusters: readonly Cluster[], nodes: readonly NodeSummary[], g: Glyphs): string[] {
  if (clusters.length === 0) return ['No clusters. Create one with: quantix-vdc-console clusters create NAME'];
  const rows = renderClusterRows(clusters, nodes, g).map((r, i) => [...r, clusters[i]!.id]);
  const fleet = clusterTotals(nodes);
  rows.push([...renderClusterRow({ name: 'TOTAL' }, fleet, g), '']);
  const out = textTable([...CLUSTER_COLUMNS, { title: 'ID', width: 8 }], rows);
  if (fleet.maintenance > 0)
    out.push(
      `${fleet.maintenance} host${fleet.maintenance === 1 ? ' is' : 's are'} in maintenance: not counted in the capacity totals.`,
    );
  return out;
}

/** A data table as text lines; key-value tables (no column titles) lose their blank header. */
function tableLines(t: DataTable, width: number, g: Glyphs): string[] {
  const lines = renderDataTable(t, width, g).map((l) => lineText(l).trimEnd());
  return t.columns.every((c) => c.title === '') ? lines.filter((_, i) => i !== 1) : lines;
}

/** `hosts show` for people: state, then every inventory table. */
export function hostDetailText(n: NodeDetail, now: number, g: Glyphs, width = 100): string[] {
  const d = renderHostDetails(n, now, g);
  const out = tableLines(d.status, width, g);
  const change = renderInventoryChange(n);
  if (change) out.push('', ` ${change.title}`, ...change.lines.map((l) => `  ${l}`));
  for (const tab of d.tabs.slice(1)) for (const t of tab.tables) out.push('', ...tableLines(t, width, g));
  if (d.warnings.length) out.push('', ' Warnings', ...d.warnings.map((w) => `  ${w}`));
  return out;
}

/** The discovery summary `hosts add` shows before asking. */
export function discoveryText(d: DiscoverResponse, g: Glyphs, width = 100): string[] {
  const v = renderDiscoveryTables(d, null, [], g);
  const out = [cellText(v.headline), ''];
  const summary = v.tabs[0]?.tables[0];
  if (summary) out.push(...tableLines(summary, width, g));
  if (v.warnings.length) out.push('', ' Warnings', ...v.warnings.map((w) => `  ${w}`));
  return out;
}
