/**
 * The vDC's services: clusters, the add-host flow (discover, register),
 * host removal, audit and API tokens. This is the only code that talks to
 * host agents on the administrator's behalf, always through
 * `HostAgentClient` (pinned certificates, proofs, capped requests to the
 * agent's own paths). Every failure is a QuantixError with the phase of the
 * flow it happened in; every discover, register, remove and token operation
 * is audited, successful or not.
 */
import { randomUUID } from 'node:crypto';
import { lookup } from 'node:dns/promises';
import net from 'node:net';
import os from 'node:os';
import type { CertificatePair } from '../../common/tls/certificates.js';
import { agentCodeOf, HostAgentClient, type HostAgentClientOptions } from '../../common/http/host-agent-client.js';
import type { TlsConnectionPool } from '../../common/http/request.js';
import type { Logger } from '../../common/log/logger.js';
import { forgetSecret, registerSecret } from '../../common/log/logger.js';
import {
  AGENT_API_VERSION,
  AGENT_NETWORK_ERROR_CODES,
  type DiscoveryResponse,
  type HelloResponse,
} from '../../common/protocol/agent-api.js';
import { type ErrorCode, type Phase, QuantixError } from '../../common/protocol/errors.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { vmSupport } from '../../common/protocol/inventory.js';
import { deriveKey } from '../../common/protocol/proof.js';
import {
  type ApiTokenInfo,
  type AuditListResponse,
  type Cluster,
  type CreateApiTokenResponse,
  type DiscoverResponse,
  type DiscoverStage,
  type DiscoveryWarning,
  DISCOVERY_TTL_SECONDS,
  type HealthResponse,
  type HostAddress,
  type MaintenanceResponse,
  type MoveNodeResponse,
  NODE_STATES,
  type NodeDetail,
  type NodeSummary,
  type RemoveNodeResponse,
  type RenameClusterResponse,
  parseCreateClusterRequest,
  parseDiscoverRequest,
  parseHostAddress,
  parseRegisterRequest,
  type TrendResponse,
} from '../../common/protocol/vdc-api.js';
import { describeTokenProblem, parseToken } from '../../common/token/token.js';
import { AdmissionGate, WorkQueue } from './admission.js';
import { createApiToken, revokeApiToken } from './api-tokens.js';
import { listAuditPage } from './audit-list.js';
import { capacityOf } from './capacity.js';
import { alreadyRegistered } from './store-rows.js';
import { DiscoverySessions, type DiscoverySession, type SessionStore } from './sessions.js';
import type {
  AuditInput,
  ClusterWithCounts,
  LeaseHolder,
  NodeRecord,
  ReplicaInfo,
  Store,
  VdcIdentity,
} from './store.js';
import { TREND_DEFAULTS, trendView, windowStart, type TrendSettings } from './trends.js';
import { apiTokenView, clusterView, nodeDetailView, nodeSummaryView } from './views.js';
import * as membership from './membership-ops.js';

/** Who is asking, for the audit, and a signal that fires if they hang up. */
export interface RequestContext {
  /** `socket`, `cli`, or `https <address>`. */
  source: string;
  /** API token name for remote requests. */
  actor: string | null;
  /** Whose share of limited work this is: the API token's id, or the local socket (default: source). */
  caller?: string;
  signal?: AbortSignal;
}

/**
 * Discoveries in flight at once, in total and per caller. Each holds at most
 * one agent answer (AGENT_LARGE_RESPONSE_BYTES) and waits for one scrypt
 * derivation (KEY_DERIVATIONS at a time), so 16 bound a burst to a few tens
 * of MB; an operator adds hosts one at a time and scripts a handful at a
 * time (the scale benchmark runs 8).
 */
export const DISCOVER_LIMITS = { total: 16, perCaller: 8, retryAfterSeconds: 5 } as const;

/**
 * scrypt derivations run at once: each holds 32 MiB and a core for about a
 * tenth of a second. Left to libuv's four pool threads, 16 admitted
 * discoveries held 128 MiB and starved the event loop on a 2-core machine;
 * one core is always left to the event loop, and at most two run.
 */
export const KEY_DERIVATIONS = Math.max(1, Math.min(2, os.availableParallelism() - 1));

/** What the service needs. */
export interface VdcServiceOptions {
  store: Store;
  identity: VdcIdentity;
  /** The URL hosts are told this vDC has (known once the HTTPS listener is bound). */
  url: () => string;
  clientCertificate: CertificatePair;
  serverFingerprint: string;
  connectTimeoutMs: number;
  responseTimeoutMs: number;
  log: Logger;
  version: string;
  now?: () => number;
  /** Builds agent clients (tests may bind a local address). */
  agentClient?: (opts: HostAgentClientOptions) => HostAgentClient;
  /** Runs after a host confirmed the join and before the vDC records it (crash-recovery test hook). */
  afterJoin?: () => void;
  /** Where discovery sessions live (default: this process's memory). */
  sessions?: SessionStore;
  /** This process as a replica, and its lease period. */
  replica?: { info: ReplicaInfo; leaseMs: number };
  /** Trend buckets (default one a minute, an hour kept). */
  trends?: TrendSettings;
}

