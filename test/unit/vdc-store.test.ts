import { afterAll, afterEach, beforeAll, beforeEach, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import type { Inventory } from '../../common/protocol/inventory.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { capacityOf } from '../../vdc-console/server/capacity.js';
import {
  migrate,
  MIGRATIONS,
  openDatabase,
  openSqliteStore,
  SCHEMA_VERSION,
} from '../../vdc-console/server/sqlite-store.js';
import type { NewNode, Store } from '../../vdc-console/server/store.js';
import { describeDatabase } from '../../vdc-console/server/pg-store.js';
import { openPgStore, PG_MIGRATIONS, PG_SCHEMA_VERSION, type PgStore } from '../../vdc-console/server/pg-store.js';
import { waitFor } from '../helpers/vdc.js';
import { createLogger } from '../../common/log/logger.js';
import { startPostgres, type TestPostgres } from '../helpers/postgres.js';
import { stopAll } from '../helpers/teardown.js';

/** The schema version just before API tokens got roles (found by content: versions are renumbered on merge). */
const ROLE_MIGRATION = MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN role'));
const PG_ROLE_MIGRATION = PG_MIGRATIONS.findIndex((m) => m.includes('ADD COLUMN role'));

function inventory(hostId: string): Inventory {
  return {
    collectedAt: '2026-01-01T00:00:00.000Z',
    system: {
      hostname: `node-${hostId}`,
      vendor: 'Dell Inc.',
      model: 'PowerEdge R750',
      serial: null,
      biosVendor: null,
      biosVersion: null,
      biosDate: null,
      os: 'Quantix-OS',
      kernel: '6.6.0',
      uptimeSeconds: 100,
      hostId,
      hostIdSource: 'smbios',
    },
    cpu: {
      model: 'Xeon',
      vendor: 'GenuineIntel',
      sockets: 2,
      cores: 64,
      threads: 128,
      mhz: 2600,
      numaNodes: 2,
      virtualization: 'vmx',
      kvmUsable: true,
    },
    memory: { totalBytes: 512 * 2 ** 30, availableBytes: 400 * 2 ** 30, swapTotalBytes: 0, swapFreeBytes: 0 },
    storage: {
      disks: [
        {
          name: 'nvme0n1',
          model: 'PM9A3',
          serial: null,
          sizeBytes: 3.84e12,
          kind: 'nvme',
          transport: 'nvme',
          removable: false,
          partitions: [],
          filesystem: null,
        },
        {
          name: 'sda',
          model: 'HDD',
          serial: null,
          sizeBytes: null,
          kind: 'hdd',
          transport: 'sata',
          removable: false,
          partitions: [],
          filesystem: null,
        },
      ],
      nfs: [],
      iscsi: [],
    },
    network: [],
    gpus: [],
    warnings: [],
  };
}

function newNode(id: string, hostId: string, clusterId: string, at = '2026-01-01T00:00:00.000Z'): NewNode {
  const inv = inventory(hostId);
  return {
    id,
    hostId,
    hostname: inv.system.hostname,
    address: '10.0.0.1',
    port: 8443,
    clusterId,
    certificateFingerprint: 'a'.repeat(64),
    inventory: inv,
    capacity: capacityOf(inv),
    at,
  };
}

function codeOf(p: Promise<unknown>): Promise<string> {
  return p.then(
    () => 'resolved',
    (err: unknown) => (err instanceof QuantixError ? err.code : String(err)),
  );
}

let dir: string;
let store: Store;
/** Opens the store under test again on the same data. */
let reopen: () => Promise<Store>;
const dbPath = () => join(dir, 'vdc.db');
const quiet = createLogger({ name: 'test', level: 'silent' });

let postgres: TestPostgres;
beforeAll(async () => {
  postgres = await startPostgres();
});
afterAll(async () => {
  await stopAll(postgres);
});

/** Opens a fresh PostgreSQL database as the store under test. */
async function openPostgresBackend(): Promise<PgStore> {
  const url = await postgres.createDatabase('store');
  const opened = await openPgStore({ url, log: quiet });
  store = opened;
  reopen = () => openPgStore({ url, log: quiet });
  return opened;
}

/** The same behaviour is required of both back ends. */
const BACKENDS: Record<string, () => Promise<void>> = {
  sqlite: async () => {
    store = openSqliteStore(dbPath());
    reopen = async () => openSqliteStore(dbPath());
  },
  postgresql: async () => {
    await openPostgresBackend();
  },
};

beforeEach(() => {
  dir = mkdtempSync(join(tmpdir(), 'qx-vdc-store-'));
});

afterEach(async () => {
  await stopAll(store);
  rmSync(dir, { recursive: true, force: true });
});

describe('SQLite settings and migrations', () => {
  beforeEach(BACKENDS.sqlite!);
  it('creates a private WAL database with foreign keys at the latest schema', () => {
    const db = openDatabase(dbPath());
    try {
      expect(db.pragma('journal_mode', { simple: true })).toBe('wal');
      expect(db.pragma('foreign_keys', { simple: true })).toBe(1);
      expect(db.pragma('busy_timeout', { simple: true })).toBe(5000);
      expect(db.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    } finally {
      db.close();
    }
    expect(statSync(dbPath()).mode & 0o777).toBe(0o600);
  });

  it('upgrades a database of schema 1 without losing its clusters, hosts or audit', async () => {
    const oldPath = join(dir, 'old.db');
    const db = openDatabase(oldPath);
    migrate(db, 1);
    expect(db.pragma('user_version', { simple: true })).toBe(1);
    db.prepare(
      `INSERT INTO clusters (id, name, description, created_at) VALUES ('c1', 'Production', '', '2025-01-01T00:00:00Z')`,
    ).run();
    db.prepare(
      `INSERT INTO audit (at, action, outcome, source) VALUES ('2025-01-01T00:00:00Z', 'cluster.create', 'ok', 'socket')`,
    ).run();
    db.close();

    const upgraded = openSqliteStore(oldPath);
    try {
      expect((await upgraded.listClusters()).map((c) => c.name)).toEqual(['Production']);
      expect((await upgraded.listAudit({ limit: 10 })).map((e) => e.action)).toEqual(['cluster.create']);
      // The table added by schema 2 works.
      await upgraded.createApiToken({
        id: 't1',
        name: 'ops',
        publicId: '0123456789ab',
        role: 'admin',
        tokenHash: 'h1',
        createdAt: 'x',
        lastUsedAt: null,
        revokedAt: null,
      });
      expect((await upgraded.listApiTokens()).map((t) => t.name)).toEqual(['ops']);
    } finally {
      await upgraded.close();
    }
    const check = new Database(oldPath);
    expect(check.pragma('user_version', { simple: true })).toBe(SCHEMA_VERSION);
    check.close();
  });

  it('upgrades API tokens of schema 2: the clear prefix is gone, the hash still finds the token, which has no public id', async () => {
    const oldPath = join(dir, 'tokens.db');
    const db = openDatabase(oldPath);
    migrate(db, 2);
    db.prepare(
      `INSERT INTO api_tokens (id, name, prefix, token_hash, created_at) VALUES ('t1', 'ops', 'qxa_SeCrEt', 'h1', 'x')`,
    ).run();
    db.close();
    const upgraded = openSqliteStore(oldPath);
    try {
      expect(await upgraded.findActiveApiToken('h1')).toMatchObject({ id: 't1', name: 'ops', publicId: null });
    } finally {
      await upgraded.close();
    }
    const columns = new Database(oldPath).prepare('PRAGMA table_info(api_tokens)').all() as Array<{ name: string }>;
    expect(columns.map((c) => c.name)).not.toContain('prefix');
  });

  it('upgrades API tokens made before roles to admin, so they keep doing what they did', async () => {
    const oldPath = join(dir, 'roles.db');
    const db = openDatabase(oldPath);
    migrate(db, ROLE_MIGRATION);
    db.prepare(
      `INSERT INTO api_tokens (id, name, public_id, token_hash, created_at) VALUES ('t1', 'ops', '0123456789ab', 'h1', 'x')`,
    ).run();
    db.close();
    const upgraded = openSqliteStore(oldPath);
    try {
      expect(await upgraded.findActiveApiToken('h1')).toMatchObject({ id: 't1', role: 'admin' });
    } finally {
      await upgraded.close();
    }
  });

  it('refuses a database written by a newer version instead of guessing', () => {
    const newer = join(dir, 'newer.db');
    const db = new Database(newer);
    db.pragma(`user_version = ${SCHEMA_VERSION + 1}`);
    db.close();
    expect(() => openSqliteStore(newer)).toThrow(/newer than this quantix-vdc understands/);
  });
});

describe('PostgreSQL migrations', () => {
  it('migrates once when replicas start together, and refuses a newer schema', async () => {
    const url = await postgres.createDatabase('migrate');
    const stores = await Promise.all([1, 2, 3].map(() => openPgStore({ url, log: quiet })));
    await Promise.all(stores.map((s) => s.close()));
    const rows = await postgres.query<{ version: number }>(
      new URL(url).pathname.slice(1),
      'SELECT version FROM schema_version',
    );
    expect(rows).toEqual([{ version: PG_SCHEMA_VERSION }]);
    await postgres.query(new URL(url).pathname.slice(1), 'UPDATE schema_version SET version = $1', [
      PG_SCHEMA_VERSION + 1,
    ]);
    await expect(openPgStore({ url, log: quiet })).rejects.toThrow(/newer than this quantix-vdc understands/);
  });

  it('upgrades API tokens made before roles to admin', async () => {
    const url = await postgres.createDatabase('roles');
    const db = new URL(url).pathname.slice(1);
    await postgres.query(db, 'CREATE TABLE schema_version (version INTEGER NOT NULL)');
    for (const m of PG_MIGRATIONS.slice(0, PG_ROLE_MIGRATION)) await postgres.query(db, m);
    await postgres.query(db, 'INSERT INTO schema_version (version) VALUES ($1)', [PG_ROLE_MIGRATION]);
    await postgres.query(
      db,
      `INSERT INTO api_tokens (id, name, public_id, token_hash, created_at) VALUES ('t1', 'ops', '0123456789ab', 'h1', 'x')`,
    );
    const upgraded = await openPgStore({ url, log: quiet });
    try {
      expect(await upgraded.findActiveApiToken('h1')).toMatchObject({ id: 't1', role: 'admin' });
      expect((await upgraded.listApiTokens()).map((t) => t.role)).toEqual(['admin']);
    } finally {
      await upgraded.close();
    }
  });

  it('says the database cannot be reached, without the password', async () => {
    const url = `postgres://quantix:sekrit-pw@127.0.0.1:1/none`;
    const err = (await openPgStore({ url, log: quiet, connectTimeoutMs: 2000 }).catch(
      (e: unknown) => e,
    )) as QuantixError;
    expect(err).toBeInstanceOf(QuantixError);
    expect(err.code).toBe('DATABASE_UNAVAILABLE');
    expect(err.message).toContain('127.0.0.1:1/none');
    expect(`${err.message} ${err.hint}`).not.toContain('sekrit');
  });
});

describe('PostgreSQL: replicas, leases and discovery sessions', () => {
  let pgs: PgStore;
  beforeEach(async () => {
    pgs = await openPostgresBackend();
    await pgs.createCluster({ id: 'c1', name: 'Production', description: '', createdAt: 't' });
    for (let i = 1; i <= 4; i++) {
      await pgs.insertPendingNode(newNode(`n${i}`, `h${i}`, 'c1'));
      await pgs.completeNode(`n${i}`, 't', `node-h${i}`);
    }
  });
  const replica = (id: string) => ({ id, name: id, url: 'https://x', startedAt: 't' });
  const ids = (nodes: { id: string }[]) => nodes.map((n) => n.id).sort();

  it('spreads the hosts over the live replicas, each host to exactly one', async () => {
    await pgs.heartbeat(replica('A'), 60_000);
    expect(ids(await pgs.claimHosts('A', 60_000))).toEqual(['n1', 'n2', 'n3', 'n4']);
    await pgs.heartbeat(replica('B'), 60_000);
    // B finds nothing free until A gives back its excess at its next claim.
    expect(await pgs.claimHosts('B', 60_000)).toEqual([]);
    const a = await pgs.claimHosts('A', 60_000);
    const b = await pgs.claimHosts('B', 60_000);
    expect(a).toHaveLength(2);
    expect(b).toHaveLength(2);
    expect([...ids(a), ...ids(b)].sort()).toEqual(['n1', 'n2', 'n3', 'n4']);
    expect((await pgs.replicas(60_000)).map((r) => [r.id, r.alive, r.hosts])).toEqual([
      ['A', true, 2],
      ['B', true, 2],
    ]);
  });

  it("gives a silent replica's hosts to the others once its leases expire, and ignores its late results", async () => {
    await pgs.heartbeat(replica('A'), 300);
    await pgs.heartbeat(replica('B'), 300);
    await pgs.claimHosts('A', 300);
    const b = await pgs.claimHosts('B', 300);
    await pgs.claimHosts('A', 300);
    // A falls silent; B keeps beating and takes every host once A's leases ran out.
    const all = await waitFor('B to hold every host', async () => {
      await pgs.heartbeat(replica('B'), 300);
      const mine = await pgs.claimHosts('B', 300);
      return mine.length === 4 ? mine : null;
    });
    expect(ids(all)).toEqual(['n1', 'n2', 'n3', 'n4']);
    const lost = ids(all).find((id) => !ids(b).includes(id))!;
    await pgs.recordHealth(
      [{ nodeId: lost, at: 't9', state: 'disconnected', error: { code: 'HOST_UNREACHABLE', message: 'late' } }],
      'A',
    );
    expect((await pgs.getNode(lost))?.state).toBe('connected');
    expect((await pgs.replicas(300)).find((r) => r.id === 'A')?.alive).toBe(false);
  });

  it('lists stale inventories only of the hosts whose lease the replica holds', async () => {
    await pgs.heartbeat(replica('A'), 60_000);
    await pgs.heartbeat(replica('B'), 60_000);
    await pgs.claimHosts('A', 60_000);
    const a = ids(await pgs.claimHosts('A', 60_000));
    const b = ids(await pgs.claimHosts('B', 60_000));
    const later = '2027-01-01T00:00:00.000Z';
    expect(ids(await pgs.staleInventories(later, 10, 'A'))).toEqual(a);
    expect(ids(await pgs.staleInventories(later, 10, 'B'))).toEqual(b);
    expect(await pgs.staleInventories(later, 10, 'C')).toEqual([]);
  });

  it('keeps a pending row with the replica registering it', async () => {
    await pgs.heartbeat(replica('A'), 60_000);
    await pgs.heartbeat(replica('B'), 60_000);
    await pgs.insertPendingNode(newNode('p1', 'hp', 'c1'), { replicaId: 'A', leaseMs: 60_000 });
    expect(ids(await pgs.claimHosts('B', 60_000))).not.toContain('p1');
    expect(ids(await pgs.claimHosts('A', 60_000))).toContain('p1');
  });

  it('registers one host once when two registrations race', async () => {
    const results = await Promise.allSettled([
      pgs.insertPendingNode(newNode('r1', 'hr', 'c1')),
      pgs.insertPendingNode(newNode('r2', 'hr', 'c1')),
    ]);
    expect(results.filter((r) => r.status === 'fulfilled')).toHaveLength(1);
    const lost = results.find((r) => r.status === 'rejected') as PromiseRejectedResult;
    expect((lost.reason as QuantixError).code).toBe('HOST_ALREADY_REGISTERED');
    expect((await pgs.listNodes()).filter((n) => n.hostId === 'hr')).toHaveLength(1);
  });

  it('keeps at most the given number of discovery sessions, and none past its expiry', async () => {
    const d = (id: string) => ({
      id,
      hostId: 'h',
      hostname: 'n',
      address: '10.0.0.1',
      port: 8443,
      fingerprint: 'f',
      clockOffsetMs: 0,
      inventory: inventory('h'),
      keySealed: 'v1.x',
    });
    for (const id of ['s1', 's2', 's3', 's4']) await pgs.putDiscovery(d(id), 60_000, 3);
    expect(await pgs.countDiscoveries()).toBe(3);
    expect(await pgs.getDiscovery('s1')).toBeNull();
    expect((await pgs.getDiscovery('s4'))?.address).toBe('10.0.0.1');
    await pgs.putDiscovery(d('short'), 1, 3);
    await waitFor('the short session to expire', async () => (await pgs.getDiscovery('short')) === null);
  });
});

describe.each(Object.keys(BACKENDS))('%s store', (backend) => {
  beforeEach(async () => {
    await BACKENDS[backend]!();
  });

  describe('identity', () => {
    it('keeps the first id and creation time; a later save only renames', async () => {
      expect(await store.identity()).toBeNull();
      await store.saveIdentity({ id: 'v1', name: 'vdc01', createdAt: '2026-01-01T00:00:00.000Z' });
      const renamed = await store.saveIdentity({
        id: 'other',
        name: 'vdc-prod',
        createdAt: '2027-01-01T00:00:00.000Z',
      });
      expect(renamed).toEqual({ id: 'v1', name: 'vdc-prod', createdAt: '2026-01-01T00:00:00.000Z' });
      expect(await store.identity()).toEqual(renamed);
    });
  });

  describe('clusters', () => {
    it('refuses a second cluster whose name differs only in case', async () => {
      await store.createCluster({ id: 'c1', name: 'Production', description: 'main', createdAt: 't' });
      expect(await codeOf(store.createCluster({ id: 'c2', name: 'production', description: '', createdAt: 't' }))).toBe(
        'CLUSTER_EXISTS',
      );
    });

    it('finds a cluster by id or by name in any case', async () => {
      await store.createCluster({ id: 'c1', name: 'Production', description: 'main', createdAt: 't' });
      expect((await store.findCluster('c1'))?.name).toBe('Production');
      expect((await store.findCluster('PRODUCTION'))?.id).toBe('c1');
      expect(await store.findCluster('nope')).toBeNull();
    });

    it('refuses to delete a cluster while it has a host, and deletes it once empty', async () => {
      await store.createCluster({ id: 'c1', name: 'Production', description: '', createdAt: 't' });
      await store.insertPendingNode(newNode('n1', 'h1', 'c1'));
      expect(await codeOf(store.deleteCluster('c1'))).toBe('CLUSTER_NOT_EMPTY');
      await store.deleteNode('n1');
      expect((await store.deleteCluster('c1')).name).toBe('Production');
      expect(await codeOf(store.deleteCluster('c1'))).toBe('CLUSTER_NOT_FOUND');
    });

    it('counts hosts and connected hosts per cluster', async () => {
      await store.createCluster({ id: 'c1', name: 'A', description: '', createdAt: 't' });
      await store.insertPendingNode(newNode('n1', 'h1', 'c1'));
      await store.insertPendingNode(newNode('n2', 'h2', 'c1'));
      await store.completeNode('n1', '2026-01-01T00:00:01.000Z', 'node-h1');
      const [c] = await store.listClusters();
      expect(c).toMatchObject({ hosts: 2, connectedHosts: 1 });
      expect(await store.counts()).toEqual({
        clusters: 1,
        nodes: { pending: 1, connected: 1, disconnected: 0, left: 0 },
      });
    });
  });

  describe('nodes', () => {
    beforeEach(async () => {
      await store.createCluster({ id: 'c1', name: 'Production', description: '', createdAt: 't' });
    });

    it('lists connected hosts with stale inventories, oldest first, and keeps the last change found', async () => {
      for (const [id, at] of [
        ['n1', '2026-01-01T00:00:00.000Z'],
        ['n2', '2026-01-03T00:00:00.000Z'],
        ['n3', '2026-01-02T00:00:00.000Z'],
      ] as const) {
        await store.insertPendingNode(newNode(id, `h${id}`, 'c1', at));
        if (id !== 'n3') await store.completeNode(id, at, `node-${id}`);
      }
      // n3 is pending: its registration settles it, not a refresh.
      const stale = await store.staleInventories('2026-01-02T12:00:00.000Z', 10);
      expect(stale.map((n) => n.id)).toEqual(['n1']);
      expect((await store.staleInventories('2026-02-01T00:00:00.000Z', 10)).map((n) => n.id)).toEqual(['n1', 'n2']);
      expect((await store.staleInventories('2026-02-01T00:00:00.000Z', 1)).map((n) => n.id)).toEqual(['n1']);

      const inv = inventory('hn1');
      inv.memory.totalBytes = 1024 * 2 ** 30;
      await store.saveInventory('n1', inv, capacityOf(inv), '2026-01-05T00:00:00.000Z', ['Memory added: 512 GiB']);
      expect(await store.getNode('n1')).toMatchObject({
        inventoryAt: '2026-01-05T00:00:00.000Z',
        inventoryChange: { at: '2026-01-05T00:00:00.000Z', changes: ['Memory added: 512 GiB'] },
        capacity: { memoryTotalBytes: 1024 * 2 ** 30 },
      });
      // A refresh that finds nothing moves the time read, not the last change.
      await store.saveInventory('n1', inv, capacityOf(inv), '2026-01-06T00:00:00.000Z', []);
      expect(await store.getNode('n1')).toMatchObject({
        inventoryAt: '2026-01-06T00:00:00.000Z',
        inventoryChange: { at: '2026-01-05T00:00:00.000Z', changes: ['Memory added: 512 GiB'] },
      });
      expect((await store.staleInventories('2026-01-05T12:00:00.000Z', 10)).map((n) => n.id)).toEqual(['n2']);
      expect((await store.getNode('n2'))?.inventoryChange).toBeNull();
    });

    it('writes a pending row with its capacity, then completes it as connected', async () => {
      const pending = await store.insertPendingNode(newNode('n1', 'h1', 'c1'));
      expect(pending.state).toBe('pending');
      expect(pending.capacity).toMatchObject({ cpuCores: 64, cpuThreads: 128, localStorageBytes: 3.84e12, gpus: 0 });
      const done = await store.completeNode('n1', '2026-01-01T00:00:05.000Z', 'node-h1');
      expect(done).toMatchObject({
        state: 'connected',
        stateSince: '2026-01-01T00:00:05.000Z',
        lastSeenAt: '2026-01-01T00:00:05.000Z',
      });
      expect((await store.getNode('n1'))?.inventory?.system.hostId).toBe('h1');
    });

    it('refuses the same host twice and names the cluster it is in', async () => {
      await store.insertPendingNode(newNode('n1', 'h1', 'c1'));
      const err = await store.insertPendingNode(newNode('n2', 'h1', 'c1')).catch((e: unknown) => e);
      expect(err).toBeInstanceOf(QuantixError);
      expect((err as QuantixError).code).toBe('HOST_ALREADY_REGISTERED');
      expect((err as QuantixError).message).toContain('Production');
    });

    it('lets a host that left come back under a new registration', async () => {
      await store.insertPendingNode(newNode('n1', 'h1', 'c1'));
      await store.completeNode('n1', 't1', 'node-h1');
      await store.recordHealth([
        { nodeId: 'n1', at: 't2', state: 'left', error: { code: 'NOT_MANAGED_BY_YOU', message: 'gone' } },
      ]);
      await store.insertPendingNode(newNode('n2', 'h1', 'c1'));
      expect(await store.getNode('n1')).toBeNull();
      expect((await store.findNodeByHostId('h1'))?.id).toBe('n2');
    });

    it('refuses a host for a cluster that does not exist', async () => {
      expect(await codeOf(store.insertPendingNode(newNode('n1', 'h1', 'missing')))).toBe('CLUSTER_NOT_FOUND');
    });

    it('moves stateSince only when the state changes, and keeps the reason for a disconnect', async () => {
      await store.insertPendingNode(newNode('n1', 'h1', 'c1'));
      await store.completeNode('n1', 't0', 'node-h1');
      const usage = {
        cpuPercent: 12,
        memoryUsedBytes: 1,
        memoryTotalBytes: 2,
        loadAverage: [0.1, 0.2, 0.3] as [number, number, number],
        uptimeSeconds: 5,
      };
      await store.recordHealth([{ nodeId: 'n1', at: 't1', state: 'connected', usage, hostname: 'node-h1' }]);
      expect(await store.getNode('n1')).toMatchObject({
        state: 'connected',
        stateSince: 't0',
        lastSeenAt: 't1',
        usage,
      });
      const down = { code: 'HOST_UNREACHABLE', message: 'connection refused' };
      await store.recordHealth([{ nodeId: 'n1', at: 't2', state: 'disconnected', error: down }]);
      await store.recordHealth([{ nodeId: 'n1', at: 't3', state: 'disconnected', error: down }]);
      expect(await store.getNode('n1')).toMatchObject({
        state: 'disconnected',
        stateSince: 't2',
        lastSeenAt: 't1',
        lastError: { code: 'HOST_UNREACHABLE', message: 'connection refused', at: 't3' },
      });
      await store.recordHealth([{ nodeId: 'n1', at: 't4', state: 'connected', usage, hostname: 'renamed' }]);
      expect(await store.getNode('n1')).toMatchObject({ state: 'connected', stateSince: 't4', hostname: 'renamed' });
    });

    it('never lets a health result complete a pending row or revive a host that left', async () => {
      await store.insertPendingNode(newNode('n1', 'h1', 'c1'));
      const usage = { cpuPercent: 1, memoryUsedBytes: 1, memoryTotalBytes: 2, loadAverage: null, uptimeSeconds: 1 };
      await store.recordHealth([{ nodeId: 'n1', at: 't1', state: 'connected', usage, hostname: 'x' }]);
      expect((await store.getNode('n1'))?.state).toBe('pending');
      await store.completeNode('n1', 't2', 'node-h1');
      await store.recordHealth([
        { nodeId: 'n1', at: 't3', state: 'left', error: { code: 'NOT_MANAGED_BY_YOU', message: 'left' } },
      ]);
      await store.recordHealth([{ nodeId: 'n1', at: 't4', state: 'connected', usage, hostname: 'x' }]);
      expect((await store.getNode('n1'))?.state).toBe('left');
    });

    it('filters by cluster and by state', async () => {
      await store.createCluster({ id: 'c2', name: 'Staging', description: '', createdAt: 't' });
      await store.insertPendingNode(newNode('n1', 'h1', 'c1'));
      await store.insertPendingNode(newNode('n2', 'h2', 'c2'));
      await store.completeNode('n2', 't', 'node-h2');
      expect((await store.listNodes({ clusterId: 'c2' })).map((n) => n.id)).toEqual(['n2']);
      expect((await store.listNodes({ states: ['pending'] })).map((n) => n.id)).toEqual(['n1']);
      expect((await store.listNodes()).map((n) => n.clusterName)).toEqual(['Production', 'Staging']);
    });
  });

  describe('audit', () => {
    it('lists newest first and pages backwards', async () => {
      for (let i = 1; i <= 5; i++)
        await store.appendAudit({ at: `t${i}`, action: `a${i}`, outcome: 'ok', source: 'socket' });
      const first = await store.listAudit({ limit: 2 });
      expect(first.map((e) => e.action)).toEqual(['a5', 'a4']);
      const next = await store.listAudit({ limit: 2, beforeId: first[1]!.id });
      expect(next.map((e) => e.action)).toEqual(['a3', 'a2']);
    });
  });

  describe('API tokens', () => {
    const token = (id: string, name: string, hash: string) => ({
      id,
      name,
      publicId: `pub-${id}`,
      role: 'admin' as const,
      tokenHash: hash,
      createdAt: 't',
      lastUsedAt: null,
      revokedAt: null,
    });

    it('finds an active token by hash, records its use, and forgets it once revoked', async () => {
      await store.createApiToken(token('t1', 'ops', 'h1'));
      expect((await store.findActiveApiToken('h1'))?.name).toBe('ops');
      await store.touchApiToken('t1', 't9');
      expect((await store.listApiTokens())[0]?.lastUsedAt).toBe('t9');
      const revoked = await store.revokeApiToken('ops', 't10');
      expect(revoked.revokedAt).toBe('t10');
      expect(await store.findActiveApiToken('h1')).toBeNull();
      // Revoking again by id keeps the first revocation time.
      expect((await store.revokeApiToken('t1', 't11')).revokedAt).toBe('t10');
    });

    it('refuses two active tokens with one name, but allows the name again after a revoke', async () => {
      await store.createApiToken(token('t1', 'ops', 'h1'));
      expect(await codeOf(store.createApiToken(token('t2', 'ops', 'h2')))).toBe('VALIDATION_ERROR');
      await store.revokeApiToken('ops', 't');
      await store.createApiToken(token('t3', 'ops', 'h3'));
      expect((await store.listApiTokens()).map((t) => [t.id, t.revokedAt !== null])).toEqual([
        ['t1', true],
        ['t3', false],
      ]);
    });

    it('answers API_TOKEN_NOT_FOUND for an unknown token', async () => {
      expect(await codeOf(store.revokeApiToken('nobody', 't'))).toBe('API_TOKEN_NOT_FOUND');
    });
  });

  describe('durability', () => {
    it('keeps everything across close and reopen', async () => {
      await store.saveIdentity({ id: 'v1', name: 'vdc01', createdAt: 't' });
      await store.createCluster({ id: 'c1', name: 'Production', description: 'd', createdAt: 't' });
      await store.insertPendingNode(newNode('n1', 'h1', 'c1'));
      await store.appendAudit({ at: 't', action: 'node.register', outcome: 'ok', source: 'socket', hostId: 'h1' });
      await store.close();
      store = await reopen();
      expect(await store.identity()).toMatchObject({ id: 'v1' });
      expect((await store.listClusters()).map((c) => c.name)).toEqual(['Production']);
      expect((await store.listNodes()).map((n) => [n.hostId, n.state])).toEqual([['h1', 'pending']]);
      expect((await store.listAudit({ limit: 5 }))[0]).toMatchObject({ action: 'node.register', hostId: 'h1' });
    });
  });
});

describe('describeDatabase', () => {
  it('writes an IPv6 database host in brackets once, and a socket directory as it is', () => {
    expect(describeDatabase('postgresql://quantix:secret@[fd00::5]:5433/vdc', {})).toBe(
      'postgresql://quantix@[fd00::5]:5433/vdc',
    );
    expect(describeDatabase('', { PGHOST: 'fd00::5', PGUSER: 'quantix' })).toBe(
      'postgresql://quantix@[fd00::5]:5432/quantix',
    );
    expect(describeDatabase('', { PGHOST: '/run/postgresql', PGUSER: 'quantix' })).toBe(
      'postgresql://quantix@/run/postgresql:5432/quantix',
    );
  });
});
