/**
 * Starting and stopping `quantix-vdc serve`: state directory (locked: one
 * process per directory), database (SQLite in the state directory, or a
 * shared PostgreSQL), identity and certificates on first start, the two
 * listeners, and the health poller (whose first round settles
 * registrations a crash left pending).
 *
 * With PostgreSQL every replica presents one shared identity: the vDC id,
 * and the client and server certificates, whose private keys are stored in
 * the database sealed with the vDC secret key (a file each replica has).
 * The first replica to start creates them, under an advisory lock.
 */
import { randomUUID } from 'node:crypto';
import { accessSync, chmodSync, constants, existsSync, mkdirSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import type { FastifyInstance } from 'fastify';
import {
  type CertificatePair,
  createSelfSignedCertificate,
  fingerprintOfPem,
  loadOrCreateCertificate,
} from '../../common/tls/certificates.js';
import type { Logger } from '../../common/log/logger.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { DISCOVERY_TTL_SECONDS } from '../../common/protocol/vdc-api.js';
import { claimSocketPath } from '../../common/fs/socket-path.js';
import { packageVersion } from '../../common/version.js';
import { buildApiServer } from './http.js';
import type { ServeConfig } from './options.js';
import { openPgStore, PgStore } from './pg-store.js';
import { HealthPoller } from './poller.js';
import { InventoryRefresher, InventoryScheduler } from './inventory-refresh.js';
import { loadSecretKey, seal, unseal } from './secret-key.js';
import { VdcService } from './service.js';
import { DatabaseSessions, type SessionStore } from './sessions.js';
import { openSqliteStore } from './sqlite-store.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { lockStateDir } from './state-lock.js';
import type { ReplicaInfo, Store, VdcIdentity } from './store.js';

/** The database file inside a state directory. */
export function databasePath(stateDir: string): string {
  return join(stateDir, 'vdc.db');
}

/**
 * Opens the store of a state directory, creating the directory (0700). A
 * directory or database this user may not open is PERMISSION_DENIED with
 * what to do, not SQLite's "unable to open database file".
 */
export function openStateStore(stateDir: string): Store {
  try {
    mkdirSync(stateDir, { recursive: true, mode: 0o700 });
    return openSqliteStore(databasePath(stateDir));
  } catch (err) {
    if (
      denied(err) ||
      (/^SQLITE_(CANTOPEN|READONLY|PERM|AUTH)/.test(String((err as { code?: unknown }).code)) && !accessible(stateDir))
    ) {
      throw new QuantixError('PERMISSION_DENIED', {
        message: `Permission denied opening the vDC's state in ${stateDir}.`,
        hint: 'Run it as the user quantix-vdc runs as (root on the appliance), e.g. with sudo.',
        cause: err,
      });
    }
    throw err;
  }
}

function denied(err: unknown): boolean {
  const code = (err as NodeJS.ErrnoException | null)?.code;
  return code === 'EACCES' || code === 'EPERM';
}

/** True when this user may read and write the state directory and its database. */
function accessible(stateDir: string): boolean {
  try {
    accessSync(stateDir, constants.R_OK | constants.W_OK | constants.X_OK);
    if (existsSync(databasePath(stateDir))) accessSync(databasePath(stateDir), constants.R_OK | constants.W_OK);
    return true;
  } catch {
    return false;
  }
}

/** Why the HTTPS address cannot be used, as a coded error. */
function listenError(err: unknown, listen: { host: string; port: number }): QuantixError {
  const code = (err as NodeJS.ErrnoException).code;
  const why =
    code === 'EADDRINUSE'
      ? 'the address is in use'
      : code === 'EACCES'
        ? 'permission denied'
        : code === 'EADDRNOTAVAIL'
          ? 'no such local address'
          : code === 'ENOTFOUND' || code === 'EAI_AGAIN'
            ? 'no such host name'
            : (err as Error).message;
  return new QuantixError('LISTEN_FAILED', {
    message: `Cannot listen on ${formatHostPort(listen.host, listen.port)}: ${why}.`,
    hint: 'Choose another --listen address or port, or stop what holds it.',
    cause: err,
  });
}

/** Binds the HTTPS address once and lets it go, so a wrong one fails before anything is created. */
async function checkListen(listen: { host: string; port: number }): Promise<void> {
  await new Promise<void>((resolve, reject) => {
    const probe = net.createServer();
    probe.once('error', (err) => reject(listenError(err, listen)));
    probe.listen({ host: listen.host, port: listen.port, exclusive: true }, () => probe.close(() => resolve()));
  });
}

/** Opens the store a command names: PostgreSQL with a database URL, else the state directory's SQLite file. */
export async function openStore(stateDir: string, database: string | null, log: Logger): Promise<Store> {
  if (database) return openPgStore({ url: database, log });
  return openStateStore(stateDir);
}

/** The identity's name when none is configured: the machine's host name, made safe. */
function defaultName(): string {
  return (
    os
      .hostname()
      .replace(/[^A-Za-z0-9._-]/g, '-')
      .slice(0, 63) || 'vdc'
  );
}

/** The identity of a single vDC: its id in SQLite, its certificates in the state directory. */
async function localIdentity(
  store: Store,
  config: ServeConfig,
  log: Logger,
): Promise<{ identity: VdcIdentity; client: CertificatePair; server: CertificatePair }> {
  let identity = await store.identity();
  if (!identity) {
    identity = await store.saveIdentity({
      id: randomUUID(),
      name: config.name ?? defaultName(),
      createdAt: new Date().toISOString(),
    });
    log.info({ vdcId: identity.id, vdcName: identity.name }, 'vDC identity created');
  } else if (config.name !== null && config.name !== identity.name) {
    identity = await store.saveIdentity({ ...identity, name: config.name });
  }
  const client = await loadOrCreateCertificate(config.stateDir, 'vdc-client', `quantix-vdc-client-${identity.name}`);
  const server = await loadOrCreateCertificate(config.stateDir, 'vdc-server', `quantix-vdc-${identity.name}`);
  return { identity, client, server };
}

/**
 * The identity every replica shares, from the database: created by the first replica (with a new secret key
 * file when it has none), opened by the others with theirs. VDC_SECRET_KEY when the key does not open it.
 */
async function sharedIdentity(
  store: PgStore,
  config: ServeConfig,
  log: Logger,
): Promise<{ identity: VdcIdentity; client: CertificatePair; server: CertificatePair; secretKey: Buffer }> {
  return store.withStartupLock(async () => {
    let identity = await store.identity();
    const fresh = identity === null;
    const { key, created } = loadSecretKey(config.secretFile, fresh);
    if (created)
      log.warn(
        { secretFile: config.secretFile },
        'vDC secret key created: copy this file (mode 0600) to every other replica',
      );
    if (!identity) {
      identity = await store.saveIdentity({
        id: randomUUID(),
        name: config.name ?? defaultName(),
        createdAt: new Date().toISOString(),
      });
      log.info({ vdcId: identity.id, vdcName: identity.name }, 'vDC identity created');
    } else if (config.name !== null && config.name !== identity.name) {
      identity = await store.saveIdentity({ ...identity, name: config.name });
    }
    const name = identity.name;
    const certificate = async (prefix: string, commonName: string): Promise<CertificatePair> => {
      let row = await store.certificate(prefix);
      if (!row) {
        const pair = await createSelfSignedCertificate(commonName);
        row = await store.saveCertificate(
          {
            name: prefix,
            certPem: pair.certPem,
            keySealed: seal(key, `certificate:${prefix}`, Buffer.from(pair.keyPem)),
          },
          new Date().toISOString(),
        );
      }
      const keyPem = unseal(key, `certificate:${prefix}`, row.keySealed).toString('utf8');
      return { certPem: row.certPem, keyPem, fingerprint: fingerprintOfPem(row.certPem) };
    };
    const client = await certificate('vdc-client', `quantix-vdc-client-${name}`);
    const server = await certificate('vdc-server', `quantix-vdc-${name}`);
    return { identity, client, server, secretKey: key };
  });
}

/** A running vDC. */
export interface RunningVdc {
  identity: VdcIdentity;
  socketPath: string;
  https: { host: string; port: number } | null;
  /** Stops listening and polling, closes the database, removes the socket. */
  close(): Promise<void>;
}

/** Creates and locks the state directory and opens its store; the lock is released if the store cannot open. */
async function openLockedStore(
  config: ServeConfig,
  log: Logger,
): Promise<{ lock: ReturnType<typeof lockStateDir>; store: Store }> {
  mkdirSync(config.stateDir, { recursive: true, mode: 0o700 });
  const lock = lockStateDir(config.stateDir);
  try {
    return { lock, store: await openStore(config.stateDir, config.database, log) };
  } catch (err) {
    lock.release();
    throw err;
  }
}

/**
 * The vDC's identity and certificates: shared by every replica on PostgreSQL
 * (with discovery sessions kept in the database), local to the state
 * directory on SQLite.
 */
async function loadIdentity(
  store: Store,
  config: ServeConfig,
  log: Logger,
): Promise<{ identity: VdcIdentity; client: CertificatePair; server: CertificatePair; sessions?: SessionStore }> {
  if (store instanceof PgStore) {
    const shared = await sharedIdentity(store, config, log);
    return {
      identity: shared.identity,
      client: shared.client,
      server: shared.server,
      sessions: new DatabaseSessions(store, shared.secretKey, DISCOVERY_TTL_SECONDS * 1000),
    };
  }
  return localIdentity(store, config, log);
}

/**
 * Claims the socket path and serves the local API on it, then the HTTPS API
 * when configured. Each app is pushed onto `apps` as soon as it exists, so
 * the caller can close them on failure. Returns the bound HTTPS address.
 */
async function startListeners(
  config: ServeConfig,
  parts: { service: VdcService; inventory: InventoryRefresher; store: Store; log: Logger; serverCert: CertificatePair },
  apps: FastifyInstance[],
): Promise<RunningVdc['https']> {
  const { service, inventory, store, log, serverCert } = parts;
  await claimSocketPath(
    config.socketPath,
    () =>
      new QuantixError('BUSY', {
        message: `Another quantix-vdc is already serving ${config.socketPath}.`,
        hint: 'Stop it first, or give this one its own --socket and --state-dir.',
      }),
  );
  const local = buildApiServer({ service, inventory, store, log, remote: null });
  apps.push(local);
  await local.listen({ path: config.socketPath });
  chmodSync(config.socketPath, 0o600);

  if (!config.listen) return null;
  const remote = buildApiServer({
    service,
    inventory,
    store,
    log,
    remote: { keyPem: serverCert.keyPem, certPem: serverCert.certPem },
  });
  apps.push(remote);
  try {
    await remote.listen({ host: config.listen.host, port: config.listen.port });
  } catch (err) {
    throw listenError(err, config.listen);
  }
  const addr = remote.server.address() as net.AddressInfo;
  return { host: addr.address, port: addr.port };
}

/** Starts the vDC with its configuration. */
export async function startVdc(
  config: ServeConfig,
  log: Logger,
  hooks: { afterJoin?: () => void } = {},
): Promise<RunningVdc> {
  if (config.listen) await checkListen(config.listen);
  const { lock, store } = await openLockedStore(config, log);
  const apps: FastifyInstance[] = [];
  let poller: HealthPoller | null = null;
  let scheduler: InventoryScheduler | null = null;
  try {
    const { identity, client: clientCert, server: serverCert, sessions } = await loadIdentity(store, config, log);

    let url = config.url ?? '';
    const replica: ReplicaInfo = {
      id: randomUUID(),
      name: `${os.hostname()}:${process.pid}`.slice(0, 100),
      url: '',
      startedAt: new Date().toISOString(),
    };
    const service = new VdcService({
      store,
      identity,
      url: () => url,
      clientCertificate: clientCert,
      serverFingerprint: serverCert.fingerprint,
      connectTimeoutMs: config.connectTimeoutMs,
      responseTimeoutMs: config.responseTimeoutMs,
      log,
      version: packageVersion(),
      replica: { info: replica, leaseMs: config.leaseMs },
      trends: config.trends,
      ...(sessions ? { sessions } : {}),
      ...(hooks.afterJoin ? { afterJoin: hooks.afterJoin } : {}),
    });

    const inventory = new InventoryRefresher({
      store,
      log,
      now: Date.now,
      agent: (o) => service.agent(o),
      audit: (e) => service.audit(e),
    });
    const https = await startListeners(config, { service, inventory, store, log, serverCert }, apps);
    if (https && !url) {
      const shown = https.host === '0.0.0.0' || https.host === '::' ? os.hostname() : https.host;
      url = `https://${formatHostPort(shown, https.port)}`;
    }
    if (!url) url = `https://${os.hostname()}`;
    replica.url = https ? `https://${formatHostPort(https.host, https.port)}` : url;

    poller = new HealthPoller({
      store,
      service,
      log,
      intervalMs: config.pollIntervalMs,
      concurrency: config.pollConcurrency,
      keptConnections: config.pollConnections,
      replica,
      leaseMs: config.leaseMs,
      trends: config.trends,
    });
    poller.start();
    scheduler = new InventoryScheduler({
      refresher: inventory,
      store,
      log,
      intervalMs: config.inventoryRefreshMs,
      ...(store.backend === 'postgresql' ? { replicaId: replica.id } : {}),
    });
    scheduler.start();

    log.info(
      {
        event: 'listening',
        socket: config.socketPath,
        https: https ? formatHostPort(https.host, https.port) : null,
        port: https?.port ?? null,
        vdcId: identity.id,
        vdcName: identity.name,
        url,
        backend: store.backend,
        database: store instanceof PgStore ? store.description : databasePath(config.stateDir),
        replicaId: replica.id,
        clientCertificateFingerprint: clientCert.fingerprint,
        serverCertificateFingerprint: serverCert.fingerprint,
      },
      'quantix-vdc listening',
    );

    const runningPoller = poller;
    const runningScheduler = scheduler;
    return {
      identity,
      socketPath: config.socketPath,
      https,
      close: async () => {
        await Promise.all([runningPoller.stop(), runningScheduler.stop()]);
        await Promise.all(apps.map((a) => a.close()));
        await service.sessions.clear();
        await store.close();
        lock.release();
        try {
          unlinkSync(config.socketPath);
        } catch {
          // already gone
        }
      },
    };
  } catch (err) {
    await Promise.all([poller?.stop(), scheduler?.stop()]);
    await Promise.all(apps.map((a) => a.close().catch(() => undefined)));
    await store.close();
    lock.release();
    throw err;
  }
}