/** Poller figures shown by `/api/health`. */
export interface PollerStats {
  intervalSeconds: number;
  lastRoundAt: string | null;
  lastRoundHosts: number;
  lastRoundMs: number | null;
}

/** What a registration has reached so far, for the audit of its failure. */
interface RegisterAttempt {
  session: DiscoverySession | null;
  clusterId: string | null;
  nodeId: string | null;
  /** The phase a failure is reported in. */
  phase: Phase;
}

/**
 * Agent codes with which a host refused a registration request outright: the host did not join. The others
 * (its own failure, membership answers) leave it open, and the host is asked.
 */
const HOST_REFUSALS = new Set<ErrorCode>(
  AGENT_NETWORK_ERROR_CODES.filter(
    (c) => !['NOT_MANAGED', 'NOT_MANAGED_BY_YOU', 'STATE_WRITE_FAILED', 'BUSY', 'INTERNAL'].includes(c),
  ),
);

/** Codes meaning "this token cannot be used"; on a managed host the real reason is the membership. */
const TOKEN_CODES = new Set<ErrorCode>([
  'TOKEN_INVALID',
  'NO_ACTIVE_TOKEN',
  'TOKEN_EXPIRED',
  'TOKEN_ALREADY_USED',
  'TOKEN_REVOKED',
]);

/** Codes with which a host says it is not (or no longer) managed by this vDC. */
export const NOT_OURS = new Set<ErrorCode>(['NOT_MANAGED_BY_YOU', 'NOT_MANAGED']);

/** Re-labels an error with the phase of the flow it happened in (keeping an earlier, more precise one). */
export function inPhase(err: unknown, phase: Phase): QuantixError {
  const q = err instanceof QuantixError ? err : new QuantixError('INTERNAL', { cause: err });
  if (q.phase) return q;
  return new QuantixError(q.code, {
    message: q.message,
    hint: q.hint,
    phase,
    ...(q.retryAfterSeconds !== undefined ? { retryAfterSeconds: q.retryAfterSeconds } : {}),
    ...(q.details ? { details: q.details } : {}),
    cause: q.cause ?? q,
  });
}

/** An address as the audit stores it: parsed form, or the input made inert and short. */
function auditAddress(input: unknown, parsed: HostAddress | null): string | null {
  if (parsed) return parsed.display;
  if (typeof input !== 'string') return null;
  return input.replace(/[\u0000-\u001f\u007f-\u009f]/g, '?').slice(0, 100);
}

/** Strips a prefix length and zone, lower-cases: how addresses are compared. */
function bareAddress(a: string): string {
  return a
    .replace(/\/\d+$/, '')
    .replace(/%.*$/, '')
    .toLowerCase();
}

/** The vDC services. */
export class VdcService {
  readonly identity: VdcIdentity;
  readonly sessions: SessionStore;
  /** Host ids with a registration under way; the poller leaves their pending rows alone. */
  readonly registering = new Set<string>();
  readonly startedAt: string;
  /** Discoveries in flight. */
  readonly discoveries = new AdmissionGate(DISCOVER_LIMITS.total, DISCOVER_LIMITS.perCaller);
  private readonly derivations = new WorkQueue(KEY_DERIVATIONS);
  private readonly o: VdcServiceOptions;
  private readonly now: () => number;
  private pollerStats: () => PollerStats = () => ({
    intervalSeconds: 0,
    lastRoundAt: null,
    lastRoundHosts: 0,
    lastRoundMs: null,
  });

  constructor(o: VdcServiceOptions) {
    this.o = o;
    this.identity = o.identity;
    this.now = o.now ?? Date.now;
    this.sessions = o.sessions ?? new DiscoverySessions(DISCOVERY_TTL_SECONDS * 1000, this.now);
    this.startedAt = new Date(this.now()).toISOString();
  }

  /** Lets `/api/health` report the poller. */
  setPollerStats(fn: () => PollerStats): void {
    this.pollerStats = fn;
  }

  private iso(): string {
    return new Date(this.now()).toISOString();
  }

  /** A client of one host with this vDC's limits and client certificate. */
  agent(opts: {
    host: string;
    port: number;
    pinnedFingerprint?: string | null;
    clockOffsetMs?: number;
    signal?: AbortSignal;
    connections?: TlsConnectionPool;
  }): HostAgentClient {
    const full: HostAgentClientOptions = {
      host: opts.host,
      port: opts.port,
      pinnedFingerprint: opts.pinnedFingerprint ?? null,
      ...(opts.clockOffsetMs !== undefined ? { clockOffsetMs: opts.clockOffsetMs } : {}),
      clientCertificate: { certPem: this.o.clientCertificate.certPem, keyPem: this.o.clientCertificate.keyPem },
      connectTimeoutMs: this.o.connectTimeoutMs,
      responseTimeoutMs: this.o.responseTimeoutMs,
      now: this.now,
      ...(opts.signal ? { signal: opts.signal } : {}),
      ...(opts.connections ? { connections: opts.connections } : {}),
    };
    return this.o.agentClient ? this.o.agentClient(full) : new HostAgentClient(full);
  }

