/**
 * The PostgreSQL implementation of `Store` (node-postgres), shared by any
 * number of vDC replicas. Besides the vDC's state it holds what replicas
 * must agree on: the replicas themselves (a heartbeat each), the poll lease
 * of every host (owner and expiry, taken with `FOR UPDATE SKIP LOCKED`), the
 * discovery sessions (with their expiry; the token-derived key sealed with
 * the vDC secret key) and the identity's certificates (private keys sealed
 * likewise). Lease and session times are the database's clock, so replicas'
 * clocks never have to agree. The schema is versioned and migrated at start
 * under an advisory lock, so replicas starting together migrate once.
 *
 * A failure to reach the database is `DATABASE_UNAVAILABLE` (503); the pool
 * reconnects by itself once the server is back.
 */
import pg from 'pg';
import { QuantixError } from '../../common/protocol/errors.js';
import { bracketHost } from '../../common/protocol/host-port.js';
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
import type { Logger } from '../../common/log/logger.js';
import type { DiscoverySession } from './sessions.js';
import type {
  ApiTokenRecord,
  AuditInput,
  ClusterRecord,
  ClusterWithCounts,
  HealthObservation,
  LeaseClaim,
  LeaseHolder,
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
export const PG_MIGRATIONS: readonly string[] = [
  `
  CREATE TABLE meta (
    key TEXT PRIMARY KEY,
    value TEXT NOT NULL
  );
  CREATE TABLE clusters (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    description TEXT NOT NULL DEFAULT '',
    created_at TEXT NOT NULL
  );
  CREATE UNIQUE INDEX clusters_name ON clusters (lower(name));
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
    inventory_at TEXT,
    lease_owner TEXT,
    lease_until TIMESTAMPTZ
  );
  CREATE INDEX nodes_cluster ON nodes (cluster_id);
  CREATE INDEX nodes_lease_owner ON nodes (lease_owner);
  CREATE TABLE audit (
    id BIGSERIAL PRIMARY KEY,
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
  );
  CREATE TABLE api_tokens (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    public_id TEXT UNIQUE,
    token_hash TEXT NOT NULL UNIQUE,
    created_at TEXT NOT NULL,
    last_used_at TEXT,
    revoked_at TEXT
  );
  CREATE UNIQUE INDEX api_tokens_active_name ON api_tokens (name) WHERE revoked_at IS NULL;
  CREATE TABLE replicas (
    id TEXT PRIMARY KEY,
    name TEXT NOT NULL,
    url TEXT NOT NULL,
    started_at TEXT NOT NULL,
    seen_at TIMESTAMPTZ NOT NULL
  );
  CREATE TABLE discovery_sessions (
    id TEXT PRIMARY KEY,
    expires_at TIMESTAMPTZ NOT NULL,
    host_id TEXT NOT NULL,
    hostname TEXT NOT NULL,
    address TEXT NOT NULL,
    port INTEGER NOT NULL,
    fingerprint TEXT NOT NULL,
    clock_offset_ms DOUBLE PRECISION NOT NULL,
    inventory_json TEXT NOT NULL,
    key_sealed TEXT NOT NULL
  );
  CREATE INDEX discovery_sessions_expiry ON discovery_sessions (expires_at);
  CREATE TABLE certificates (
    name TEXT PRIMARY KEY,
    cert_pem TEXT NOT NULL,
    key_sealed TEXT NOT NULL,
    created_at TEXT NOT NULL
  );
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
    bucket BIGINT NOT NULL,
    cpu_percent DOUBLE PRECISION,
    cpus INTEGER NOT NULL,
    memory_used BIGINT,
    memory_total BIGINT,
    polls INTEGER NOT NULL,
    PRIMARY KEY (node_id, bucket)
  );
  `,
];

/** The schema version this build writes. */
export const PG_SCHEMA_VERSION = PG_MIGRATIONS.length;

/** Advisory lock keys (any fixed 64-bit numbers; "qxvdc" + purpose). */
const MIGRATION_LOCK = 0x7178766463_01;
const STARTUP_LOCK = 0x7178766463_02;

const POLLED_STATES = `('connected', 'disconnected', 'pending')`;

/** A discovery session as stored: the key sealed with the vDC secret key. */
export type StoredDiscovery = Omit<DiscoverySession, 'key' | 'expiresAtMs'> & { keySealed: string };

/** A shared certificate: its private key sealed with the vDC secret key. */
export interface StoredCertificate {
  name: string;
  certPem: string;
  keySealed: string;
}

/** Where a database URL points, without its password: what logs and errors may show. */
export function describeDatabase(url: string, env: Record<string, string | undefined> = process.env): string {
  let host = env.PGHOST || 'localhost';
  let port = env.PGPORT || '5432';
  let database = env.PGDATABASE || '';
  let user = env.PGUSER || '';
  try {
    const u = new URL(url);
    if (u.hostname) host = decodeURIComponent(u.hostname);
    if (u.port) port = u.port;
    if (u.pathname.length > 1) database = decodeURIComponent(u.pathname.slice(1));
    if (u.username) user = decodeURIComponent(u.username);
    const q = u.searchParams.get('host');
    if (q) host = q;
  } catch {
    // not a URL: only what the environment says
  }
  // A socket directory stays as it is; an IPv6 address gets its brackets once (URL keeps them in hostname).
  const h = host.startsWith('/') ? host : bracketHost(host);
  return `postgresql://${user ? `${user}@` : ''}${h}:${port}/${database || user}`.replace(
    /[\u0000-\u001f\u007f-\u009f]/g,
    '?',
  );
}

/** The password inside a database URL, if any (so the logger can scrub it). */
export function passwordOf(url: string): string | null {
  try {
    const p = new URL(url).password;
    return p ? decodeURIComponent(p) : null;
  } catch {
    return null;
  }
}

const UNREACHABLE_ERRNO = new Set([
  'ECONNREFUSED',
  'ECONNRESET',
  'ETIMEDOUT',
  'EHOSTUNREACH',
  'ENETUNREACH',
  'ENOTFOUND',
  'EAI_AGAIN',
  'EPIPE',
  'ENOENT',
]);

/** The database is not there (down, restarting, unreachable), as opposed to refusing a statement. */
export function isUnavailable(err: unknown): boolean {
  const e = err as { code?: unknown; message?: unknown } | null;
  const code = typeof e?.code === 'string' ? e.code : '';
  if (UNREACHABLE_ERRNO.has(code)) return true;
  // 08: connection exception; 57P01-57P03: admin shutdown, crash shutdown, cannot connect now; 53300: too many connections.
  if (/^08|^57P0[123]$|^53300$/.test(code)) return true;
  const m = typeof e?.message === 'string' ? e.message : '';
  return /Connection terminated|connection error|timeout exceeded when trying to connect|Client was closed|not queryable/i.test(
    m,
  );
}

function unavailable(what: string, err: unknown): QuantixError {
  const code = driverCode(err);
  const why = code ? ` (${code})` : '';
  return new QuantixError('DATABASE_UNAVAILABLE', {
    message: `The vDC cannot reach its database ${what}${why}.`,
    cause: err,
  });
}

function isConstraint(err: unknown, kind: 'UNIQUE' | 'FOREIGNKEY'): boolean {
  return driverCode(err) === (kind === 'UNIQUE' ? '23505' : '23503');
}

const NODE_FROM = 'FROM nodes n JOIN clusters c ON c.id = n.cluster_id';
const NODE_ORDER = 'ORDER BY lower(c.name) COLLATE "C", n.hostname COLLATE "C", n.id COLLATE "C"';

const CLUSTER_SELECT = `SELECT c.id, c.name, c.description, c.created_at,
  (SELECT COUNT(*)::int FROM nodes n WHERE n.cluster_id = c.id) AS hosts,
  (SELECT COUNT(*)::int FROM nodes n WHERE n.cluster_id = c.id AND n.state = 'connected') AS connected_hosts
  FROM clusters c`;

type Queryable = Pick<pg.PoolClient, 'query'>;

/** Options of openPgStore. */
export interface PgStoreOptions {
  url: string;
  log: Logger;
  /** Connections at most (default 10). */
  maxConnections?: number;
  /** Limit for opening one connection (default 5 s). */
  connectTimeoutMs?: number;
}

/**
 * Connects, checks the server answers, and migrates the schema under an
 * advisory lock. DATABASE_UNAVAILABLE (with where, never the password) when
 * it cannot.
 */
export async function openPgStore(o: PgStoreOptions): Promise<PgStore> {
  const where = describeDatabase(o.url);
  const pool = new pg.Pool({
    connectionString: o.url,
    max: o.maxConnections ?? 10,
    connectionTimeoutMillis: o.connectTimeoutMs ?? 5_000,
    idleTimeoutMillis: 30_000,
    application_name: 'quantix-vdc',
  });
  // An idle connection dropped by a restarting server is not an error of any request: the pool replaces it.
  pool.on('error', (err) =>
    o.log.warn({ code: (err as { code?: string }).code ?? null, database: where }, 'database connection lost'),
  );
  const store = new PgStore(pool, where, o.log);
  try {
    await store.migrate();
  } catch (err) {
    await pool.end().catch(() => undefined);
    if (err instanceof QuantixError) throw err;
    const code = (err as { code?: unknown }).code;
    if (code === '28P01' || code === '28000') {
      throw new QuantixError('DATABASE_UNAVAILABLE', {
        message: `The database ${where} refused the credentials.`,
        hint: 'Check the user and password: in the URL, in PGUSER/PGPASSWORD, or in the password file (PGPASSFILE, ~/.pgpass).',
      });
    }
    if (code === '3D000') {
      throw new QuantixError('DATABASE_UNAVAILABLE', {
        message: `The database ${where} does not exist.`,
        hint: 'Create it (createdb) and start again.',
      });
    }
    if (isUnavailable(err)) {
      throw new QuantixError('DATABASE_UNAVAILABLE', {
        message: `Cannot reach the database ${where}${typeof code === 'string' ? ` (${code})` : ''}.`,
        hint: 'Check that PostgreSQL runs and accepts connections from this machine, and that --database names the right host and port.',
      });
    }
    throw err;
  }
  return store;
}

/** Store over a node-postgres pool. */
export class PgStore implements Store {
  readonly backend = 'postgresql' as const;
  private readonly pool: pg.Pool;
  private readonly where: string;
  private readonly log: Logger;

  constructor(pool: pg.Pool, where: string, log: Logger) {
    this.pool = pool;
    this.where = where;
    this.log = log;
  }

  /** Where the store is, without credentials. */
  get description(): string {
    return this.where;
  }

  private async q<R extends pg.QueryResultRow>(sql: string, params: unknown[] = []): Promise<pg.QueryResult<R>> {
    try {
      return await this.pool.query<R>(sql, params);
    } catch (err) {
      if (isUnavailable(err)) throw unavailable(this.where, err);
      throw err;
    }
  }

  /**
   * Runs fn on one connection of its own. A connection that failed (or whose `fail` was called) is dropped
   * instead of going back to the pool; losing the database is DATABASE_UNAVAILABLE.
   */
  private async withClient<T>(fn: (c: pg.PoolClient, fail: (err: unknown) => void) => Promise<T>): Promise<T> {
    let client: pg.PoolClient;
    try {
      client = await this.pool.connect();
    } catch (err) {
      throw isUnavailable(err) ? unavailable(this.where, err) : err;
    }
    let broken: unknown = null;
    const fail = (err: unknown) => {
      broken = err;
    };
    client.on('error', fail);
    try {
      return await fn(client, fail);
    } catch (err) {
      if (isUnavailable(err)) {
        broken = err;
        throw unavailable(this.where, err);
      }
      throw err;
    } finally {
      client.off('error', fail);
      client.release(broken ? (broken as Error) : undefined);
    }
  }

  /** Runs fn in one transaction on one connection. */
  private async tx<T>(fn: (c: Queryable) => Promise<T>): Promise<T> {
    return this.withClient(async (client) => {
      await client.query('BEGIN');
      try {
        const out = await fn(client);
        await client.query('COMMIT');
        return out;
      } catch (err) {
        if (!isUnavailable(err)) await client.query('ROLLBACK').catch(() => undefined);
        throw err;
      }
    });
  }

  /** Holds a session-level advisory lock on one connection while fn runs. */
  private async locked<T>(key: number, fn: () => Promise<T>): Promise<T> {
    return this.withClient(async (client, fail) => {
      await client.query('SELECT pg_advisory_lock($1)', [key]);
      try {
        return await fn();
      } finally {
        // A connection whose unlock failed is dropped: closing it releases the lock.
        await client.query('SELECT pg_advisory_unlock($1)', [key]).catch(fail);
      }
    });
  }

  /** Brings the schema to this build's version; refuses a newer one. */
  async migrate(upTo = PG_SCHEMA_VERSION): Promise<number> {
    return this.locked(MIGRATION_LOCK, async () => {
      await this.pool.query('CREATE TABLE IF NOT EXISTS schema_version (version INTEGER NOT NULL)');
      const r = await this.pool.query<{ version: number }>('SELECT version FROM schema_version');
      const current = r.rows[0]?.version ?? 0;
      if (current > PG_SCHEMA_VERSION) {
        throw new QuantixError('INTERNAL', {
          message: `The database ${this.where} has schema version ${current}, newer than this quantix-vdc understands (${PG_SCHEMA_VERSION}).`,
          hint: 'Run the quantix-vdc version that wrote it on every replica, or restore a backup.',
        });
      }
      for (let v = current; v < upTo; v++) {
        await this.tx(async (c) => {
          await c.query(PG_MIGRATIONS[v]!);
          await c.query('DELETE FROM schema_version');
          await c.query('INSERT INTO schema_version (version) VALUES ($1)', [v + 1]);
        });
        this.log.info({ database: this.where, version: v + 1 }, 'database schema migrated');
      }
      return Math.max(current, upTo);
    });
  }

  /** Runs fn while no other replica is in its own startup section (identity and certificates created once). */
  async withStartupLock<T>(fn: () => Promise<T>): Promise<T> {
    return this.locked(STARTUP_LOCK, fn);
  }

  // ---------------------------------------------------------------------------
  // Shared identity and discovery sessions

  async certificate(name: string): Promise<StoredCertificate | null> {
    const r = await this.q<{ name: string; cert_pem: string; key_sealed: string }>(
      'SELECT name, cert_pem, key_sealed FROM certificates WHERE name = $1',
      [name],
    );
    const row = r.rows[0];
    return row ? { name: row.name, certPem: row.cert_pem, keySealed: row.key_sealed } : null;
  }

  /** Stores a certificate unless one of that name exists; returns the one stored. */
  async saveCertificate(c: StoredCertificate, at: string): Promise<StoredCertificate> {
    await this.q(
      'INSERT INTO certificates (name, cert_pem, key_sealed, created_at) VALUES ($1, $2, $3, $4) ON CONFLICT (name) DO NOTHING',
      [c.name, c.certPem, c.keySealed, at],
    );
    return (await this.certificate(c.name))!;
  }

  /** Stores a discovery session for ttlMs of database time, keeping at most `max` (the oldest go); returns its expiry. */
  async putDiscovery(d: StoredDiscovery, ttlMs: number, max: number): Promise<number> {
    return this.tx(async (c) => {
      await c.query('DELETE FROM discovery_sessions WHERE expires_at <= now()');
      await c.query(
        'DELETE FROM discovery_sessions WHERE id IN (SELECT id FROM discovery_sessions ORDER BY expires_at DESC OFFSET $1)',
        [max - 1],
      );
      const r = await c.query<{ expires_at: Date }>(
        `INSERT INTO discovery_sessions (id, expires_at, host_id, hostname, address, port, fingerprint, clock_offset_ms, inventory_json, key_sealed)
         VALUES ($1, now() + $2::float8 * interval '1 millisecond', $3, $4, $5, $6, $7, $8, $9, $10) RETURNING expires_at`,
        [
          d.id,
          ttlMs,
          d.hostId,
          d.hostname,
          d.address,
          d.port,
          d.fingerprint,
          d.clockOffsetMs,
          JSON.stringify(d.inventory),
          d.keySealed,
        ],
      );
      return r.rows[0]!.expires_at.getTime();
    });
  }

  /** A live discovery session with its expiry, or null. */
  async getDiscovery(id: string): Promise<(StoredDiscovery & { expiresAtMs: number }) | null> {
    const r = await this.q<{
      id: string;
      expires_at: Date;
      host_id: string;
      hostname: string;
      address: string;
      port: number;
      fingerprint: string;
      clock_offset_ms: number;
      inventory_json: string;
      key_sealed: string;
    }>('SELECT * FROM discovery_sessions WHERE id = $1 AND expires_at > now()', [id]);
    const row = r.rows[0];
    if (!row) return null;
    return {
      id: row.id,
      expiresAtMs: row.expires_at.getTime(),
      hostId: row.host_id,
      hostname: row.hostname,
      address: row.address,
      port: row.port,
      fingerprint: row.fingerprint,
      clockOffsetMs: row.clock_offset_ms,
      inventory: JSON.parse(row.inventory_json) as Inventory,
      keySealed: row.key_sealed,
    };
  }

  async deleteDiscovery(id: string): Promise<void> {
    await this.q('DELETE FROM discovery_sessions WHERE id = $1', [id]);
  }

  async countDiscoveries(): Promise<number> {
    return (await this.q<{ n: number }>('SELECT COUNT(*)::int AS n FROM discovery_sessions WHERE expires_at > now()'))
      .rows[0]!.n;
  }

  // ---------------------------------------------------------------------------
  // Store

  async identity(): Promise<VdcIdentity | null> {
    const r = await this.q<{ key: string; value: string }>(
      `SELECT key, value FROM meta WHERE key IN ('vdc.id', 'vdc.name', 'vdc.createdAt')`,
    );
    const m = new Map(r.rows.map((x) => [x.key, x.value]));
    const id = m.get('vdc.id');
    const name = m.get('vdc.name');
    const createdAt = m.get('vdc.createdAt');
    return id && name && createdAt ? { id, name, createdAt } : null;
  }

  async saveIdentity(identity: VdcIdentity): Promise<VdcIdentity> {
    return this.tx(async (c) => {
      await c.query(
        `INSERT INTO meta (key, value) VALUES ('vdc.id', $1), ('vdc.createdAt', $2) ON CONFLICT (key) DO NOTHING`,
        [identity.id, identity.createdAt],
      );
      await c.query(
        `INSERT INTO meta (key, value) VALUES ('vdc.name', $1) ON CONFLICT (key) DO UPDATE SET value = excluded.value`,
        [identity.name],
      );
      const r = await c.query<{ key: string; value: string }>(
        `SELECT key, value FROM meta WHERE key IN ('vdc.id', 'vdc.createdAt')`,
      );
      const m = new Map(r.rows.map((x) => [x.key, x.value]));
      return { id: m.get('vdc.id')!, name: identity.name, createdAt: m.get('vdc.createdAt')! };
    });
  }

  async listClusters(): Promise<ClusterWithCounts[]> {
    return (await this.q<ClusterRow>(`${CLUSTER_SELECT} ORDER BY lower(c.name) COLLATE "C"`)).rows.map(toCluster);
  }

  async findCluster(idOrName: string): Promise<ClusterWithCounts | null> {
    const r = await this.q<ClusterRow>(
      `${CLUSTER_SELECT} WHERE c.id = $1 OR lower(c.name) = lower($1) ORDER BY (c.id = $1) DESC LIMIT 1`,
      [idOrName],
    );
    return r.rows[0] ? toCluster(r.rows[0]) : null;
  }

  async createCluster(cluster: ClusterRecord): Promise<ClusterWithCounts> {
    try {
      await this.q('INSERT INTO clusters (id, name, description, created_at) VALUES ($1, $2, $3, $4)', [
        cluster.id,
        cluster.name,
        cluster.description,
        cluster.createdAt,
      ]);
    } catch (err) {
      if (isConstraint(err, 'UNIQUE'))
        throw new QuantixError('CLUSTER_EXISTS', { message: `A cluster named "${cluster.name}" already exists.` });
      throw err;
    }
    return toCluster((await this.q<ClusterRow>(`${CLUSTER_SELECT} WHERE c.id = $1`, [cluster.id])).rows[0]!);
  }

  async deleteCluster(id: string): Promise<ClusterWithCounts> {
    return this.tx(async (c) => {
      const row = (await c.query<ClusterRow>(`${CLUSTER_SELECT} WHERE c.id = $1 FOR UPDATE`, [id])).rows[0];
      if (!row) throw new QuantixError('CLUSTER_NOT_FOUND');
      const hosts = (await c.query<{ n: number }>('SELECT COUNT(*)::int AS n FROM nodes WHERE cluster_id = $1', [id]))
        .rows[0]!.n;
      if (hosts > 0) {
        throw clusterNotEmpty(row.name, hosts);
      }
      try {
        await c.query('DELETE FROM clusters WHERE id = $1', [id]);
      } catch (err) {
        // A host inserted by another replica since the count.
        if (isConstraint(err, 'FOREIGNKEY'))
          throw new QuantixError('CLUSTER_NOT_EMPTY', { message: `Cluster "${row.name}" has a host being added.` });
        throw err;
      }
      return toCluster(row);
    });
  }

  async renameCluster(id: string, name: string): Promise<ClusterWithCounts> {
    try {
      const r = await this.q('UPDATE clusters SET name = $2 WHERE id = $1', [id, name]);
      if ((r.rowCount ?? 0) === 0) throw new QuantixError('CLUSTER_NOT_FOUND');
    } catch (err) {
      if (isConstraint(err, 'UNIQUE'))
        throw new QuantixError('CLUSTER_EXISTS', { message: `A cluster named "${name}" already exists.` });
      throw err;
    }
    return toCluster((await this.q<ClusterRow>(`${CLUSTER_SELECT} WHERE c.id = $1`, [id])).rows[0]!);
  }

  async setMaintenance(id: string, since: string | null): Promise<NodeRecord | null> {
    await this.q(
      'UPDATE nodes SET maintenance_since = CASE WHEN $2::text IS NULL THEN NULL ELSE COALESCE(maintenance_since, $2) END WHERE id = $1',
      [id, since],
    );
    const row = (await this.q<NodeRow>(`SELECT ${NODE_COLUMNS} ${NODE_FROM} WHERE n.id = $1`, [id])).rows[0];
    return row ? toNode(row) : null;
  }

  async moveNode(id: string, clusterId: string): Promise<NodeRecord> {
    try {
      const r = await this.q('UPDATE nodes SET cluster_id = $2 WHERE id = $1', [id, clusterId]);
      if ((r.rowCount ?? 0) === 0) throw new QuantixError('HOST_NOT_FOUND');
    } catch (err) {
      if (isConstraint(err, 'FOREIGNKEY')) throw new QuantixError('CLUSTER_NOT_FOUND');
      throw err;
    }
    return toNode((await this.q<NodeRow>(`SELECT ${NODE_COLUMNS} ${NODE_FROM} WHERE n.id = $1`, [id])).rows[0]!);
  }

  async listNodes(filter: { clusterId?: string; states?: readonly NodeState[] } = {}): Promise<NodeRecord[]> {
    const r = filter.clusterId
      ? await this.q<NodeRow>(`SELECT ${NODE_COLUMNS} ${NODE_FROM} WHERE n.cluster_id = $1 ${NODE_ORDER}`, [
          filter.clusterId,
        ])
      : await this.q<NodeRow>(`SELECT ${NODE_COLUMNS} ${NODE_FROM} ${NODE_ORDER}`);
    const nodes = r.rows.map(toNode);
    return filter.states ? nodes.filter((n) => filter.states!.includes(n.state)) : nodes;
  }

  async counts(): Promise<{ clusters: number; nodes: Record<NodeState, number> }> {
    const nodes: Record<NodeState, number> = { pending: 0, connected: 0, disconnected: 0, left: 0 };
    const r = await this.q<{ state: NodeState; n: number }>(
      'SELECT state, COUNT(*)::int AS n FROM nodes GROUP BY state',
    );
    for (const x of r.rows) nodes[x.state] = x.n;
    const clusters = (await this.q<{ n: number }>('SELECT COUNT(*)::int AS n FROM clusters')).rows[0]!.n;
    return { clusters, nodes };
  }

  async getNode(id: string): Promise<NodeRecordWithInventory | null> {
    const row = (
      await this.q<NodeRow>(
        `SELECT ${NODE_COLUMNS}, n.inventory_json, n.inventory_at, n.inventory_changes_json, n.inventory_changed_at ${NODE_FROM} WHERE n.id = $1`,
        [id],
      )
    ).rows[0];
    if (!row) return null;
    return {
      ...toNode(row),
      inventory: inventoryOf(row.inventory_json),
      inventoryAt: row.inventory_at ?? null,
      inventoryChange: inventoryChangeOf(row),
    };
  }

  async findNodeByHostId(hostId: string): Promise<NodeRecord | null> {
    const row = (await this.q<NodeRow>(`SELECT ${NODE_COLUMNS} ${NODE_FROM} WHERE n.host_id = $1`, [hostId])).rows[0];
    return row ? toNode(row) : null;
  }

  async insertPendingNode(node: NewNode, holder?: LeaseHolder): Promise<NodeRecord> {
    return this.tx(async (c) => {
      const existing = (
        await c.query<NodeRow>(`SELECT ${NODE_COLUMNS} ${NODE_FROM} WHERE n.host_id = $1 FOR UPDATE OF n`, [
          node.hostId,
        ])
      ).rows[0];
      if (existing && existing.state !== 'left') {
        throw alreadyRegistered(toNode(existing), 'register');
      }
      // A host that left on its own may come back: its old row gives way to the new registration.
      await c.query(`DELETE FROM nodes WHERE host_id = $1 AND state = 'left'`, [node.hostId]);
      try {
        await c.query(
          `INSERT INTO nodes (id, host_id, hostname, address, port, cluster_id, certificate_fingerprint, state, state_since,
             registered_at, capacity_json, inventory_json, inventory_at, lease_owner, lease_until)
           VALUES ($1, $2, $3, $4, $5, $6, $7, 'pending', $8, $8, $9, $10, $8, $11, CASE WHEN $11::text IS NULL THEN NULL ELSE now() + $12::float8 * interval '1 millisecond' END)`,
          [
            node.id,
            node.hostId,
            node.hostname,
            node.address,
            node.port,
            node.clusterId,
            node.certificateFingerprint,
            node.at,
            JSON.stringify(node.capacity),
            JSON.stringify(node.inventory),
            holder?.replicaId ?? null,
            holder?.leaseMs ?? 0,
          ],
        );
      } catch (err) {
        if (isConstraint(err, 'FOREIGNKEY')) throw new QuantixError('CLUSTER_NOT_FOUND', { phase: 'register' });
        // Another replica wrote this host between our check and our insert.
        if (isConstraint(err, 'UNIQUE')) {
          throw new QuantixError('HOST_ALREADY_REGISTERED', {
            message: 'The host is being registered by another vDC replica at this moment.',
            phase: 'register',
          });
        }
        throw err;
      }
      return toNode(
        (await c.query<NodeRow>(`SELECT ${NODE_COLUMNS} ${NODE_FROM} WHERE n.id = $1`, [node.id])).rows[0]!,
      );
    });
  }

  async completeNode(id: string, at: string, hostname: string): Promise<NodeRecord | null> {
    await this.q(
      `UPDATE nodes SET state = 'connected', state_since = $2, last_seen_at = $2, registered_at = $2, hostname = $3 WHERE id = $1 AND state = 'pending'`,
      [id, at, hostname],
    );
    const row = (await this.q<NodeRow>(`SELECT ${NODE_COLUMNS} ${NODE_FROM} WHERE n.id = $1`, [id])).rows[0];
    return row ? toNode(row) : null;
  }

  async recordHealth(
    observations: readonly HealthObservation[],
    replicaId?: string,
    trends?: TrendBatch,
  ): Promise<void> {
    if (observations.length === 0 && !trends?.samples.length) return;
    const owner = replicaId ?? null;
    const connected = observations.filter(
      (o): o is Extract<HealthObservation, { state: 'connected' }> => o.state === 'connected',
    );
    const other = observations.filter(
      (o): o is Extract<HealthObservation, { state: 'disconnected' | 'left' }> => o.state !== 'connected',
    );
    await this.tx(async (c) => {
      if (trends?.samples.length) await writeTrends(c, trends, owner);
      // One statement per kind for the whole batch: a thousand hosts cost two round trips.
      if (connected.length > 0) {
        await c.query(
          `UPDATE nodes n SET
             state_since = CASE WHEN n.state = 'connected' THEN n.state_since ELSE o.at END,
             state = 'connected', last_seen_at = o.at, usage_json = o.usage, hostname = o.hostname
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[]) AS o(id, at, usage, hostname)
           WHERE n.id = o.id AND n.state IN ('connected', 'disconnected') AND ($5::text IS NULL OR n.lease_owner = $5)`,
          [
            connected.map((o) => o.nodeId),
            connected.map((o) => o.at),
            connected.map((o) => JSON.stringify(o.usage)),
            connected.map((o) => o.hostname),
            owner,
          ],
        );
      }
      if (other.length > 0) {
        await c.query(
          `UPDATE nodes n SET
             state_since = CASE WHEN n.state = o.state THEN n.state_since ELSE o.at END,
             state = o.state, last_error_code = o.code, last_error_message = o.message, last_error_at = o.at
           FROM unnest($1::text[], $2::text[], $3::text[], $4::text[], $5::text[]) AS o(id, at, state, code, message)
           WHERE n.id = o.id AND n.state IN ('connected', 'disconnected') AND ($6::text IS NULL OR n.lease_owner = $6)`,
          [
            other.map((o) => o.nodeId),
            other.map((o) => o.at),
            other.map((o) => o.state),
            other.map((o) => o.error.code),
            other.map((o) => o.error.message),
            owner,
          ],
        );
      }
    });
  }

  async trend(of: { nodeId: string } | { clusterId: string }, fromBucket: number): Promise<TrendRow[]> {
    const r =
      'nodeId' in of
        ? await this.q<TrendDbRow>(
            `SELECT bucket, cpu_percent, memory_used, memory_total, 1 AS hosts FROM node_trends
             WHERE node_id = $1 AND bucket >= $2 ORDER BY bucket`,
            [of.nodeId, fromBucket],
          )
        : await this.q<TrendDbRow>(
            `SELECT ${TREND_CLUSTER_COLUMNS} FROM node_trends t JOIN nodes n ON n.id = t.node_id
             WHERE n.cluster_id = $1 AND t.bucket >= $2 GROUP BY t.bucket ORDER BY t.bucket`,
            [of.clusterId, fromBucket],
          );
    return r.rows.map(toTrendRow);
  }

  async recordNodeError(id: string, error: NodeError): Promise<void> {
    await this.q('UPDATE nodes SET last_error_code = $2, last_error_message = $3, last_error_at = $4 WHERE id = $1', [
      id,
      error.code,
      error.message,
      error.at,
    ]);
  }

  async saveInventory(
    id: string,
    inventory: Inventory,
    capacity: NodeCapacity,
    at: string,
    changes: readonly string[] = [],
  ): Promise<void> {
    // An empty change list keeps the last change that was found.
    await this.q(
      `UPDATE nodes SET inventory_json = $2, inventory_at = $3, capacity_json = $4,
         inventory_changes_json = COALESCE($5, inventory_changes_json),
         inventory_changed_at = CASE WHEN $5::text IS NULL THEN inventory_changed_at ELSE $3 END
       WHERE id = $1`,
      [id, JSON.stringify(inventory), at, JSON.stringify(capacity), changes.length ? JSON.stringify(changes) : null],
    );
  }

  async staleInventories(before: string, limit: number, replicaId?: string): Promise<NodeRecord[]> {
    const lease = replicaId === undefined ? '' : 'AND n.lease_owner = $3 AND n.lease_until > now()';
    return (
      await this.q<NodeRow>(
        `SELECT ${NODE_COLUMNS} ${NODE_FROM}
         WHERE n.state = 'connected' AND (n.inventory_at IS NULL OR n.inventory_at < $1) ${lease}
         ORDER BY n.inventory_at NULLS FIRST, n.id LIMIT $2`,
        replicaId === undefined ? [before, limit] : [before, limit, replicaId],
      )
    ).rows.map(toNode);
  }

  async deleteNode(id: string): Promise<boolean> {
    return ((await this.q('DELETE FROM nodes WHERE id = $1', [id])).rowCount ?? 0) > 0;
  }

  async appendAudit(e: AuditInput): Promise<number> {
    const r = await this.q<{ id: string }>(
      `INSERT INTO audit (at, action, outcome, source, actor, address, host_id, node_id, cluster_id, code, detail)
       VALUES ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11) RETURNING id`,
      [
        e.at,
        e.action,
        e.outcome,
        e.source,
        e.actor ?? null,
        e.address ?? null,
        e.hostId ?? null,
        e.nodeId ?? null,
        e.clusterId ?? null,
        e.code ?? null,
        e.detail ?? null,
      ],
    );
    return Number(r.rows[0]!.id);
  }

  async listAudit(q: AuditFilter): Promise<AuditEvent[]> {
    const { sql, params } = auditSelect(q, (n) => `$${n}`);
    return (await this.q<AuditRow>(sql, params)).rows.map(toAudit);
  }

  async createApiToken(t: ApiTokenRecord): Promise<ApiTokenRecord> {
    try {
      await this.q(
        `INSERT INTO api_tokens (id, name, public_id, role, token_hash, created_at, last_used_at, revoked_at) VALUES ($1, $2, $3, $4, $5, $6, $7, $8)`,
        [t.id, t.name, t.publicId, t.role, t.tokenHash, t.createdAt, t.lastUsedAt, t.revokedAt],
      );
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
    return (
      await this.q<TokenRow>('SELECT * FROM api_tokens ORDER BY created_at COLLATE "C", name COLLATE "C"')
    ).rows.map(toToken);
  }

  async findActiveApiToken(tokenHash: string): Promise<ApiTokenRecord | null> {
    const row = (
      await this.q<TokenRow>('SELECT * FROM api_tokens WHERE token_hash = $1 AND revoked_at IS NULL', [tokenHash])
    ).rows[0];
    return row ? toToken(row) : null;
  }

  async touchApiToken(id: string, at: string): Promise<void> {
    await this.q('UPDATE api_tokens SET last_used_at = $2 WHERE id = $1', [id, at]);
  }

  async revokeApiToken(idOrName: string, at: string): Promise<ApiTokenRecord> {
    return this.tx(async (c) => {
      const row =
        (await c.query<TokenRow>('SELECT * FROM api_tokens WHERE id = $1 FOR UPDATE', [idOrName])).rows[0] ??
        (
          await c.query<TokenRow>('SELECT * FROM api_tokens WHERE name = $1 AND revoked_at IS NULL FOR UPDATE', [
            idOrName,
          ])
        ).rows[0];
      if (!row)
        throw new QuantixError('API_TOKEN_NOT_FOUND', {
          message: `No API token with id or name "${idOrName.slice(0, 63)}".`,
        });
      await c.query('UPDATE api_tokens SET revoked_at = $2 WHERE id = $1 AND revoked_at IS NULL', [row.id, at]);
      return toToken((await c.query<TokenRow>('SELECT * FROM api_tokens WHERE id = $1', [row.id])).rows[0]!);
    });
  }

  // ---------------------------------------------------------------------------
  // Replicas and poll leases

  async heartbeat(replica: ReplicaInfo, leaseMs: number): Promise<void> {
    await this.tx(async (c) => {
      await c.query(
        `INSERT INTO replicas (id, name, url, started_at, seen_at) VALUES ($1, $2, $3, $4, now())
         ON CONFLICT (id) DO UPDATE SET seen_at = now(), url = excluded.url`,
        [replica.id, replica.name, replica.url, replica.startedAt],
      );
      await c.query(
        `UPDATE nodes SET lease_until = now() + $2::float8 * interval '1 millisecond' WHERE lease_owner = $1`,
        [replica.id, leaseMs],
      );
      await c.query(`DELETE FROM replicas WHERE seen_at < now() - interval '1 hour'`);
    });
  }

  async replicas(leaseMs: number): Promise<ReplicaRecord[]> {
    const r = await this.q<{
      id: string;
      name: string;
      url: string;
      started_at: string;
      seen_at: Date;
      alive: boolean;
      hosts: number;
    }>(
      `SELECT r.id, r.name, r.url, r.started_at, r.seen_at, r.seen_at > now() - $1::float8 * interval '1 millisecond' AS alive,
         (SELECT COUNT(*)::int FROM nodes n WHERE n.lease_owner = r.id AND n.lease_until > now()) AS hosts
       FROM replicas r WHERE r.seen_at > now() - interval '1 hour' ORDER BY r.started_at COLLATE "C", r.id COLLATE "C"`,
      [leaseMs],
    );
    return r.rows.map((x) => ({
      id: x.id,
      name: x.name,
      url: x.url,
      startedAt: x.started_at,
      lastSeenAt: x.seen_at.toISOString(),
      alive: x.alive,
      hosts: x.hosts,
    }));
  }

  async leaveReplica(id: string): Promise<void> {
    await this.tx(async (c) => {
      await c.query('UPDATE nodes SET lease_owner = NULL, lease_until = NULL WHERE lease_owner = $1', [id]);
      await c.query('DELETE FROM replicas WHERE id = $1', [id]);
    });
  }

  async claimHosts(replicaId: string, leaseMs: number): Promise<NodeRecord[]> {
    return this.tx(async (c) => {
      await claimLeases(c, replicaId, leaseMs);
      return (
        await c.query<NodeRow>(
          `SELECT ${NODE_COLUMNS} ${NODE_FROM} WHERE n.lease_owner = $1 AND n.state IN ${POLLED_STATES} ${NODE_ORDER}`,
          [replicaId],
        )
      ).rows.map(toNode);
    });
  }

  async takeOverHosts(replicaId: string, leaseMs: number, known: ReadonlySet<string>): Promise<LeaseClaim> {
    return this.tx(async (c) => {
      await claimLeases(c, replicaId, leaseMs);
      const held = (
        await c.query<{ id: string }>(`SELECT id FROM nodes WHERE lease_owner = $1 AND state IN ${POLLED_STATES}`, [
          replicaId,
        ])
      ).rows.map((r) => r.id);
      const fresh = held.filter((id) => !known.has(id));
      const taken =
        fresh.length === 0
          ? []
          : (
              await c.query<NodeRow>(`SELECT ${NODE_COLUMNS} ${NODE_FROM} WHERE n.id = ANY($1::text[]) ${NODE_ORDER}`, [
                fresh,
              ])
            ).rows.map(toNode);
      const next = (
        await c.query<{ ms: number | null }>(
          `SELECT (EXTRACT(EPOCH FROM MIN(lease_until) - now()) * 1000)::float8 AS ms FROM nodes
           WHERE lease_owner <> $1 AND lease_until > now() AND state IN ${POLLED_STATES}`,
          [replicaId],
        )
      ).rows[0]?.ms;
      return { held, taken, nextExpiryMs: next ?? null };
    });
  }

  async close(): Promise<void> {
    await this.pool.end().catch(() => undefined);
  }
}

/**
 * Renews this replica's leases, takes up to its fair share of free or expired ones (`FOR UPDATE SKIP LOCKED`:
 * replicas claiming at the same moment never wait on each other) and gives back its excess over that share.
 */
/**
 * Writes a round's trend samples (hosts that still exist and whose lease `owner` holds) and prunes each written
 * host's rows outside its window: two statements for the whole batch.
 */
async function writeTrends(c: Queryable, trends: TrendBatch, owner: string | null): Promise<void> {
  const s = latestSamples(trends.samples);
  await c.query(
    `INSERT INTO node_trends (node_id, bucket, cpu_percent, cpus, memory_used, memory_total, polls)
     SELECT o.id, o.bucket, o.cpu, o.cpus, o.mu, o.mt, o.polls
     FROM unnest($1::text[], $2::bigint[], $3::float8[], $4::int[], $5::bigint[], $6::bigint[], $7::int[])
       AS o(id, bucket, cpu, cpus, mu, mt, polls)
     JOIN nodes n ON n.id = o.id
     WHERE ($8::text IS NULL OR n.lease_owner = $8)
     ON CONFLICT (node_id, bucket) DO UPDATE SET cpu_percent = excluded.cpu_percent, cpus = excluded.cpus,
       memory_used = excluded.memory_used, memory_total = excluded.memory_total, polls = excluded.polls`,
    [
      s.map((t) => t.nodeId),
      s.map((t) => t.bucket),
      s.map((t) => t.cpuPercent),
      s.map((t) => t.cpus),
      s.map((t) => t.memoryUsedBytes),
      s.map((t) => t.memoryTotalBytes),
      s.map((t) => t.polls),
      owner,
    ],
  );
  await c.query(
    `DELETE FROM node_trends t USING unnest($1::text[], $2::bigint[]) AS o(id, bucket)
     WHERE t.node_id = o.id AND (t.bucket <= o.bucket - $3 OR t.bucket > o.bucket)`,
    [s.map((t) => t.nodeId), s.map((t) => t.bucket), trends.points],
  );
}

async function claimLeases(c: Queryable, replicaId: string, leaseMs: number): Promise<void> {
  const alive = (
    await c.query<{ n: number }>(
      `SELECT COUNT(*)::int AS n FROM replicas WHERE seen_at > now() - $1::float8 * interval '1 millisecond' OR id = $2`,
      [leaseMs, replicaId],
    )
  ).rows[0]!.n;
  const total = (await c.query<{ n: number }>(`SELECT COUNT(*)::int AS n FROM nodes WHERE state IN ${POLLED_STATES}`))
    .rows[0]!.n;
  const share = Math.ceil(total / Math.max(1, alive));
  const own = (
    await c.query<{ id: string; state: NodeState }>(
      `UPDATE nodes SET lease_until = now() + $2::float8 * interval '1 millisecond' WHERE lease_owner = $1 AND state IN ${POLLED_STATES} RETURNING id, state`,
      [replicaId, leaseMs],
    )
  ).rows;
  if (own.length > share) {
    // Give the excess back for the others to take (never a pending row: it may be a registration under way here).
    const give = own
      .filter((n) => n.state !== 'pending')
      .map((n) => n.id)
      .sort()
      .slice(0, own.length - share);
    if (give.length > 0)
      await c.query(
        'UPDATE nodes SET lease_owner = NULL, lease_until = NULL WHERE id = ANY($1::text[]) AND lease_owner = $2',
        [give, replicaId],
      );
  } else if (own.length < share) {
    await c.query(
      `UPDATE nodes SET lease_owner = $1, lease_until = now() + $2::float8 * interval '1 millisecond'
       WHERE id IN (SELECT id FROM nodes WHERE state IN ${POLLED_STATES} AND (lease_owner IS NULL OR lease_until < now())
                    ORDER BY id LIMIT $3 FOR UPDATE SKIP LOCKED)`,
      [replicaId, leaseMs, share - own.length],
    );
  }
}
