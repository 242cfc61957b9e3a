/**
 * Rows as both store back ends read them (snake_case columns) and their
 * mapping to the store's records, so SQLite and PostgreSQL answer with the
 * same shapes.
 */
import { type Phase, QuantixError } from '../../common/protocol/errors.js';
import type { Inventory, LiveUsage } from '../../common/protocol/inventory.js';
import type { ApiRole, AuditEvent, InventoryChange, NodeCapacity, NodeState } from '../../common/protocol/vdc-api.js';
import type { ApiTokenRecord, ClusterWithCounts, NodeRecord } from './store.js';

/** The `code` a database driver's error carries (a SQLSTATE, a SQLITE_ code or a socket errno), if any. */
export function driverCode(err: unknown): string | undefined {
  return typeof err === 'object' && err !== null && 'code' in err && typeof err.code === 'string'
    ? err.code
    : undefined;
}

export interface NodeRow {
  id: string;
  host_id: string;
  hostname: string;
  address: string;
  port: number;
  cluster_id: string;
  cluster_name: string;
  certificate_fingerprint: string;
  state: NodeState;
  state_since: string;
  registered_at: string;
  last_seen_at: string | null;
  last_error_code: string | null;
  last_error_message: string | null;
  last_error_at: string | null;
  usage_json: string | null;
  capacity_json: string;
  maintenance_since: string | null;
  inventory_json?: string | null;
  inventory_at?: string | null;
  inventory_changes_json?: string | null;
  inventory_changed_at?: string | null;
}

export interface ClusterRow {
  id: string;
  name: string;
  description: string;
  created_at: string;
  hosts: number;
  connected_hosts: number;
}

export interface TokenRow {
  id: string;
  name: string;
  public_id: string | null;
  role: ApiRole;
  token_hash: string;
  created_at: string;
  last_used_at: string | null;
  revoked_at: string | null;
}

export interface AuditRow {
  /** A number in SQLite, a bigint (read as a string) in PostgreSQL. */
  id: number | string;
  at: string;
  action: string;
  outcome: 'ok' | 'error';
  source: string;
  actor: string | null;
  address: string | null;
  host_id: string | null;
  node_id: string | null;
  cluster_id: string | null;
  code: string | null;
  detail: string | null;
}

export const NODE_COLUMNS = `n.id, n.host_id, n.hostname, n.address, n.port, n.cluster_id, c.name AS cluster_name,
  n.certificate_fingerprint, n.state, n.state_since, n.registered_at, n.last_seen_at,
  n.last_error_code, n.last_error_message, n.last_error_at, n.usage_json, n.capacity_json, n.maintenance_since`;

/** CLUSTER_NOT_EMPTY naming the cluster, how many hosts it holds, and the next step (both back ends). */
export function clusterNotEmpty(name: string, hosts: number): QuantixError {
  const them = hosts === 1 ? 'it' : 'them';
  return new QuantixError('CLUSTER_NOT_EMPTY', {
    message: `Cluster "${name}" still has ${hosts} host${hosts === 1 ? '' : 's'}; it was not deleted.`,
    hint: `Move ${them} to another cluster (\`quantix-vdc-console hosts move HOST --cluster OTHER\`) or remove ${them} (\`quantix-vdc-console hosts remove HOST\`), then delete the cluster.`,
  });
}

/**
 * HOST_ALREADY_REGISTERED naming the host as this vDC knows it (name, node id, cluster), so the user can find
 * it, with the move command for that very host (both back ends and discovery).
 */
export function alreadyRegistered(
  host: Pick<NodeRecord, 'id' | 'hostname' | 'clusterName'>,
  phase: Phase,
  cause?: unknown,
): QuantixError {
  return new QuantixError('HOST_ALREADY_REGISTERED', {
    message: `The host is already registered with this vDC as "${host.hostname}" (node ${host.id}), in cluster "${host.clusterName}".`,
    hint: `It is listed under that cluster; to put it in another one, move it (\`quantix-vdc-console hosts move ${host.id} --cluster OTHER\`).`,
    phase,
    cause,
  });
}

export function toCluster(r: ClusterRow): ClusterWithCounts {
  return {
    id: r.id,
    name: r.name,
    description: r.description,
    createdAt: r.created_at,
    hosts: r.hosts,
    connectedHosts: r.connected_hosts,
  };
}

export function toNode(r: NodeRow): NodeRecord {
  return {
    id: r.id,
    hostId: r.host_id,
    hostname: r.hostname,
    address: r.address,
    port: r.port,
    clusterId: r.cluster_id,
    clusterName: r.cluster_name,
    certificateFingerprint: r.certificate_fingerprint,
    state: r.state,
    stateSince: r.state_since,
    registeredAt: r.registered_at,
    lastSeenAt: r.last_seen_at,
    lastError:
      r.last_error_code === null
        ? null
        : { code: r.last_error_code, message: r.last_error_message ?? '', at: r.last_error_at ?? r.state_since },
    usage: r.usage_json === null ? null : (JSON.parse(r.usage_json) as LiveUsage),
    capacity: JSON.parse(r.capacity_json) as NodeCapacity,
    maintenanceSince: r.maintenance_since,
  };
}

export function toToken(r: TokenRow): ApiTokenRecord {
  return {
    id: r.id,
    name: r.name,
    publicId: r.public_id,
    role: r.role,
    tokenHash: r.token_hash,
    createdAt: r.created_at,
    lastUsedAt: r.last_used_at,
    revokedAt: r.revoked_at,
  };
}

export function toAudit(r: AuditRow): AuditEvent {
  return {
    id: Number(r.id),
    at: r.at,
    action: r.action,
    outcome: r.outcome,
    source: r.source,
    actor: r.actor,
    address: r.address,
    hostId: r.host_id,
    nodeId: r.node_id,
    clusterId: r.cluster_id,
    code: r.code,
    detail: r.detail,
  };
}

/** An inventory column, parsed. */
export function inventoryOf(json: string | null | undefined): Inventory | null {
  return json ? (JSON.parse(json) as Inventory) : null;
}

/** The last inventory change of a host row, parsed; null while no refresh has found one. */
export function inventoryChangeOf(r: NodeRow): InventoryChange | null {
  if (!r.inventory_changes_json || !r.inventory_changed_at) return null;
  return { at: r.inventory_changed_at, changes: JSON.parse(r.inventory_changes_json) as string[] };
}