  /** Appends an audit record; a failing audit write is logged, never hides the operation's own outcome. */
  async audit(e: Omit<AuditInput, 'at'>): Promise<void> {
    try {
      await this.o.store.appendAudit({ ...e, at: this.iso() });
    } catch (err) {
      this.o.log.error({ err, action: e.action }, 'audit write failed');
    }
  }

  // -------------------------------------------------------------------------
  // Health and audit

  /** Service identity, counts, and the replicas sharing the store. */
  async health(): Promise<HealthResponse> {
    const counts = await this.o.store.counts();
    const replica = this.o.replica;
    const replicas = replica ? await this.o.store.replicas(replica.leaseMs) : [];
    const total = NODE_STATES.reduce((sum, s) => sum + counts.nodes[s], 0);
    return {
      status: 'ok',
      version: this.o.version,
      vdc: {
        id: this.identity.id,
        name: this.identity.name,
        url: this.o.url(),
        clientCertificateFingerprint: this.o.clientCertificate.fingerprint,
        serverCertificateFingerprint: this.o.serverFingerprint,
      },
      startedAt: this.startedAt,
      clusters: counts.clusters,
      hosts: { ...counts.nodes, total },
      poller: this.pollerStats(),
      backend: this.o.store.backend,
      ...(replica ? { replicaId: replica.info.id } : {}),
      replicas,
    };
  }

  /** One page of audit records, newest first, and the cursor of the next. */
  async listAudit(query: Record<string, unknown>): Promise<AuditListResponse> {
    return listAuditPage(this.o.store, query);
  }

  // -------------------------------------------------------------------------
  // Clusters

  /** Every cluster. */
  async listClusters(): Promise<Cluster[]> {
    return (await this.o.store.listClusters()).map(clusterView);
  }

  /** Creates a cluster. */
  async createCluster(body: unknown, ctx: RequestContext): Promise<Cluster> {
    const req = parseCreateClusterRequest(body);
    try {
      const c = await this.o.store.createCluster({
        id: randomUUID(),
        name: req.name,
        description: req.description,
        createdAt: this.iso(),
      });
      await this.audit({
        action: 'cluster.create',
        outcome: 'ok',
        source: ctx.source,
        actor: ctx.actor,
        clusterId: c.id,
        detail: c.name,
      });
      return clusterView(c);
    } catch (err) {
      const q = inPhase(err, 'register');
      await this.audit({
        action: 'cluster.create',
        outcome: 'error',
        source: ctx.source,
        actor: ctx.actor,
        code: q.code,
        detail: req.name,
      });
      throw err;
    }
  }

  /** Deletes an empty cluster by id or name. */
  async deleteCluster(idOrName: string, ctx: RequestContext): Promise<Cluster> {
    const found = await this.o.store.findCluster(idOrName);
    try {
      if (!found)
        throw new QuantixError('CLUSTER_NOT_FOUND', {
          message: `No cluster with id or name "${idOrName.slice(0, 63)}".`,
        });
      const c = await this.o.store.deleteCluster(found.id);
      await this.audit({
        action: 'cluster.delete',
        outcome: 'ok',
        source: ctx.source,
        actor: ctx.actor,
        clusterId: c.id,
        detail: c.name,
      });
      return clusterView(c);
    } catch (err) {
      const code = err instanceof QuantixError ? err.code : 'INTERNAL';
      await this.audit({
        action: 'cluster.delete',
        outcome: 'error',
        source: ctx.source,
        actor: ctx.actor,
        clusterId: found?.id ?? null,
        code,
      });
      throw err;
    }
  }

  // -------------------------------------------------------------------------
  // Nodes

  /** Hosts, optionally of one cluster (id or name). */
  async listNodes(clusterIdOrName: string | undefined): Promise<NodeSummary[]> {
    if (clusterIdOrName === undefined) return (await this.o.store.listNodes()).map(nodeSummaryView);
    const c = await this.o.store.findCluster(clusterIdOrName);
    if (!c)
      throw new QuantixError('CLUSTER_NOT_FOUND', {
        message: `No cluster with id or name "${clusterIdOrName.slice(0, 63)}".`,
      });
    return (await this.o.store.listNodes({ clusterId: c.id })).map(nodeSummaryView);
  }

