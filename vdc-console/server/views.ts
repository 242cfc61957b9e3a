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
  nodeDetailFieldsOf,
  type NodeSummary,
  nodeSummaryFieldsOf,
} from '../../common/protocol/vdc-api.js';
import type { ApiTokenRecord, ClusterWithCounts, NodeRecord, NodeRecordWithInventory } from './store.js';

/** The API form of a cluster. */
export const clusterView = (c: ClusterWithCounts): Cluster => clusterFields(c);

/** The API form of a host in a list. */
export const nodeSummaryView = (n: NodeRecord): NodeSummary => nodeSummaryFieldsOf(n);

/** The API form of one host with its inventory. */
export const nodeDetailView = (n: NodeRecordWithInventory): NodeDetail => nodeDetailFieldsOf(n);

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
