/**
 * The SQLite implementation of `Store` (better-sqlite3): WAL so readers never
 * wait for the poller's writes, foreign keys on, a busy timeout so the
 * `api-token` command and the server can share the file, full fsync so a
 * pending host row survives a power cut, and versioned migrations tracked
 * in `user_version`.
 */
import Database from 'better-sqlite3';
import { chmodSync, mkdirSync } from 'node:fs';
import { dirname } from 'node:path';
import { QuantixError } from '../../common/protocol/errors.js';
import type { Inventory } from '../../common/protocol/inventory.js';
import type { AuditEvent, NodeCapacity, NodeError, NodeState } from '../../common/protocol/vdc-api.js';
import {
  alreadyRegistered,
  type AuditRow,
  clusterNotEmpty,
  type ClusterRow,
  driverCode,
  inventoryChangeOf,
  inventoryOf,
  NODE_COLUMNS,
  type NodeRow,
  type TokenRow,
  toAudit,
  toCluster,
  toNode,
  toToken,
} from './store-rows.js';
import { AUDIT_INDEXES_SQL, auditSelect, type AuditFilter } from './audit-query.js';
import { API_TOKEN_ROLE_SQL, INVENTORY_CHANGE_SQL, MAINTENANCE_SQL } from './portable-migrations.js';
import type {
  ApiTokenRecord,
  AuditInput,
  ClusterRecord,
  ClusterWithCounts,
  HealthObservation,
  LeaseClaim,
  NewNode,
  NodeRecord,
  NodeRecordWithInventory,
  ReplicaInfo,
  ReplicaRecord,
  Store,
  TrendBatch,
  TrendRow,
  VdcIdentity,
} from './store.js';
import { latestSamples, TREND_CLUSTER_COLUMNS, type TrendDbRow, toTrendRow } from './trends.js';