  /** A host's trend over the window (id as `getNode`). */
  async nodeTrend(id: string): Promise<TrendResponse> {
    const n = await this.o.store.getNode(id);
    if (!n) throw new QuantixError('HOST_NOT_FOUND', { message: `No host with id "${id.slice(0, 64)}".` });
    return this.trendOf({ kind: 'host', id: n.id, name: n.hostname }, { nodeId: n.id });
  }

  /** A cluster's trend over the window, derived from its hosts' (id or name). */
  async clusterTrend(idOrName: string): Promise<TrendResponse> {
    const c = await this.o.store.findCluster(idOrName);
    if (!c)
      throw new QuantixError('CLUSTER_NOT_FOUND', {
        message: `No cluster with id or name "${idOrName.slice(0, 63)}".`,
      });
    return this.trendOf({ kind: 'cluster', id: c.id, name: c.name }, { clusterId: c.id });
  }

  private async trendOf(
    who: { kind: 'host' | 'cluster'; id: string; name: string },
    of: { nodeId: string } | { clusterId: string },
  ): Promise<TrendResponse> {
    const s = this.o.trends ?? TREND_DEFAULTS;
    const now = (this.o.now ?? Date.now)();
    return trendView(who, await this.o.store.trend(of, windowStart(now, s)), s, now);
  }

  /** One host with its inventory. */
  async getNode(id: string): Promise<NodeDetail> {
    const n = await this.o.store.getNode(id);
    if (!n) throw new QuantixError('HOST_NOT_FOUND', { message: `No host with id "${id.slice(0, 64)}".` });
    return nodeDetailView(n);
  }

  /**
   * Which vDC manages a host that says it is managed: a successful mutual-TLS
   * status with our client certificate means us.
   */
  private async managedByUs(host: string, port: number, fingerprint: string, signal?: AbortSignal): Promise<boolean> {
    try {
      const st = await this.agent({
        host,
        port,
        pinnedFingerprint: fingerprint,
        ...(signal ? { signal } : {}),
      }).status();
      return st.vdc.id === this.identity.id;
    } catch {
      return false;
    }
  }

  /** The error for a host that a vDC already manages. */
  private async managedError(hostId: string, byUs: boolean, phase: Phase, cause?: unknown): Promise<QuantixError> {
    const row = await this.o.store.findNodeByHostId(hostId);
    if (byUs || (row && row.state !== 'left')) {
      if (row) return alreadyRegistered(row, phase, cause);
      return new QuantixError('HOST_ALREADY_REGISTERED', {
        message: 'The host is already managed by this vDC.',
        phase,
        cause,
      });
    }
    return new QuantixError('HOST_MANAGED_ELSEWHERE', {
      message: 'The host is managed by another vDC, so it has no usable registration token.',
      phase,
      cause,
    });
  }

  /**
   * Discovery: validates the address and the token's shape locally, says
   * hello (pinning the certificate and the clock offset), sends the
   * proof-authenticated discovery, checks the host's proof, and keeps the
   * verified host for ten minutes. `onStage` reports progress.
   */
  async discover(
    body: unknown,
    ctx: RequestContext,
    onStage: (stage: DiscoverStage) => void = () => undefined,
  ): Promise<DiscoverResponse> {
    // Refused before anything is read or written: a burst must cost neither memory nor audit rows.
    const release = this.discoveries.tryEnter(ctx.caller ?? ctx.source);
    if (!release) {
      throw new QuantixError('TOO_MANY_DISCOVERIES', {
        message: `${this.discoveries.inUse >= DISCOVER_LIMITS.total ? `${DISCOVER_LIMITS.total} discoveries are running on this vDC` : `${DISCOVER_LIMITS.perCaller} discoveries of yours are running`}; this one was not started.`,
        retryAfterSeconds: DISCOVER_LIMITS.retryAfterSeconds,
        phase: 'connect',
      });
    }
    try {
      return await this.discoverAdmitted(body, ctx, onStage);
    } finally {
      release();
    }
  }

