/**
 * The vDC's durable state behind one interface, so the services never know
 * which database holds it. Methods are asynchronous because a server
 * database would be; each one is atomic on its own, and the ones that
 * enforce a rule (a cluster is deleted only while empty, a host is
 * registered once) enforce it inside the store, not by read-then-write in
 * the caller.
 */
import type { Inventory, LiveUsage } from '../../common/protocol/inventory.js';
import type {
  ApiRole,
  AuditEvent,
  InventoryChange,
  NodeCapacity,
  NodeError,
  NodeState,
} from '../../common/protocol/vdc-api.js';
import type { AuditFilter } from './audit-query.js';

/** This vDC's identity, created on first start. */
export interface VdcIdentity {
  id: string;
  name: string;
  createdAt: string;
}

/** A cluster row. */
export interface ClusterRecord {
  id: string;
  name: string;
  description: string;
  createdAt: string;
}

/** A cluster with its host counts. */
export interface ClusterWithCounts extends ClusterRecord {
  hosts: number;
  connectedHosts: number;
}

/** A host row without its inventory (what lists and the poller need). */
export interface NodeRecord {
  id: string;
  hostId: string;
  hostname: string;
  address: string;
  port: number;
  clusterId: string;
  clusterName: string;
  certificateFingerprint: string;
  state: NodeState;
  stateSince: string;
  registeredAt: string;
  lastSeenAt: string | null;
  lastError: NodeError | null;
  usage: LiveUsage | null;
  capacity: NodeCapacity;
  /** When the host was put in maintenance; null when it is not in maintenance. */
  maintenanceSince: string | null;
}

/** A host row with its inventory. */
export interface NodeRecordWithInventory extends NodeRecord {
  inventory: Inventory | null;
  inventoryAt: string | null;
  /** The last refresh that found the inventory changed. */
  inventoryChange: InventoryChange | null;
}

/** A new host, written as pending before the host is told to join. */
export interface NewNode {
  id: string;
  hostId: string;
  hostname: string;
  address: string;
  port: number;
  clusterId: string;
  certificateFingerprint: string;
  inventory: Inventory;
  capacity: NodeCapacity;
  at: string;
}

/** The outcome of one health check of one host. */
export type HealthObservation =
  | { nodeId: string; at: string; state: 'connected'; usage: LiveUsage; hostname: string }
  | { nodeId: string; at: string; state: 'disconnected' | 'left'; error: { code: string; message: string } };

/** One host's use averaged over one time bucket (bucket = start time in ms / bucket width). */
export interface TrendSample {
  nodeId: string;
  bucket: number;
  cpuPercent: number | null;
  /** The host's logical CPUs: a cluster's CPU use weighs each host by them. */
  cpus: number;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  /** Health checks averaged into the sample. */
  polls: number;
}

/** Samples to write with a round's health results; each host keeps the buckets in (bucket - points, bucket]. */
export interface TrendBatch {
  samples: readonly TrendSample[];
  points: number;
}

/** One bucket as read back: a host's own, or a cluster's sums. */
export interface TrendRow {
  bucket: number;
  cpuPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  hosts: number;
}

/** An audit record to append. */
export interface AuditInput {
  at: string;
  action: string;
  outcome: 'ok' | 'error';
  source: string;
  actor?: string | null;
  address?: string | null;
  hostId?: string | null;
  nodeId?: string | null;
  clusterId?: string | null;
  code?: string | null;
  detail?: string | null;
}

/** An API token row: the secret is only the SHA-256 of the whole token, nothing of it in clear. */
export interface ApiTokenRecord {
  id: string;
  name: string;
  /** Public id, part of the token (`qxa_<publicId>.<secret>`); null for a token made before public ids. */
  publicId: string | null;
  /** What the token may do; tokens made before roles are admin. */
  role: ApiRole;
  tokenHash: string;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** One `quantix-vdc serve` process using the store. */
export interface ReplicaInfo {
  id: string;
  /** `<host name>:<pid>`. */
  name: string;
  /** The URL of its HTTPS listener (or the one it tells hosts). */
  url: string;
  startedAt: string;
}

/** A replica as the store knows it. */
export interface ReplicaRecord extends ReplicaInfo {
  lastSeenAt: string;
  /** Seen within one lease period. */
  alive: boolean;
  /** Hosts whose poll lease it holds. */
  hosts: number;
}

/** Which replica holds a host: given when a registration writes its pending row. */
export interface LeaseHolder {
  replicaId: string;
  leaseMs: number;
}

/** What a heartbeat's claim returns. */
export interface LeaseClaim {
  held: string[];
  taken: NodeRecord[];
  nextExpiryMs: number | null;
}

/** Everything the vDC persists. */
export interface Store {
  /** `sqlite` (one process per state directory) or `postgresql` (any number of replicas). */
  readonly backend: 'sqlite' | 'postgresql';

  /** This vDC's identity, null before the first start completed. */
  identity(): Promise<VdcIdentity | null>;
  /** Creates the identity, or renames it; the id never changes once written. */
  saveIdentity(identity: VdcIdentity): Promise<VdcIdentity>;

  listClusters(): Promise<ClusterWithCounts[]>;
  /** A cluster by id, else by name (names compare case-insensitively). */
  findCluster(idOrName: string): Promise<ClusterWithCounts | null>;
  /** Creates a cluster; CLUSTER_EXISTS when the name is taken. */
  createCluster(cluster: ClusterRecord): Promise<ClusterWithCounts>;
  /** Deletes a cluster; CLUSTER_NOT_FOUND, or CLUSTER_NOT_EMPTY while any host row refers to it. */
  deleteCluster(id: string): Promise<ClusterWithCounts>;
  /** Renames a cluster; CLUSTER_NOT_FOUND, or CLUSTER_EXISTS when another cluster has the name (in any case). */
  renameCluster(id: string, name: string): Promise<ClusterWithCounts>;