/** Schema migrations, in order; migration i brings the schema to version i + 1. Never edit one that shipped. */
export const MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  ) STRICT;
  CREATE TABLE clusters (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL COLLATE NOCASE UNIQUE,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
  ) STRICT;
  CREATE TABLE nodes (
    id TEXT PRIMARY KEY,
    host_id TEXT NOT NULL UNIQUE,
    hostname TEXT NOT NULL,
    address TEXT NOT NULL,
    port INTEGER NOT NULL CHECK (port BETWEEN 1 AND 65535),
    cluster_id TEXT NOT NULL REFERENCES clusters(id) ON DELETE RESTRICT,
    certificate_fingerprint TEXT NOT NULL,
    state TEXT NOT NULL CHECK (state IN ('pending', 'connected', 'disconnected', 'left')),
    state_since TEXT NOT NULL,
    registered_at TEXT NOT NULL,
    last_seen_at TEXT,
    last_error_code TEXT,
    last_error_message TEXT,
    last_error_at TEXT,
    usage_json TEXT,
    capacity_json TEXT NOT NULL,
    inventory_json TEXT,
    inventory_at TEXT
  ) STRICT;
  CREATE INDEX nodes_cluster ON nodes (cluster_id);
  CREATE TABLE audit (
    id INTEGER PRIMARY KEY AUTOINCREMENT,
    at TEXT NOT NULL,
    action TEXT NOT NULL,
    outcome TEXT NOT NULL CHECK (outcome IN ('ok', 'error')),
    source TEXT NOT NULL,
    actor TEXT,
    address TEXT,
    host_id TEXT,
    node_id TEXT,
    cluster_id TEXT,
    code TEXT,
    detail TEXT
  ) STRICT;
  `,
  `
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    prefix TEXT NOT NULL,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  ) STRICT;
  CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
  `,
  // API tokens get a public id; the first characters of each secret, kept in clear until now, are dropped.
  // Tokens made before keep working: their hash was already of the whole token. They have no public id.
  `
  ALTER TABLE api_tokens ADD COLUMN public_id TEXT;
  ALTER TABLE api_tokens DROP COLUMN prefix;
  CREATE UNIQUE INDEX api_tokens_public_id ON api_tokens (public_id);
  `,
  // The audit is read a page at a time by id, filtered by time, action, outcome and host: one index each.
  AUDIT_INDEXES_SQL,
  API_TOKEN_ROLE_SQL,
  INVENTORY_CHANGE_SQL,
  MAINTENANCE_SQL,
  // A short history of each host's use: one row per host and time bucket, pruned as it is written.
  `
  CREATE TABLE node_trends (
    node_id TEXT NOT NULL REFERENCES nodes(id) ON DELETE CASCADE,
    bucket INTEGER NOT NULL,
    cpu_percent REAL,
    cpus INTEGER NOT NULL,
    memory_used INTEGER,
    memory_total INTEGER,
    polls INTEGER NOT NULL,
    PRIMARY KEY (node_id, bucket)
  ) STRICT, WITHOUT ROWID;
  `,
];

/** The schema version this build writes. */
export const SCHEMA_VERSION = MIGRATIONS.length;

/**
 * Brings a database to the latest schema, one transaction per migration.
 * Refuses a database written by a newer version instead of guessing.
 */
export function migrate(db: Database.Database, upTo = SCHEMA_VERSION): number {
  const current = db.pragma('user_version', { simple: true }) as number;
  if (current > SCHEMA_VERSION) {
    throw new QuantixError('INTERNAL', {
      message: `The state database has schema version ${current}, newer than this quantix-vdc understands (${SCHEMA_VERSION}).`,
      hint: 'Run the quantix-vdc version that wrote it, or restore a backup of the state directory.',
    });
  }
  for (let v = current; v < upTo; v++) {
    db.transaction(() => {
      db.exec(MIGRATIONS[v]!);
      db.pragma(`user_version = ${v + 1}`);
    })();
  }
  // A migration may drop data (secret material among it): with secure_delete the freed space is zeroed, and the
  // WAL, which still holds the old pages, is written back and emptied.
  if (upTo > current) db.pragma('wal_checkpoint(TRUNCATE)');
  return Math.max(current, upTo);
}

/** The page cache of the vDC's SQLite connection, KiB. */
export const SQLITE_CACHE_KIB = 2048;

/** Opens a database file with the vDC's settings (directory 0700, file 0600). */
export function openDatabase(path: string): Database.Database {
  mkdirSync(dirname(path), { recursive: true, mode: 0o700 });
  const db = new Database(path, { timeout: 5_000 });
  chmodSync(path, 0o600);
  db.pragma('journal_mode = WAL');
  db.pragma('synchronous = FULL');
  db.pragma('foreign_keys = ON');
  // Deleted content (a revoked token's row, a dropped column) is overwritten, not left in free pages.
  db.pragma('secure_delete = ON');
  // SQLite's own 2 MiB page cache: better-sqlite3 builds it with 16 MiB, which a listing of every host (reading
  // through each stored inventory) fills as the fleet grows, about 9 KB a host kept for good. The operating
  // system caches the file anyway.
  db.pragma(`cache_size = -${SQLITE_CACHE_KIB}`);
  return db;
}

const CLUSTER_SELECT = `SELECT c.id, c.name, c.description, c.created_at,
  (SELECT COUNT(*) FROM nodes n WHERE n.cluster_id = c.id) AS hosts,
  (SELECT COUNT(*) FROM nodes n WHERE n.cluster_id = c.id AND n.state = 'connected') AS connected_hosts
  FROM clusters c`;

function isConstraint(err: unknown, kind: 'UNIQUE' | 'FOREIGNKEY'): boolean {
  return driverCode(err) === `SQLITE_CONSTRAINT_${kind}`;
}

/** Opens (creating and migrating) the SQLite store at path. */
export function openSqliteStore(path: string): Store {
  const db = openDatabase(path);
  migrate(db);
  return new SqliteStore(db);
}

/** Store over one better-sqlite3 connection; one process serves it, so it is the only replica and polls every host. */
// better-sqlite3 is synchronous: the methods are async only to fulfil the Store interface (and to turn a throw into a rejection).
class SqliteStore implements Store {
  readonly backend = 'sqlite' as const;
  private readonly db: Database.Database;
  private replica: { info: ReplicaInfo; seenAt: number } | null = null;
  private readonly stmt: ReturnType<SqliteStore['prepare']>;
  private readonly auditStatements = new Map<string, Database.Statement<unknown[], AuditRow>>();

  constructor(db: Database.Database) {
    this.db = db;
    this.stmt = this.prepare();
  }

  private prepare() {
    const d = this.db;
    return {
      meta: d.prepare<[string], { value: string }>('SELECT value FROM meta WHERE key = ?'),
      setMeta: d.prepare<[string, string]>(
        'INSERT INTO meta (key, value) VALUES (?, ?) ON CONFLICT (key) DO UPDATE SET value = excluded.value',
      ),
      clusters: d.prepare<[], ClusterRow>(`${CLUSTER_SELECT} ORDER BY c.name COLLATE NOCASE`),
      clusterById: d.prepare<[string], ClusterRow>(`${CLUSTER_SELECT} WHERE c.id = ?`),
      clusterByName: d.prepare<[string], ClusterRow>(`${CLUSTER_SELECT} WHERE c.name = ? COLLATE NOCASE`),
      insertCluster: d.prepare(
        'INSERT INTO clusters (id, name, description, created_at) VALUES (@id, @name, @description, @createdAt)',
      ),
      clusterHosts: d.prepare<[string], { n: number }>('SELECT COUNT(*) AS n FROM nodes WHERE cluster_id = ?'),
      deleteCluster: d.prepare<[string]>('DELETE FROM clusters WHERE id = ?'),
      nodes: d.prepare<[], NodeRow>(
        `SELECT ${NODE_COLUMNS} FROM nodes n JOIN clusters c ON c.id = n.cluster_id ORDER BY c.name COLLATE NOCASE, n.hostname, n.id`,
      ),
      nodesOfCluster: d.prepare<[string], NodeRow>(
        `SELECT ${NODE_COLUMNS} FROM nodes n JOIN clusters c ON c.id = n.cluster_id WHERE n.cluster_id = ? ORDER BY n.hostname, n.id`,
      ),
      node: d.prepare<[string], NodeRow>(
        `SELECT ${NODE_COLUMNS}, n.inventory_json, n.inventory_at, n.inventory_changes_json, n.inventory_changed_at FROM nodes n JOIN clusters c ON c.id = n.cluster_id WHERE n.id = ?`,
      ),
      nodeByHostId: d.prepare<[string], NodeRow>(
        `SELECT ${NODE_COLUMNS} FROM nodes n JOIN clusters c ON c.id = n.cluster_id WHERE n.host_id = ?`,
      ),
      insertNode:
        d.prepare(`INSERT INTO nodes (id, host_id, hostname, address, port, cluster_id, certificate_fingerprint, state, state_since,
        registered_at, capacity_json, inventory_json, inventory_at)
        VALUES (@id, @hostId, @hostname, @address, @port, @clusterId, @certificateFingerprint, 'pending', @at, @at, @capacity, @inventory, @at)`),
      deleteLeftNode: d.prepare<[string]>(`DELETE FROM nodes WHERE host_id = ? AND state = 'left'`),
      completeNode:
        d.prepare(`UPDATE nodes SET state = 'connected', state_since = @at, last_seen_at = @at, registered_at = @at, hostname = @hostname
        WHERE id = @id AND state = 'pending'`),
      connected: d.prepare(`UPDATE nodes SET
          state_since = CASE WHEN state = 'connected' THEN state_since ELSE @at END,
          state = 'connected', last_seen_at = @at, usage_json = @usage, hostname = @hostname
        WHERE id = @id AND state IN ('connected', 'disconnected')`),
      notConnected: d.prepare(`UPDATE nodes SET
          state_since = CASE WHEN state = @state THEN state_since ELSE @at END,
          state = @state, last_error_code = @code, last_error_message = @message, last_error_at = @at
        WHERE id = @id AND state IN ('connected', 'disconnected')`),
      nodeError: d.prepare(
        'UPDATE nodes SET last_error_code = @code, last_error_message = @message, last_error_at = @at WHERE id = @id',
      ),
      saveInventory: d.prepare(
        'UPDATE nodes SET inventory_json = @inventory, inventory_at = @at, capacity_json = @capacity WHERE id = @id',
      ),
      saveInventoryChanges: d.prepare(
        'UPDATE nodes SET inventory_changes_json = @changes, inventory_changed_at = @at WHERE id = @id',
      ),
      staleInventories: d.prepare<[string, number], NodeRow>(
        `SELECT ${NODE_COLUMNS} FROM nodes n JOIN clusters c ON c.id = n.cluster_id
        WHERE n.state = 'connected' AND (n.inventory_at IS NULL OR n.inventory_at < ?)
        ORDER BY n.inventory_at IS NOT NULL, n.inventory_at, n.id LIMIT ?`,
      ),
      deleteNode: d.prepare<[string]>('DELETE FROM nodes WHERE id = ?'),
      setMaintenance: d.prepare<[{ since: string | null; id: string }]>(
        'UPDATE nodes SET maintenance_since = CASE WHEN @since IS NULL THEN NULL ELSE COALESCE(maintenance_since, @since) END WHERE id = @id',
      ),
      moveNode: d.prepare<[string, string]>('UPDATE nodes SET cluster_id = ? WHERE id = ?'),
      renameCluster: d.prepare<[string, string]>('UPDATE clusters SET name = ? WHERE id = ?'),
      clusterCount: d.prepare<[], { n: number }>('SELECT COUNT(*) AS n FROM clusters'),
      stateCounts: d.prepare<[], { state: NodeState; n: number }>(
        'SELECT state, COUNT(*) AS n FROM nodes GROUP BY state',
      ),
      insertAudit:
        d.prepare(`INSERT INTO audit (at, action, outcome, source, actor, address, host_id, node_id, cluster_id, code, detail)
        VALUES (@at, @action, @outcome, @source, @actor, @address, @hostId, @nodeId, @clusterId, @code, @detail)`),
      insertToken:
        d.prepare(`INSERT INTO api_tokens (id, name, public_id, role, token_hash, created_at, last_used_at, revoked_at)
        VALUES (@id, @name, @publicId, @role, @tokenHash, @createdAt, @lastUsedAt, @revokedAt)`),
      tokens: d.prepare<[], TokenRow>('SELECT * FROM api_tokens ORDER BY created_at, name'),
      tokenByHash: d.prepare<[string], TokenRow>(
        'SELECT * FROM api_tokens WHERE token_hash = ? AND revoked_at IS NULL',
      ),
      tokenById: d.prepare<[string], TokenRow>('SELECT * FROM api_tokens WHERE id = ?'),
      activeTokenByName: d.prepare<[string], TokenRow>(
        'SELECT * FROM api_tokens WHERE name = ? AND revoked_at IS NULL',
      ),
      touchToken: d.prepare<[string, string]>('UPDATE api_tokens SET last_used_at = ? WHERE id = ?'),
      revokeToken: d.prepare<[string, string]>(
        'UPDATE api_tokens SET revoked_at = ? WHERE id = ? AND revoked_at IS NULL',
      ),
      ...this.prepareTrends(),
    };
  }

  private prepareTrends() {
    const d = this.db;
    return {
      // A sample for a host removed meanwhile is dropped, not an error that would undo the whole batch.
      insertTrend:
        d.prepare(`INSERT INTO node_trends (node_id, bucket, cpu_percent, cpus, memory_used, memory_total, polls)
        SELECT @nodeId, @bucket, @cpuPercent, @cpus, @memoryUsedBytes, @memoryTotalBytes, @polls
        WHERE EXISTS (SELECT 1 FROM nodes WHERE id = @nodeId)
        ON CONFLICT (node_id, bucket) DO UPDATE SET cpu_percent = excluded.cpu_percent, cpus = excluded.cpus,
          memory_used = excluded.memory_used, memory_total = excluded.memory_total, polls = excluded.polls`),
      pruneTrend: d.prepare(
        'DELETE FROM node_trends WHERE node_id = @nodeId AND (bucket <= @bucket - @points OR bucket > @bucket)',
      ),
      nodeTrend: d.prepare<[string, number], TrendDbRow>(
        `SELECT bucket, cpu_percent, memory_used, memory_total, 1 AS hosts FROM node_trends
        WHERE node_id = ? AND bucket >= ? ORDER BY bucket`,
      ),
      clusterTrend: d.prepare<[string, number], TrendDbRow>(
        `SELECT ${TREND_CLUSTER_COLUMNS} FROM node_trends t JOIN nodes n ON n.id = t.node_id
        WHERE n.cluster_id = ? AND t.bucket >= ? GROUP BY t.bucket ORDER BY t.bucket`,
      ),
    };
  }

  async identity(): Promise<VdcIdentity | null> {
    const id = this.stmt.meta.get('vdc.id')?.value;
    const name = this.stmt.meta.get('vdc.name')?.value;
    const createdAt = this.stmt.meta.get('vdc.createdAt')?.value;
    return id && name && createdAt ? { id, name, createdAt } : null;
  }

  async saveIdentity(identity: VdcIdentity): Promise<VdcIdentity> {
    return this.db.transaction(() => {
      const existing = this.stmt.meta.get('vdc.id')?.value;
      if (!existing) {
        this.stmt.setMeta.run('vdc.id', identity.id);
        this.stmt.setMeta.run('vdc.createdAt', identity.createdAt);
      }
      this.stmt.setMeta.run('vdc.name', identity.name);
      return {
        id: this.stmt.meta.get('vdc.id')!.value,
        name: identity.name,
        createdAt: this.stmt.meta.get('vdc.createdAt')!.value,
      };
    })();
  }

  async listClusters(): Promise<ClusterWithCounts[]> {
    return this.stmt.clusters.all().map(toCluster);
  }

  async findCluster(idOrName: string): Promise<ClusterWithCounts | null> {
    const row = this.stmt.clusterById.get(idOrName) ?? this.stmt.clusterByName.get(idOrName);
    return row ? toCluster(row) : null;
  }

  async createCluster(cluster: ClusterRecord): Promise<ClusterWithCounts> {
    try {
      this.stmt.insertCluster.run(cluster);
    } catch (err) {
      if (isConstraint(err, 'UNIQUE')) {
        throw new QuantixError('CLUSTER_EXISTS', { message: `A cluster named "${cluster.name}" already exists.` });
      }
      throw err;
    }
    return toCluster(this.stmt.clusterById.get(cluster.id)!);
  }

  async deleteCluster(id: string): Promise<ClusterWithCounts> {
    return this.db.transaction(() => {
      const row = this.stmt.clusterById.get(id);
      if (!row) throw new QuantixError('CLUSTER_NOT_FOUND');
      const hosts = this.stmt.clusterHosts.get(id)!.n;
      if (hosts > 0) {
        throw clusterNotEmpty(row.name, hosts);
      }
      this.stmt.deleteCluster.run(id);
      return toCluster(row);
    })();
  }

  async renameCluster(id: string, name: string): Promise<ClusterWithCounts> {
    try {
      if (this.stmt.renameCluster.run(name, id).changes === 0) throw new QuantixError('CLUSTER_NOT_FOUND');
    } catch (err) {
      if (isConstraint(err, 'UNIQUE'))
        throw new QuantixError('CLUSTER_EXISTS', { message: `A cluster named "${name}" already exists.` });
      throw err;
    }
    return toCluster(this.stmt.clusterById.get(id)!);
  }

  async setMaintenance(id: string, since: string | null): Promise<NodeRecord | null> {
    this.stmt.setMaintenance.run({ since, id });
    const row = this.stmt.node.get(id);
    return row ? toNode(row) : null;
  }

  async moveNode(id: string, clusterId: string): Promise<NodeRecord> {
    try {
      if (this.stmt.moveNode.run(clusterId, id).changes === 0) throw new QuantixError('HOST_NOT_FOUND');
    } catch (err) {
      if (isConstraint(err, 'FOREIGNKEY')) throw new QuantixError('CLUSTER_NOT_FOUND');
      throw err;
    }
    return toNode(this.stmt.node.get(id)!);
  }

  async listNodes(filter: { clusterId?: string; states?: readonly NodeState[] } = {}): Promise<NodeRecord[]> {
    const rows = filter.clusterId ? this.stmt.nodesOfCluster.all(filter.clusterId) : this.stmt.nodes.all();
    const nodes = rows.map(toNode);
    return filter.states ? nodes.filter((n) => filter.states!.includes(n.state)) : nodes;
  }

  async counts(): Promise<{ clusters: number; nodes: Record<NodeState, number> }> {
    const nodes: Record<NodeState, number> = { pending: 0, connected: 0, disconnected: 0, left: 0 };
    for (const r of this.stmt.stateCounts.all()) nodes[r.state] = r.n;
    return { clusters: this.stmt.clusterCount.get()!.n, nodes };
  }

  async getNode(id: string): Promise<NodeRecordWithInventory | null> {
    const row = this.stmt.node.get(id);
    if (!row) return null;
    return {
      ...toNode(row),
      inventory: inventoryOf(row.inventory_json),
      inventoryAt: row.inventory_at ?? null,
      inventoryChange: inventoryChangeOf(row),
    };
  }

  async findNodeByHostId(hostId: string): Promise<NodeRecord | null> {
    const row = this.stmt.nodeByHostId.get(hostId);
    return row ? toNode(row) : null;
  }

  async insertPendingNode(node: NewNode): Promise<NodeRecord> {
    return this.db.transaction(() => {
      const existing = this.stmt.nodeByHostId.get(node.hostId);
      if (existing && existing.state !== 'left') {
        throw alreadyRegistered(toNode(existing), 'register');
      }
      // A host that left on its own may come back: its old row gives way to the new registration.
      this.stmt.deleteLeftNode.run(node.hostId);
      try {
        this.stmt.insertNode.run({
          id: node.id,
          hostId: node.hostId,
          hostname: node.hostname,
          address: node.address,
          port: node.port,
          clusterId: node.clusterId,
          certificateFingerprint: node.certificateFingerprint,
          at: node.at,
          capacity: JSON.stringify(node.capacity),
          inventory: JSON.stringify(node.inventory),
        });
      } catch (err) {
        if (isConstraint(err, 'FOREIGNKEY')) throw new QuantixError('CLUSTER_NOT_FOUND', { phase: 'register' });
        if (isConstraint(err, 'UNIQUE')) throw new QuantixError('HOST_ALREADY_REGISTERED', { phase: 'register' });
        throw err;
      }
      return toNode(this.stmt.node.get(node.id)!);
    })();
  }

  async completeNode(id: string, at: string, hostname: string): Promise<NodeRecord | null> {
    this.stmt.completeNode.run({ id, at, hostname });
    const row = this.stmt.node.get(id);
    return row ? toNode(row) : null;
  }

  async recordHealth(
    observations: readonly HealthObservation[],
    _replicaId?: string,
    trends?: TrendBatch,
  ): Promise<void> {
    if (observations.length === 0 && !trends?.samples.length) return;
    this.db.transaction(() => {
      for (const t of latestSamples(trends?.samples ?? [])) {
        this.stmt.insertTrend.run(t);
        this.stmt.pruneTrend.run({ nodeId: t.nodeId, bucket: t.bucket, points: trends!.points });
      }
      for (const o of observations) {
        if (o.state === 'connected') {
          this.stmt.connected.run({ id: o.nodeId, at: o.at, usage: JSON.stringify(o.usage), hostname: o.hostname });
        } else {
          this.stmt.notConnected.run({
            id: o.nodeId,
            at: o.at,
            state: o.state,
            code: o.error.code,
            message: o.error.message,
          });
        }
      }
    })();
  }

  async trend(of: { nodeId: string } | { clusterId: string }, fromBucket: number): Promise<TrendRow[]> {
    const rows =
      'nodeId' in of
        ? this.stmt.nodeTrend.all(of.nodeId, fromBucket)
        : this.stmt.clusterTrend.all(of.clusterId, fromBucket);
    return rows.map(toTrendRow);
  }

  async recordNodeError(id: string, error: NodeError): Promise<void> {
    this.stmt.nodeError.run({ id, code: error.code, message: error.message, at: error.at });
  }

  async saveInventory(
    id: string,
    inventory: Inventory,
    capacity: NodeCapacity,
    at: string,
    changes: readonly string[] = [],
  ): Promise<void> {
    this.db.transaction(() => {
      this.stmt.saveInventory.run({ id, inventory: JSON.stringify(inventory), capacity: JSON.stringify(capacity), at });
      if (changes.length > 0) this.stmt.saveInventoryChanges.run({ id, changes: JSON.stringify(changes), at });
    })();
  }

  async staleInventories(before: string, limit: number): Promise<NodeRecord[]> {
    // One process holds every host: there is no lease to check.
    return this.stmt.staleInventories.all(before, limit).map(toNode);
  }

  async deleteNode(id: string): Promise<boolean> {
    return this.stmt.deleteNode.run(id).changes > 0;
  }

  async appendAudit(e: AuditInput): Promise<number> {
    const info = this.stmt.insertAudit.run({
      at: e.at,
      action: e.action,
      outcome: e.outcome,
      source: e.source,
      actor: e.actor ?? null,
      address: e.address ?? null,
      hostId: e.hostId ?? null,
      nodeId: e.nodeId ?? null,
      clusterId: e.clusterId ?? null,
      code: e.code ?? null,
      detail: e.detail ?? null,
    });
    return Number(info.lastInsertRowid);
  }

  async listAudit(q: AuditFilter): Promise<AuditEvent[]> {
    const { sql, params } = auditSelect(q, () => '?');
    let stmt = this.auditStatements.get(sql);
    if (!stmt) {
      // One statement per combination of filters (at most a few hundred), prepared once.
      stmt = this.db.prepare<unknown[], AuditRow>(sql);
      this.auditStatements.set(sql, stmt);
    }
    return stmt.all(...params).map(toAudit);
  }

  async createApiToken(t: ApiTokenRecord): Promise<ApiTokenRecord> {
    try {
      this.stmt.insertToken.run(t);
    } catch (err) {
      if (isConstraint(err, 'UNIQUE')) {
        throw new QuantixError('VALIDATION_ERROR', {
          message: `An active API token named "${t.name}" already exists.`,
          hint: 'Choose another name, or revoke the old token first.',
        });
      }
      throw err;
    }
    return t;
  }

  async listApiTokens(): Promise<ApiTokenRecord[]> {
    return this.stmt.tokens.all().map(toToken);
  }

  async findActiveApiToken(tokenHash: string): Promise<ApiTokenRecord | null> {
    const row = this.stmt.tokenByHash.get(tokenHash);
    return row ? toToken(row) : null;
  }

  async touchApiToken(id: string, at: string): Promise<void> {
    this.stmt.touchToken.run(at, id);
  }

  async revokeApiToken(idOrName: string, at: string): Promise<ApiTokenRecord> {
    return this.db.transaction(() => {
      const row = this.stmt.tokenById.get(idOrName) ?? this.stmt.activeTokenByName.get(idOrName);
      if (!row)
        throw new QuantixError('API_TOKEN_NOT_FOUND', {
          message: `No API token with id or name "${idOrName.slice(0, 63)}".`,
        });
      this.stmt.revokeToken.run(at, row.id);
      return toToken(this.stmt.tokenById.get(row.id)!);
    })();
  }

  async heartbeat(replica: ReplicaInfo): Promise<void> {
    this.replica = { info: replica, seenAt: Date.now() };
  }

  async replicas(leaseMs: number): Promise<ReplicaRecord[]> {
    if (!this.replica) return [];
    const c = await this.counts();
    return [
      {
        ...this.replica.info,
        lastSeenAt: new Date(this.replica.seenAt).toISOString(),
        alive: Date.now() - this.replica.seenAt <= leaseMs,
        hosts: c.nodes.connected + c.nodes.disconnected + c.nodes.pending,
      },
    ];
  }

  async leaveReplica(id: string): Promise<void> {
    if (this.replica?.info.id === id) this.replica = null;
  }

  async claimHosts(): Promise<NodeRecord[]> {
    return this.listNodes({ states: ['connected', 'disconnected', 'pending'] });
  }

  /** One process holds every host: nothing to take over. */
  async takeOverHosts(): Promise<LeaseClaim> {
    return { held: (await this.claimHosts()).map((n) => n.id), taken: [], nextExpiryMs: null };
  }

  async close(): Promise<void> {
    if (this.db.open) this.db.close();
  }
}