  private async discoverAdmitted(
    body: unknown,
    ctx: RequestContext,
    onStage: (stage: DiscoverStage) => void,
  ): Promise<DiscoverResponse> {
    let parsed: HostAddress | null = null;
    let rawAddress: unknown = null;
    let hostId: string | null = null;
    let canonical: string | null = null;
    let key: Buffer | null = null;
    let phase: Phase = 'connect';
    try {
      rawAddress = (body as { address?: unknown } | null)?.address ?? null;
      const req = parseDiscoverRequest(body);
      parsed = parseHostAddress(req.address);
      const tok = parseToken(req.token);
      if (!tok.ok) {
        throw new QuantixError('TOKEN_FORMAT', {
          message: `The token is not well formed: ${describeTokenProblem(tok.problem)}.`,
          phase: 'verify',
        });
      }
      canonical = tok.canonical;
      registerSecret(canonical);

      onStage('connecting');
      const client = this.agent({
        host: parsed.host,
        port: parsed.port,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      });
      const { hello, fingerprint } = await client.hello();
      hostId = hello.hostId;
      if (hello.apiVersion !== AGENT_API_VERSION) {
        throw new QuantixError('HOST_PROTOCOL_ERROR', {
          message: `The host speaks agent API version ${hello.apiVersion}; this vDC speaks ${AGENT_API_VERSION}.`,
        });
      }

      phase = 'verify';
      onStage('verifying');
      // Only after a Quantix agent said hello, and a few at a time: the derivation costs 32 MiB and a CPU core for a
      // tenth of a second, which any address the caller names must not be able to claim.
      const token = canonical;
      key = await this.derivations.run(async () => {
        // A caller who hung up while waiting costs no derivation.
        if (ctx.signal?.aborted)
          throw new QuantixError('CONNECTION_TIMEOUT', { message: 'The discovery was cancelled by the client.' });
        return deriveKey(token);
      });
      let disc: DiscoveryResponse;
      try {
        disc = await client.discovery(key);
      } catch (err) {
        if (hello.managed && err instanceof QuantixError && TOKEN_CODES.has(err.code)) {
          throw await this.managedError(
            hello.hostId,
            await this.managedByUs(parsed.host, parsed.port, fingerprint, ctx.signal),
            'verify',
            err,
          );
        }
        throw err;
      }
      if (disc.hostId !== hello.hostId) {
        throw new QuantixError('HOST_IDENTITY_CHANGED', {
          message: `The host answered hello as ${hello.hostId} but discovery as ${disc.hostId}.`,
        });
      }

      phase = 'discover';
      onStage('collecting');
      const warnings = await this.discoveryWarnings(parsed, hello, disc, fingerprint, ctx.signal);
      const session = await this.sessions.add({
        key,
        hostId: disc.hostId,
        hostname: disc.hostname,
        address: parsed.host,
        port: parsed.port,
        fingerprint,
        clockOffsetMs: client.clockOffsetMs,
        inventory: disc.inventory,
      });
      key = null;
      await this.audit({
        action: 'node.discover',
        outcome: 'ok',
        source: ctx.source,
        actor: ctx.actor,
        address: parsed.display,
        hostId: disc.hostId,
        detail: warnings.length ? `warnings: ${warnings.map((w) => w.code).join(', ')}` : null,
      });
      return {
        discoveryId: session.id,
        expiresAt: new Date(session.expiresAtMs).toISOString(),
        host: {
          hostId: disc.hostId,
          hostname: disc.hostname,
          address: parsed.host,
          port: parsed.port,
          certificateFingerprint: fingerprint,
          identityVerified: true,
          agentVersion: disc.agentVersion,
          clockOffsetSeconds: Math.round(client.clockOffsetMs / 1000),
        },
        inventory: disc.inventory,
        warnings,
      };
    } catch (err) {
      const q = inPhase(err, phase);
      await this.audit({
        action: 'node.discover',
        outcome: 'error',
        source: ctx.source,
        actor: ctx.actor,
        address: auditAddress(rawAddress, parsed),
        hostId,
        code: q.code,
        detail: ctx.signal?.aborted ? 'cancelled by the client' : null,
      });
      throw q;
    } finally {
      key?.fill(0);
      if (canonical) forgetSecret(canonical);
    }
  }

  /** What the administrator should know before adding the host. */
  private async discoveryWarnings(
    addr: HostAddress,
    hello: HelloResponse,
    disc: DiscoveryResponse,
    fingerprint: string,
    signal?: AbortSignal,
  ): Promise<DiscoveryWarning[]> {
    const warnings: DiscoveryWarning[] = [];
    const row = await this.o.store.findNodeByHostId(disc.hostId);
    if (row) {
      warnings.push({
        code: 'ALREADY_REGISTERED',
        message:
          row.state === 'left'
            ? `This host was registered here in cluster "${row.clusterName}" and has left it; adding it replaces that record.`
            : `This host is already registered here, in cluster "${row.clusterName}" (${row.state}).`,
      });
    } else if (disc.managed || hello.managed) {
      const ours = await this.managedByUs(addr.host, addr.port, fingerprint, signal);
      if (!ours) warnings.push({ code: 'MANAGED_ELSEWHERE', message: 'This host is managed by another vDC.' });
    }
    const cpu = disc.inventory.cpu;
    const vm = vmSupport(cpu);
    if (vm.problem === 'NO_VIRTUALIZATION') {
      warnings.push({
        code: 'NO_VIRTUALIZATION',
        message: 'The CPU shows no hardware virtualization (VT-x or AMD-V): virtual machines cannot run on this host.',
      });
    } else if (vm.problem === 'KVM_UNAVAILABLE') {
      warnings.push({
        code: 'VIRTUALIZATION_DISABLED',
        message: `The CPU supports ${cpu.virtualization === 'vmx' ? 'VT-x' : 'AMD-V'} but /dev/kvm is not usable: enable virtualization in the firmware setup.`,
      });
    }
    const reported = new Set<string>();
    for (const a of disc.managementAddresses) reported.add(bareAddress(a.address));
    for (const nic of disc.inventory.network) for (const a of [...nic.ipv4, ...nic.ipv6]) reported.add(bareAddress(a));
    if (reported.size > 0) {
      let used: string[] = [];
      if (addr.kind === 'hostname') {
        try {
          used = (await lookup(addr.host, { all: true })).map((r) => bareAddress(r.address));
        } catch {
          used = [];
        }
      } else {
        used = [bareAddress(addr.host)];
      }
      if (
        used.length > 0 &&
        !used.some((u) => reported.has(u) || (net.isIPv6(u) && reported.has(u.replace(/^::ffff:/, ''))))
      ) {
        const list =
          [...disc.managementAddresses.map((a) => a.address)].slice(0, 4).join(', ') ||
          [...reported].slice(0, 4).join(', ');
        warnings.push({
          code: 'ADDRESS_NOT_REPORTED',
          message: `The host does not report ${addr.host} among its addresses (it reports ${list}): it may be behind NAT. The vDC will keep using ${addr.display}.`,
        });
      }
    }
    if (disc.inventory.warnings.length > 0) {
      warnings.push({
        code: 'INVENTORY_PARTIAL',
        message: `The host could not read everything about itself (${disc.inventory.warnings.length} warning${disc.inventory.warnings.length === 1 ? '' : 's'}): ${disc.inventory.warnings
          .slice(0, 2)
          .map((w) => w.message)
          .join('; ')}`,
      });
    }
    return warnings;
  }

