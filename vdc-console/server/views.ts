/**
 * Store records turned into API responses field by field: a response holds
 * exactly the documented fields, so nothing stored (a key, a hash) can leak
 * by being added to a record later.
 */
import {
  type ApiTokenInfo,
  type AuditEvent,
  type Cluster,
  clusterFields,
  type NodeDetail,
  type NodeSummary,
} from '../../common/protocol/vdc-api.js';
import type { ApiTokenRecord, ClusterWithCounts, NodeRecord, NodeRecordWithInventory } from './store.js';

/** The API form of a cluster. */
export const clusterView = (c: ClusterWithCounts): Cluster => clusterFields(c);

/** The API form of a host in a list. */
export function nodeSummaryView(n: NodeRecord): NodeSummary {
  return {
    id: n.id,
    hostId: n.hostId,
    hostname: n.hostname,
    address: n.address,
    port: n.port,
    clusterId: n.clusterId,
    clusterName: n.clusterName,
    certificateFingerprint: n.certificateFingerprint,
    state: n.state,
    stateSince: n.stateSince,
    registeredAt: n.registeredAt,
    lastSeenAt: n.lastSeenAt,
    lastError: n.lastError ? { code: n.lastError.code, message: n.lastError.message, at: n.lastError.at } : null,
    usage: n.usage,
    capacity: n.capacity,
    maintenance: n.maintenanceSince !== null,
    maintenanceSince: n.maintenanceSince,
  };
}

/** The API form of one host with its inventory. */
export function nodeDetailView(n: NodeRecordWithInventory): NodeDetail {
  return {
    ...nodeSummaryView(n),
    inventory: n.inventory,
    inventoryAt: n.inventoryAt,
    inventoryChange: n.inventoryChange ? { at: n.inventoryChange.at, changes: [...n.inventoryChange.changes] } : null,
  };
}

/** The API form of an API token: never its hash. */
export function apiTokenView(t: ApiTokenRecord): ApiTokenInfo {
  return {
    id: t.id,
    name: t.name,
    publicId: t.publicId,
    role: t.role,
    createdAt: t.createdAt,
    lastUsedAt: t.lastUsedAt,
    revokedAt: t.revokedAt,
  };
}

/** Audit events pass through as stored; they never hold secrets. */
export function auditView(e: AuditEvent): AuditEvent {
  return { ...e };
}