  listNodes(filter?: { clusterId?: string; states?: readonly NodeState[] }): Promise<NodeRecord[]>;
  /** Number of clusters and of hosts in each state, without reading the hosts. */
  counts(): Promise<{ clusters: number; nodes: Record<NodeState, number> }>;
  getNode(id: string): Promise<NodeRecordWithInventory | null>;
  findNodeByHostId(hostId: string): Promise<NodeRecord | null>;
  /**
   * Writes a pending host; HOST_ALREADY_REGISTERED when the hostId has a row (also when another replica wrote it
   * at the same moment), CLUSTER_NOT_FOUND when the cluster vanished. With `holder`, the row's poll lease is the
   * registering replica's, so no other replica settles it while the registration runs.
   */
  insertPendingNode(node: NewNode, holder?: LeaseHolder): Promise<NodeRecord>;
  /** Marks a pending host registered (connected) after the host confirmed the join. */
  completeNode(id: string, at: string, hostname: string): Promise<NodeRecord | null>;
  /**
   * Records health checks in one transaction; the state's `since` moves only when the state changes. With
   * `replicaId`, only results for hosts whose lease that replica still holds are written (a replica that lost a
   * lease while checking cannot overwrite what the new holder saw). The trend samples are written in the same
   * transaction (for hosts that still exist, under the same lease rule) and each one's older buckets pruned.
   */
  recordHealth(observations: readonly HealthObservation[], replicaId?: string, trends?: TrendBatch): Promise<void>;
  /**
   * The trend buckets from `fromBucket` on, oldest first: one host's, or a cluster's (per bucket, CPU = sum of
   * CPU used over sum of CPUs, memory = sums of used and installed, over the hosts that reported).
   */
  trend(of: { nodeId: string } | { clusterId: string }, fromBucket: number): Promise<TrendRow[]>;
  /** Records a failure seen while talking to a host, without changing its state. */
  recordNodeError(id: string, error: NodeError): Promise<void>;
  /**
   * Replaces a host's inventory; with a non-empty `changes`, also its last change list and time (an empty or
   * absent one keeps the last change that was found).
   */
  saveInventory(
    id: string,
    inventory: Inventory,
    capacity: NodeCapacity,
    at: string,
    changes?: readonly string[],
  ): Promise<void>;
  /**
   * Connected hosts whose inventory was last read before `before` (or never), oldest first, at most `limit`;
   * with `replicaId`, only hosts whose poll lease that replica holds, so replicas never refresh the same host.
   */
  staleInventories(before: string, limit: number, replicaId?: string): Promise<NodeRecord[]>;
  /**
   * Puts a host in maintenance (`since` = now) or takes it out (null); a host already in maintenance keeps its
   * first `since`. Null when there is no such host.
   */
  setMaintenance(id: string, since: string | null): Promise<NodeRecord | null>;
  /** Moves a host row to another cluster; HOST_NOT_FOUND or CLUSTER_NOT_FOUND. */
  moveNode(id: string, clusterId: string): Promise<NodeRecord>;
  /** Deletes a host row; false when there was none. */
  deleteNode(id: string): Promise<boolean>;

  appendAudit(event: AuditInput): Promise<number>;
  /** One page, newest first (keyset-paged by id; see audit-query.ts). */
  listAudit(query: AuditFilter): Promise<AuditEvent[]>;

  /** Stores a new API token; VALIDATION_ERROR when the name is taken. */
  createApiToken(token: ApiTokenRecord): Promise<ApiTokenRecord>;
  listApiTokens(): Promise<ApiTokenRecord[]>;
  /** An active (not revoked) token by the SHA-256 of its secret. */
  findActiveApiToken(tokenHash: string): Promise<ApiTokenRecord | null>;
  touchApiToken(id: string, at: string): Promise<void>;
  /** Revokes by id or name; API_TOKEN_NOT_FOUND when there is none; revoking twice keeps the first time. */
  revokeApiToken(idOrName: string, at: string): Promise<ApiTokenRecord>;

  /** Announces or renews a replica and renews every lease it holds, for `leaseMs` from now. */
  heartbeat(replica: ReplicaInfo, leaseMs: number): Promise<void>;
  /** Replicas seen within the last hour, newest first; `alive` = seen within `leaseMs`. */
  replicas(leaseMs: number): Promise<ReplicaRecord[]>;
  /** A replica stopping: its leases are released at once and it leaves the list. */
  leaveReplica(id: string): Promise<void>;
  /**
   * The hosts this replica is to poll (connected, disconnected, pending): its own leases renewed, up to its
   * fair share of free or expired ones taken, and its excess over that share (beyond one) released, so the
   * hosts spread evenly over the live replicas and a dead replica's hosts move to the others.
   */
  claimHosts(replicaId: string, leaseMs: number): Promise<NodeRecord[]>;
  /**
   * The same claim for a heartbeat, reading only what changed: the ids this replica holds now, the rows of the
   * hosts among them that are not in `known` (just taken over), and in how many milliseconds the next lease of
   * another replica expires (null when none is held), so a survivor can claim at that moment.
   */
  takeOverHosts(replicaId: string, leaseMs: number, known: ReadonlySet<string>): Promise<LeaseClaim>;

  close(): Promise<void>;
}