  /**
   * Registration: re-checks that the host is the one reviewed (same hostId,
   * same certificate), writes the host as pending, sends the
   * proof-authenticated join, then completes the row. A failure that leaves
   * it unclear whether the host joined is settled by asking the host over
   * mutual TLS; if it cannot be asked, the pending row stays and the poller
   * settles it later.
   */
  async register(body: unknown, ctx: RequestContext): Promise<NodeDetail> {
    const attempt: RegisterAttempt = { session: null, clusterId: null, nodeId: null, phase: 'register' };
    try {
      const { session, cluster } = await this.checkRegistration(body, attempt);
      const client = await this.verifyReviewedHost(session, ctx, attempt);
      return await this.joinHost(session, cluster, client, ctx, attempt);
    } catch (err) {
      const q = inPhase(err, attempt.phase);
      const session = attempt.session;
      await this.audit({
        action: 'node.register',
        outcome: 'error',
        source: ctx.source,
        actor: ctx.actor,
        address: session ? formatHostPort(session.address, session.port) : null,
        hostId: session?.hostId ?? null,
        nodeId: attempt.nodeId,
        clusterId: attempt.clusterId,
        code: q.code,
      });
      throw q;
    } finally {
      attempt.session?.key.fill(0);
    }
  }

  /**
   * The checks before contacting the host: the request, its discovery
   * session, its cluster, no registration of that host in flight and the
   * host not already managed here. Records the session and cluster in the
   * attempt as soon as they are known.
   */
  private async checkRegistration(
    body: unknown,
    attempt: RegisterAttempt,
  ): Promise<{ session: DiscoverySession; cluster: ClusterWithCounts }> {
    const req = parseRegisterRequest(body);
    const session = await this.sessions.get(req.discoveryId);
    attempt.session = session;
    if (!session) throw new QuantixError('DISCOVERY_NOT_FOUND', { phase: 'register' });
    const cluster = await this.o.store.findCluster(req.clusterId);
    if (!cluster)
      throw new QuantixError('CLUSTER_NOT_FOUND', {
        message: `No cluster with id or name "${req.clusterId.slice(0, 63)}".`,
        phase: 'register',
      });
    attempt.clusterId = cluster.id;
    if (this.registering.has(session.hostId)) {
      throw new QuantixError('BUSY', {
        message: 'This host is being registered by another request.',
        hint: 'Wait for it to finish, then list the hosts.',
      });
    }
    const existing = await this.o.store.findNodeByHostId(session.hostId);
    if (existing && existing.state !== 'left') throw await this.managedError(session.hostId, true, 'register');
    return { session, cluster };
  }

