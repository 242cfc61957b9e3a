/**
 * A complete host agent as a library: state directory, certificate,
 * membership, token store, both APIs. `quantix-node serve` is a thin
 * wrapper; tests and benchmarks start many agents in one process, each on
 * its own loopback address with its own clock and inventory.
 */
import type { FastifyInstance } from 'fastify';
import { randomUUID } from 'node:crypto';
import { mkdirSync, chmodSync, unlinkSync } from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import { join } from 'node:path';
import { claimSocketPath } from '../../common/fs/socket-path.js';
import { loadOrCreateCertificate } from '../../common/tls/certificates.js';
import { packageVersion } from '../../common/version.js';
import { DEFAULT_TOKEN_TTL_SECONDS } from '../../common/protocol/agent-api.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { createLogger, type Logger } from '../../common/log/logger.js';
import { createInventoryCollector, type InventoryCollector } from '../inventory/index.js';
import { managementAddresses, type InterfaceTable } from './addresses.js';
import { createAuditLog } from './audit.js';
import { type AgentIdentity, createCore } from './core.js';
import { createLocalApi } from './local-api.js';
import { loadMembership } from './membership.js';
import { createNetworkApi } from './network-api.js';
import { createNonceCache } from './nonce-cache.js';
import { createRateLimiter } from './rate-limiter.js';
import { createRefusalReport } from './refusal-report.js';
import { createTokenStore } from './token-store.js';

/** Limits on failed proofs. */
export interface AgentLimits {
  /** Failed proofs from one address within `failureWindowMs` before it is blocked (default 5). */
  failuresPerSource?: number;
  failureWindowMs?: number;
  /** How long a blocked address waits (default 60 s). */
  blockMs?: number;
  /** Window over which refused requests are counted per source and written as one line (default 60 s). */
  refusalWindowMs?: number;
}

/** Options of createAgent. */
export interface AgentOptions {
  stateDir: string;
  socketPath: string;
  /** Address of the network API (`0.0.0.0`, `::`, or one address). */
  listenHost: string;
  /** Port of the network API; 0 picks a free one. */
  listenPort: number;
  tokenTtlSeconds?: number;
  /** Root the inventory reads /proc, /sys, /etc and /dev under (default `/`). */
  inventoryRoot?: string;
  /** A ready collector instead of one over inventoryRoot. */
  inventory?: InventoryCollector;
  /** Clock in ms (injectable). */
  now?: () => number;
  logger?: Logger;
  limits?: AgentLimits;
  /** Interface table for management addresses (default the machine's). */
  interfaces?: InterfaceTable;
}

/** A running agent. */
export interface RunningAgent {
  /** Address the network API is bound to. */
  address: string;
  /** Actual port of the network API. */
  port: number;
  socketPath: string;
  stateDir: string;
  /** Fingerprint of the network API's certificate. */
  fingerprint: string;
  hostId: string;
  hostname: string;
  /** Stops both APIs, removes the socket and forgets the token. */
  close(): Promise<void>;
}

/** Listens on a Unix socket that is never, even briefly, accessible to others. */
async function listenOnSocket(app: FastifyInstance, path: string): Promise<void> {
  await claimSocketPath(
    path,
    () =>
      new QuantixError('LISTEN_FAILED', {
        message: `Another agent is already listening on ${path}.`,
        hint: 'Stop it first, or give this one its own --socket.',
      }),
  );
  await app.ready();
  await new Promise<void>((resolve, reject) => {
    const previous = process.umask(0o177);
    try {
      app.server.once('error', reject);
      app.server.listen(path, () => {
        app.server.off('error', reject);
        resolve();
      });
    } finally {
      process.umask(previous);
    }
  });
  chmodSync(path, 0o600);
}

/** Starts an agent and resolves once both APIs listen. */
export async function createAgent(opts: AgentOptions): Promise<RunningAgent> {
  const now = opts.now ?? Date.now;
  const log = opts.logger ?? createLogger({ name: 'quantix-node' });
  const version = packageVersion();
  mkdirSync(opts.stateDir, { recursive: true, mode: 0o700 });

  const cert = await loadOrCreateCertificate(opts.stateDir, 'agent', os.hostname());
  if (cert.created) log.info({ fingerprint: cert.fingerprint }, 'created the agent certificate');
  const membership = loadMembership(opts.stateDir);
  const audit = createAuditLog(join(opts.stateDir, 'audit.log'), now, (err) =>
    log.error({ err }, 'audit log write failed'),
  );
  const inventory =
    opts.inventory ?? createInventoryCollector({ root: opts.inventoryRoot ?? '/', stateDir: opts.stateDir, now });
  const first = await inventory.get();

  let port = opts.listenPort;
  // New on every start: the token lives only in this process, so a console that sees another id knows its token is gone.
  const instanceId = randomUUID();
  const identity = (): AgentIdentity => ({
    hostId: first.system.hostId,
    hostname: first.system.hostname,
    agentVersion: version,
    instanceId,
    fingerprint: cert.fingerprint,
    port,
  });
  const limits = opts.limits ?? {};
  const refusals = createRefusalReport({
    audit,
    log,
    ...(limits.refusalWindowMs !== undefined ? { windowMs: limits.refusalWindowMs } : {}),
  });
  const core = createCore({
    stateDir: opts.stateDir,
    now,
    log,
    audit,
    refusals,
    tokens: createTokenStore({ ttlSeconds: opts.tokenTtlSeconds ?? DEFAULT_TOKEN_TTL_SECONDS, now }),
    nonces: createNonceCache({ now }),
    limiter: createRateLimiter({
      now,
      ...(limits.failuresPerSource !== undefined ? { maxFailures: limits.failuresPerSource } : {}),
      ...(limits.failureWindowMs !== undefined ? { windowMs: limits.failureWindowMs } : {}),
      ...(limits.blockMs !== undefined ? { blockMs: limits.blockMs } : {}),
    }),
    inventory,
    addresses: () => managementAddresses(opts.listenHost, port, opts.interfaces),
    identity,
    membership,
  });

  const local = createLocalApi(core, log);
  const network = createNetworkApi(core, cert, log);
  let tokensCleared = false;
  let socketBound = false;
  const close = async () => {
    await Promise.allSettled([network.close(), local.close()]);
    refusals.close();
    // Only our own socket: a failed start must not remove the socket of an agent that is still running.
    if (socketBound) {
      try {
        unlinkSync(opts.socketPath);
      } catch {
        // Already removed by the server.
      }
    }
    if (!tokensCleared) {
      tokensCleared = true;
      core.dropToken();
    }
  };
  try {
    await listenOnSocket(local, opts.socketPath);
    socketBound = true;
    log.info({ socketPath: opts.socketPath }, 'local API listening');
    await network.listen({ host: opts.listenHost, port: opts.listenPort });
  } catch (err) {
    await close();
    throw err;
  }
  const addr = network.server.address() as net.AddressInfo;
  port = addr.port;
  log.info(
    {
      address: addr.address,
      port,
      fingerprint: cert.fingerprint,
      hostId: first.system.hostId,
      managed: membership !== null,
      version,
    },
    'network API listening',
  );
  return {
    address: addr.address,
    port,
    socketPath: opts.socketPath,
    stateDir: opts.stateDir,
    fingerprint: cert.fingerprint,
    hostId: first.system.hostId,
    hostname: first.system.hostname,
    close,
  };
}