  /**
   * Connects to the reviewed host and checks it is still that host (same
   * hostId, same pinned certificate) and not managed by any vDC. Returns the
   * client for the join.
   */
  private async verifyReviewedHost(
    session: DiscoverySession,
    ctx: RequestContext,
    attempt: RegisterAttempt,
  ): Promise<HostAgentClient> {
    attempt.phase = 'connect';
    const client = this.agent({
      host: session.address,
      port: session.port,
      pinnedFingerprint: session.fingerprint,
      clockOffsetMs: session.clockOffsetMs,
      ...(ctx.signal ? { signal: ctx.signal } : {}),
    });
    let hello: HelloResponse;
    try {
      hello = (await client.hello()).hello;
    } catch (err) {
      if (err instanceof QuantixError && err.code === 'HOST_IDENTITY_CHANGED') throw inPhase(err, 'verify');
      throw err;
    }
    if (hello.hostId !== session.hostId) {
      throw new QuantixError('HOST_IDENTITY_CHANGED', {
        message: `The host at ${formatHostPort(session.address, session.port)} is now ${hello.hostId}, not the host ${session.hostId} that was reviewed.`,
        phase: 'verify',
      });
    }
    attempt.phase = 'register';
    if (hello.managed) {
      throw await this.managedError(
        session.hostId,
        await this.managedByUs(session.address, session.port, session.fingerprint, ctx.signal),
        'register',
      );
    }
    return client;
  }

  /**
   * Marks the host as being registered, writes it as pending, joins it and
   * completes the row; ends the discovery session and audits the success.
   */
  private async joinHost(
    session: DiscoverySession,
    cluster: ClusterWithCounts,
    client: HostAgentClient,
    ctx: RequestContext,
    attempt: RegisterAttempt,
  ): Promise<NodeDetail> {
    // Checked again with no await before the add: concurrent requests for one host all pass the first check
    // during the awaits above, and a loser's cleanup must not clear the winner's mark.
    if (this.registering.has(session.hostId)) {
      throw new QuantixError('BUSY', {
        message: 'This host is being registered by another request.',
        hint: 'Wait for it to finish, then list the hosts.',
      });
    }
    this.registering.add(session.hostId);
    try {
      const nodeId = randomUUID();
      attempt.nodeId = nodeId;
      const node = await this.o.store.insertPendingNode(
        {
          id: nodeId,
          hostId: session.hostId,
          hostname: session.hostname,
          address: session.address,
          port: session.port,
          clusterId: cluster.id,
          certificateFingerprint: session.fingerprint,
          inventory: session.inventory,
          capacity: capacityOf(session.inventory),
          at: this.iso(),
        },
        this.leaseHolder(),
      );
      const hostname = await this.sendJoin(client, session, node, cluster);
      this.o.afterJoin?.();
      await this.o.store.completeNode(nodeId, this.iso(), hostname);
      await this.sessions.end(session.id);
      await this.audit({
        action: 'node.register',
        outcome: 'ok',
        source: ctx.source,
        actor: ctx.actor,
        address: formatHostPort(session.address, session.port),
        hostId: session.hostId,
        nodeId,
        clusterId: cluster.id,
        detail: `${hostname} joined cluster ${cluster.name}`,
      });
      return nodeDetailView((await this.o.store.getNode(nodeId))!);
    } finally {
      this.registering.delete(session.hostId);
    }
  }

  /**
   * Sends the proof-authenticated join for the pending row; returns the
   * hostname the host answers with. A failed join is settled (or rolled back)
   * by settleFailedJoin.
   */
  private async sendJoin(
    client: HostAgentClient,
    session: DiscoverySession,
    node: NodeRecord,
    cluster: ClusterWithCounts,
  ): Promise<string> {
    try {
      const joined = await client.join(session.key, {
        nodeId: node.id,
        vdc: {
          id: this.identity.id,
          name: this.identity.name,
          url: this.o.url(),
          clientCertFingerprint: this.o.clientCertificate.fingerprint,
        },
        cluster: { id: cluster.id, name: cluster.name },
      });
      return joined.hostname;
    } catch (err) {
      return await this.settleFailedJoin(node, err);
    }
  }

  /** The lease a registering replica holds on the pending row it writes. */
  private leaseHolder(): LeaseHolder | undefined {
    return this.o.replica ? { replicaId: this.o.replica.info.id, leaseMs: this.o.replica.leaseMs } : undefined;
  }

  /**
   * After a failed join: a plain refusal means the host did not join (the
   * pending row goes). Anything else (a lost answer, a timeout) is settled by
   * asking the host; returns the hostname when it did join, throws otherwise.
   */
  private async settleFailedJoin(node: NodeRecord, err: unknown): Promise<string> {
    const q = inPhase(err, 'register');
    // The agent's own code decides: BAD_REQUEST reaches the caller as HOST_PROTOCOL_ERROR, which a garbled answer can also be.
    const refusal = agentCodeOf(q);
    if (refusal !== null && HOST_REFUSALS.has(refusal)) {
      await this.o.store.deleteNode(node.id);
      if (
        q.code === 'TOKEN_ALREADY_USED' &&
        !(await this.managedByUs(node.address, node.port, node.certificateFingerprint))
      ) {
        throw new QuantixError('HOST_MANAGED_ELSEWHERE', {
          message: 'The token was used by another vDC first: the host is now managed there.',
          phase: 'register',
          cause: q,
        });
      }
      throw q;
    }
    try {
      const st = await this.agent({
        host: node.address,
        port: node.port,
        pinnedFingerprint: node.certificateFingerprint,
      }).status();
      if (st.vdc.id === this.identity.id && st.nodeId === node.id) {
        this.o.log.warn({ nodeId: node.id, code: q.code }, 'join answer lost; the host confirms it joined');
        return st.hostname;
      }
      await this.o.store.deleteNode(node.id);
      throw q;
    } catch (statusErr) {
      if (statusErr === q) throw q;
      if (statusErr instanceof QuantixError && NOT_OURS.has(statusErr.code)) {
        await this.o.store.deleteNode(node.id);
        throw q;
      }
      await this.o.store.recordNodeError(node.id, { code: q.code, message: q.message, at: this.iso() });
      throw new QuantixError(q.code, {
        message: `${q.message} It is not known whether the host joined.`,
        hint: `${q.hint} The vDC keeps the host as pending and finishes or undoes the registration as soon as the host answers.`,
        phase: 'register',
        cause: q,
      });
    }
  }

  /**
   * Removes a host: tells it to leave over mutual TLS, then forgets it.
   * With `force` the host is forgotten even when it cannot be reached.
   */
  async removeNode(id: string, force: boolean, ctx: RequestContext): Promise<RemoveNodeResponse> {
    const node = await this.o.store.getNode(id);
    if (!node) throw new QuantixError('HOST_NOT_FOUND', { message: `No host with id "${id.slice(0, 64)}".` });
    const auditBase = {
      action: 'node.remove',
      source: ctx.source,
      actor: ctx.actor,
      address: formatHostPort(node.address, node.port),
      hostId: node.hostId,
      nodeId: node.id,
      clusterId: node.clusterId,
    };
    let hostNotified = false;
    let reason: string | null = null;
    try {
      await this.agent({
        host: node.address,
        port: node.port,
        pinnedFingerprint: node.certificateFingerprint,
        ...(ctx.signal ? { signal: ctx.signal } : {}),
      }).leave();
      hostNotified = true;
    } catch (err) {
      const q = err instanceof QuantixError ? err : new QuantixError('INTERNAL', { cause: err });
      if (NOT_OURS.has(q.code)) {
        reason = 'The host was no longer managed by this vDC.';
      } else if (force) {
        reason = `The host could not be told to leave (${q.code}): leave the cluster on its console (F9).`;
      } else {
        await this.audit({ ...auditBase, outcome: 'error', code: q.code });
        throw new QuantixError(q.code, {
          message: `${q.message} The host was not removed.`,
          hint: 'Bring the host back online and retry, or remove it with force and then leave the cluster on the host console (F9).',
          cause: q,
        });
      }
    }
    await this.o.store.deleteNode(node.id);
    await this.audit({
      ...auditBase,
      outcome: 'ok',
      detail: reason ?? `${node.hostname} left cluster ${node.clusterName}`,
    });
    return { node: nodeSummaryView(node), hostNotified, reason };
  }

  // -------------------------------------------------------------------------
  // Maintenance, move, rename (membership-ops.ts)

  /** What the membership operations use: the store, a client of a registered host, the audit. */
  get membershipDeps(): membership.MembershipOpsDeps {
    return {
      store: this.o.store,
      agent: (n, signal) =>
        this.agent({
          host: n.address,
          port: n.port,
          pinnedFingerprint: n.certificateFingerprint,
          ...(signal ? { signal } : {}),
        }),
      audit: (e) => this.audit(e),
      iso: () => this.iso(),
      log: this.o.log,
    };
  }

  /** Puts a host in maintenance or takes it out. */
  setMaintenance(id: string, body: unknown, ctx: RequestContext): Promise<MaintenanceResponse> {
    return membership.setMaintenance(this.membershipDeps, id, body, ctx);
  }

  /** Moves a host to another cluster (the host must take it first). */
  moveNode(id: string, body: unknown, ctx: RequestContext): Promise<MoveNodeResponse> {
    return membership.moveNode(this.membershipDeps, id, body, ctx);
  }

  /** Renames a cluster and tells its hosts. */
  renameCluster(idOrName: string, body: unknown, ctx: RequestContext): Promise<RenameClusterResponse> {
    return membership.renameCluster(this.membershipDeps, idOrName, body, ctx);
  }

  // -------------------------------------------------------------------------
  // API tokens

  /** Every API token (never the secret). */
  async listApiTokens(): Promise<ApiTokenInfo[]> {
    return (await this.o.store.listApiTokens()).map(apiTokenView);
  }

  /** Creates an API token; the secret is returned once and stored only as its hash. */
  async createApiToken(body: unknown, ctx: RequestContext): Promise<CreateApiTokenResponse> {
    return createApiToken(this.o.store, body, ctx, this.iso());
  }

  /** Revokes an API token by id or name. */
  async revokeApiToken(idOrName: string, ctx: RequestContext): Promise<ApiTokenInfo> {
    return revokeApiToken(this.o.store, idOrName, ctx, this.iso());
  }
}
