/**
 * The agent's state and the rules over it, without HTTP: the token, the
 * request-proof check, join, leave, and the views both APIs return. Both
 * APIs are thin adapters over this, so a rule (a managed host issues no
 * token; a join consumes the token exactly once) lives in one place.
 */
import type { InventoryCollector } from '../inventory/index.js';
import {
  AGENT_API_VERSION,
  type DiscoveryResponse,
  type HelloResponse,
  type AgentErrorBody,
  type JoinRequest,
  type JoinResponse,
  type LeaveResponse,
  type LocalStatus,
  type ManagementAddress,
  type Membership,
  type MembershipUpdateRequest,
  type NodeStatusResponse,
  type TokenInfo,
  type TokenState,
} from '../../common/protocol/agent-api.js';
import { shortFingerprint } from '../../common/format/fingerprint.js';
import { QuantixError } from '../../common/protocol/errors.js';
import type { LiveUsage } from '../../common/protocol/inventory.js';
import {
  computeHostProof,
  computeRequestMac,
  macEquals,
  parseAuthorization,
  TIMESTAMP_WINDOW_SECONDS,
  timestampFresh,
} from '../../common/protocol/proof.js';
import type { Logger } from '../../common/log/logger.js';
import { type AuditLog, auditPath } from './audit.js';
import { clearMembership, type MembershipRecord, membershipView, saveMembership } from './membership.js';
import type { NonceCache } from './nonce-cache.js';
import type { RateLimiter } from './rate-limiter.js';
import type { RefusalReport } from './refusal-report.js';
import { displayToken, type TokenLookup, type TokenRecord, tokenStateOf, type TokenStore } from './token-store.js';

/** The fixed facts of a running agent. */
export interface AgentIdentity {
  hostId: string;
  hostname: string;
  agentVersion: string;
  /** Random id of this run of the agent, new at every start. */
  instanceId: string;
  /** Fingerprint of the certificate the network API serves. */
  fingerprint: string;
  /** Port the network API listens on. */
  port: number;
}

/** What the core is built from. */
export interface CoreDeps {
  stateDir: string;
  now: () => number;
  log: Logger;
  audit: AuditLog;
  /** Where refused network requests go: counted per source, written once per window. */
  refusals: RefusalReport;
  tokens: TokenStore;
  nonces: NonceCache;
  limiter: RateLimiter;
  inventory: InventoryCollector;
  addresses: () => ManagementAddress[];
  identity: () => AgentIdentity;
  membership: MembershipRecord | null;
}

/** A request to check for a proof. */
export interface ProofRequest {
  source: string;
  method: string;
  /** The request target as sent (path and query). */
  path: string;
  authorization: string | undefined;
  body: Buffer;
}

/** A verified proof: the token's key, the request's nonce and this host's fingerprint, to prove the answer. */
export interface VerifiedProof {
  key: Buffer;
  nonce: string;
  fingerprint: string;
  lookup: Exclude<TokenLookup, { state: 'none' }>;
}

/** A refused proof: the error, and the key and nonce when the answer can still be proven. */
export class ProofRefused extends Error {
  constructor(
    readonly error: QuantixError,
    readonly signWith: { key: Buffer; nonce: string; fingerprint: string } | null = null,
    /** What the error body carries beyond the shared fields. */
    readonly extra: Pick<AgentErrorBody, 'certificateFingerprint'> = {},
  ) {
    super(error.message);
  }
}

/** How long the last-contact time may lag on disk; written at most this often. */
const CONTACT_PERSIST_MS = 60_000;

/** The error for a token that exists but cannot be used. */
function unusable(l: TokenLookup): QuantixError {
  switch (l.state) {
    case 'none':
      return new QuantixError('NO_ACTIVE_TOKEN');
    case 'expired':
      return new QuantixError('TOKEN_EXPIRED');
    case 'used':
      return new QuantixError('TOKEN_ALREADY_USED');
    case 'revoked':
      return new QuantixError('TOKEN_REVOKED');
    case 'active':
      return new QuantixError('INTERNAL');
  }
}

/** The token as both APIs report it. */
function tokenInfo(deps: CoreDeps, r: TokenRecord & { canonical: string }): TokenInfo {
  const id = deps.identity();
  return {
    token: displayToken(r)!,
    createdAt: new Date(r.createdAtMs).toISOString(),
    expiresAt: new Date(r.expiresAtMs).toISOString(),
    expiresInSeconds: Math.max(0, Math.floor((r.expiresAtMs - deps.now()) / 1000)),
    hostId: id.hostId,
    hostname: id.hostname,
    managementAddresses: deps.addresses(),
    certificateFingerprint: id.fingerprint,
    port: id.port,
    failedAttempts: r.failures,
    lastFailedFrom: r.lastFailureFrom,
  };
}

/** Records a refused proof (counted against the source when asked) and throws it. */
function refuse(
  deps: CoreDeps,
  req: ProofRequest,
  error: QuantixError,
  countAgainstSource: boolean,
  sign: ProofRefused['signWith'] = null,
  extra: ProofRefused['extra'] = {},
): never {
  deps.refusals.refused({
    action: 'proof.failed',
    source: req.source,
    target: req.path,
    code: error.code,
    detail: error.message,
  });
  if (countAgainstSource) deps.limiter.fail(req.source);
  throw new ProofRefused(error, sign, extra);
}

/**
 * Checks a request proof: rate limit, header, token, clock, MAC, nonce,
 * then the token's state. Synchronous on purpose: nothing can run between
 * this check and a join's consumption of the token.
 */
function verifyProof(deps: CoreDeps, req: ProofRequest): VerifiedProof {
  const { now, limiter, refusals, tokens, nonces, audit } = deps;
  const limit = limiter.check(req.source);
  if (!limit.allowed) {
    refusals.refused({ action: 'rate.limited', source: req.source, target: req.path, code: 'RATE_LIMITED' });
    throw new ProofRefused(new QuantixError('RATE_LIMITED', { retryAfterSeconds: limit.retryAfterSeconds }));
  }
  if (req.authorization === undefined) {
    refuse(
      deps,
      req,
      new QuantixError('TOKEN_INVALID', {
        message: 'The request carries no registration proof (Authorization: Quantix v1;…).',
      }),
      true,
    );
  }
  const auth = parseAuthorization(req.authorization);
  if (!auth)
    refuse(
      deps,
      req,
      new QuantixError('BAD_REQUEST', {
        message: 'The Authorization header is not a Quantix v1 proof (ts, nonce and mac in base64url).',
      }),
      true,
    );
  const lookup = tokens.lookup();
  // Without a token there is nothing to guess, so this does not count against the source.
  if (lookup.state === 'none') refuse(deps, req, new QuantixError('NO_ACTIVE_TOKEN'), false);
  if (!timestampFresh(auth.ts, now())) {
    refuse(
      deps,
      req,
      new QuantixError('BAD_REQUEST', {
        message: `The proof's timestamp is more than ${TIMESTAMP_WINDOW_SECONDS} s away from the host's clock (${new Date(now()).toISOString()}).`,
        hint: 'Proofs are written on the host clock reported by hello; repeat the whole exchange starting with hello.',
      }),
      true,
    );
  }
  const fingerprint = deps.identity().fingerprint;
  const key = lookup.record.key;
  const expected = computeRequestMac(key, {
    method: req.method,
    path: req.path,
    ts: auth.ts,
    nonce: auth.nonce,
    fingerprint,
    body: req.body,
  });
  if (!macEquals(auth.mac, expected)) {
    // Counted for the operator, never acted on: revoking on failures would let any peer cancel the token.
    tokens.recordFailure(req.source);
    // Our own fingerprint, proven with the key, lets a vDC with the right token see that TLS is intercepted.
    refuse(
      deps,
      req,
      new QuantixError('TOKEN_INVALID'),
      true,
      { key, nonce: auth.nonce, fingerprint },
      { certificateFingerprint: fingerprint },
    );
  }
  const remembered = nonces.remember(auth.nonce);
  if (remembered === 'replayed') {
    refuse(
      deps,
      req,
      new QuantixError('BAD_REQUEST', {
        message: 'This request was already received once (its nonce was used); proofs are single use.',
      }),
      true,
    );
  }
  if (remembered === 'full') {
    refusals.refused({
      action: 'rate.limited',
      source: req.source,
      target: req.path,
      code: 'RATE_LIMITED',
      detail: 'nonce cache full',
    });
    throw new ProofRefused(
      new QuantixError('RATE_LIMITED', {
        message: 'The host is receiving too many registration requests.',
        retryAfterSeconds: 60,
      }),
    );
  }
  const sign = { key, nonce: auth.nonce, fingerprint };
  if (lookup.state === 'expired' || lookup.state === 'revoked') refuse(deps, req, unusable(lookup), false, sign);
  audit.write({ action: 'proof.ok', outcome: 'ok', source: req.source, path: auditPath(req.path) });
  return { key, nonce: auth.nonce, fingerprint, lookup };
}

/** The current time as ISO 8601. */
function isoNow(deps: CoreDeps): string {
  return new Date(deps.now()).toISOString();
}

/** What live usage reports when it cannot be read. */
const EMPTY_USAGE: LiveUsage = {
  cpuPercent: null,
  memoryUsedBytes: null,
  memoryTotalBytes: null,
  loadAverage: null,
  uptimeSeconds: null,
};

/** Live usage, or empty figures (with a warning) when it cannot be read. */
async function liveUsage(deps: CoreDeps): Promise<LiveUsage> {
  try {
    return await deps.inventory.usage();
  } catch (err) {
    deps.log.warn({ err }, 'live usage could not be read');
    return EMPTY_USAGE;
  }
}

/** The answer to a join, first or repeated. */
function joinResponse(deps: CoreDeps, m: MembershipRecord): JoinResponse {
  const id = deps.identity();
  return {
    hostId: id.hostId,
    hostname: id.hostname,
    nodeId: m.nodeId,
    joinedAt: m.joinedAt,
    vdc: { id: m.vdc.id, name: m.vdc.name, url: m.vdc.url },
    cluster: { ...m.cluster },
  };
}

/** Discovery after a verified proof. */
async function discovery(
  deps: CoreDeps,
  membership: () => MembershipRecord | null,
  proof: VerifiedProof,
): Promise<DiscoveryResponse> {
  if (proof.lookup.state !== 'active') throw unusable(proof.lookup);
  const inventory = await deps.inventory.get();
  const id = deps.identity();
  return {
    hostId: id.hostId,
    hostname: id.hostname,
    agentVersion: id.agentVersion,
    certificateFingerprint: id.fingerprint,
    managementAddresses: deps.addresses(),
    managed: membership() !== null,
    tokenExpiresAt: new Date(proof.lookup.record.expiresAtMs).toISOString(),
    inventory,
  };
}

/** Network node status. */
async function nodeStatus(deps: CoreDeps, m: MembershipRecord): Promise<NodeStatusResponse> {
  const id = deps.identity();
  return {
    hostId: id.hostId,
    hostname: id.hostname,
    nodeId: m.nodeId,
    vdc: { id: m.vdc.id, name: m.vdc.name, url: m.vdc.url },
    cluster: { ...m.cluster },
    joinedAt: m.joinedAt,
    usage: await liveUsage(deps),
    time: isoNow(deps),
    agentVersion: id.agentVersion,
    maintenance: m.maintenance === true,
  };
}

/**
 * Applies the membership state the managing vDC pushed (cluster after a move
 * or a rename, maintenance flag) and returns the record now held. Written to
 * disk before it is held in memory: a failed write leaves both as they were.
 * An update that changes nothing writes nothing and is not audited, so the
 * poller's catch-up pushes cost no disk writes.
 */
function updateMembership(
  deps: CoreDeps,
  m: MembershipRecord,
  body: MembershipUpdateRequest,
  source: string,
): MembershipRecord {
  const was = { cluster: m.cluster.name, maintenance: m.maintenance === true };
  if (m.cluster.id === body.cluster.id && was.cluster === body.cluster.name && was.maintenance === body.maintenance)
    return m;
  const next: MembershipRecord = { ...m, cluster: { ...body.cluster }, maintenance: body.maintenance };
  try {
    saveMembership(deps.stateDir, next);
  } catch (err) {
    deps.log.error({ err }, 'membership could not be saved');
    throw new QuantixError('STATE_WRITE_FAILED');
  }
  const changes = [
    ...(was.cluster !== body.cluster.name || m.cluster.id !== body.cluster.id
      ? [`cluster ${was.cluster} -> ${body.cluster.name}`]
      : []),
    ...(was.maintenance !== body.maintenance ? [`maintenance ${body.maintenance ? 'on' : 'off'}`] : []),
  ];
  deps.audit.write({
    action: 'membership.update',
    outcome: 'ok',
    source,
    vdcId: m.vdc.id,
    nodeId: m.nodeId,
    clusterId: body.cluster.id,
    detail: changes.join(', '),
  });
  deps.log.info(
    { clusterId: body.cluster.id, clusterName: body.cluster.name, maintenance: body.maintenance, source },
    'membership updated by the vDC',
  );
  return next;
}

/** Generates a token (refused while managed) living ttlSeconds, or the agent's default lifetime. */
async function generateToken(
  deps: CoreDeps,
  membership: () => MembershipRecord | null,
  ttlSeconds?: number,
): Promise<TokenInfo> {
  const record = await deps.tokens.generate(() => {
    if (membership()) throw new QuantixError('HOST_MANAGED');
  }, ttlSeconds);
  deps.audit.write({
    action: 'token.generate',
    outcome: 'ok',
    source: 'local',
    detail: `expires ${new Date(record.expiresAtMs).toISOString()}, lifetime ${Math.round((record.expiresAtMs - record.createdAtMs) / 1000)} s`,
  });
  deps.log.info({ expiresAt: new Date(record.expiresAtMs).toISOString() }, 'registration token generated');
  return tokenInfo(deps, record);
}

/** The active token. */
function currentToken(deps: CoreDeps): TokenInfo {
  const l = deps.tokens.lookup();
  if (l.state !== 'active' || !l.record.canonical) throw unusable(l);
  return tokenInfo(deps, l.record as TokenRecord & { canonical: string });
}

/** Revokes the active token. */
function revokeToken(deps: CoreDeps): TokenState {
  if (!deps.tokens.revoke())
    throw new QuantixError('NO_ACTIVE_TOKEN', {
      message: 'There is no active registration token to revoke.',
      hint: 'Nothing to do.',
    });
  deps.audit.write({ action: 'token.revoke', outcome: 'ok', source: 'local' });
  deps.log.info('registration token revoked by the operator');
  return tokenStateOf(deps.tokens.lookup());
}

/** Local status. */
async function localStatus(deps: CoreDeps, membership: MembershipRecord | null): Promise<LocalStatus> {
  const id = deps.identity();
  return {
    hostId: id.hostId,
    hostname: id.hostname,
    agentVersion: id.agentVersion,
    agentInstanceId: id.instanceId,
    managementAddresses: deps.addresses(),
    certificateFingerprint: id.fingerprint,
    port: id.port,
    membership: membershipView(membership),
    token: tokenStateOf(deps.tokens.lookup()),
    usage: await liveUsage(deps),
    time: isoNow(deps),
  };
}

/** Creates the agent core. */
export function createCore(deps: CoreDeps) {
  const { now, log, audit, refusals, tokens } = deps;
  let membership = deps.membership;
  let contactPersistedAt = 0;
  const iso = () => isoNow(deps);

  return {
    /** This agent's identity. */
    identity: deps.identity,
    /** The inventory collector. */
    inventory: deps.inventory,
    /** Current membership record (with the pinned fingerprint). */
    membership: () => membership,

    /** `hello`: unauthenticated identity and clock. */
    hello(): HelloResponse {
      const id = deps.identity();
      return {
        apiVersion: AGENT_API_VERSION,
        hostId: id.hostId,
        hostname: id.hostname,
        agentVersion: id.agentVersion,
        managed: membership !== null,
        time: iso(),
      };
    },

    /**
     * Checks a request proof. Synchronous on purpose: nothing can run between
     * this check and a join's consumption of the token.
     */
    verifyProof: (req: ProofRequest): VerifiedProof => verifyProof(deps, req),

    /** Discovery after a verified proof. */
    discovery: (proof: VerifiedProof): Promise<DiscoveryResponse> => discovery(deps, () => membership, proof),

    /**
     * Join after a verified proof. Synchronous from the proof check to the
     * token's consumption, so of concurrent joins exactly one wins.
     */
    join(proof: VerifiedProof, body: JoinRequest, source: string): JoinResponse {
      const l = proof.lookup;
      if (l.state === 'used') {
        const m = membership;
        if (
          m &&
          m.vdc.id === body.vdc.id &&
          m.nodeId === body.nodeId &&
          m.vdc.clientCertFingerprint === body.vdc.clientCertFingerprint
        ) {
          audit.write({
            action: 'join.repeat',
            outcome: 'ok',
            source,
            vdcId: m.vdc.id,
            nodeId: m.nodeId,
            clusterId: m.cluster.id,
          });
          return joinResponse(deps, m);
        }
        audit.write({
          action: 'join',
          outcome: 'error',
          source,
          code: 'TOKEN_ALREADY_USED',
          vdcId: body.vdc.id,
          nodeId: body.nodeId,
        });
        throw new QuantixError('TOKEN_ALREADY_USED');
      }
      if (l.state !== 'active') throw unusable(l);
      if (membership) throw new QuantixError('HOST_MANAGED');
      const record: MembershipRecord = {
        vdc: { ...body.vdc },
        cluster: { ...body.cluster },
        nodeId: body.nodeId,
        joinedAt: iso(),
        lastContactAt: null,
      };
      try {
        saveMembership(deps.stateDir, record);
      } catch (err) {
        log.error({ err }, 'membership could not be saved');
        throw new QuantixError('STATE_WRITE_FAILED');
      }
      tokens.consume();
      membership = record;
      contactPersistedAt = now();
      audit.write({
        action: 'join',
        outcome: 'ok',
        source,
        vdcId: record.vdc.id,
        nodeId: record.nodeId,
        clusterId: record.cluster.id,
        detail: `cluster ${record.cluster.name} on vDC ${record.vdc.name}`,
      });
      log.info(
        {
          vdcId: record.vdc.id,
          vdcName: record.vdc.name,
          clusterId: record.cluster.id,
          clusterName: record.cluster.name,
          nodeId: record.nodeId,
          source,
        },
        'joined cluster',
      );
      return joinResponse(deps, record);
    },

    /** Checks a client certificate against the pinned vDC and notes the contact. */
    authorizeNode(peerFingerprint: string | null, source: string, path: string): MembershipRecord {
      const m = membership;
      if (!m) throw new QuantixError('NOT_MANAGED');
      if (peerFingerprint !== m.vdc.clientCertFingerprint) {
        refusals.refused({
          action: 'node.refused',
          source,
          target: path,
          code: 'NOT_MANAGED_BY_YOU',
          detail: peerFingerprint ? `client certificate ${shortFingerprint(peerFingerprint)}` : 'no client certificate',
        });
        throw new QuantixError('NOT_MANAGED_BY_YOU');
      }
      m.lastContactAt = iso();
      if (now() - contactPersistedAt >= CONTACT_PERSIST_MS) {
        contactPersistedAt = now();
        try {
          saveMembership(deps.stateDir, m);
        } catch (err) {
          // Contact time is informative; failing the heartbeat for it would mark a healthy host disconnected.
          log.warn({ err }, 'last contact time could not be saved');
        }
      }
      return m;
    },

    /** Network node status. */
    nodeStatus: (m: MembershipRecord): Promise<NodeStatusResponse> => nodeStatus(deps, m),

    /** The managing vDC's push of cluster and maintenance (after authorizeNode); answers the membership held now. */
    updateMembership(m: MembershipRecord, body: MembershipUpdateRequest, source: string): Membership {
      const next = updateMembership(deps, m, body, source);
      if (membership === m) membership = next;
      return membershipView(next)!;
    },

    /** Leaves the cluster (local operator or the managing vDC). */
    leave(source: string): LeaveResponse {
      const m = membership;
      if (!m) throw new QuantixError('NOT_MANAGED');
      try {
        clearMembership(deps.stateDir);
      } catch (err) {
        log.error({ err }, 'membership could not be removed');
        throw new QuantixError('STATE_WRITE_FAILED');
      }
      membership = null;
      const leftAt = iso();
      audit.write({
        action: 'leave',
        outcome: 'ok',
        source,
        vdcId: m.vdc.id,
        nodeId: m.nodeId,
        clusterId: m.cluster.id,
      });
      log.info({ vdcId: m.vdc.id, clusterId: m.cluster.id, nodeId: m.nodeId, source }, 'left cluster');
      return {
        hostId: deps.identity().hostId,
        nodeId: m.nodeId,
        vdc: { id: m.vdc.id, name: m.vdc.name, url: m.vdc.url },
        cluster: { ...m.cluster },
        leftAt,
      };
    },

    /** Generates a token (refused while managed) living ttlSeconds, or the agent's default lifetime. */
    generateToken: (ttlSeconds?: number): Promise<TokenInfo> => generateToken(deps, () => membership, ttlSeconds),

    /** The active token. */
    currentToken: (): TokenInfo => currentToken(deps),

    /** Revokes the active token. */
    revokeToken: (): TokenState => revokeToken(deps),

    /** Local status. */
    localStatus: (): Promise<LocalStatus> => localStatus(deps, membership),

    /** Forgets the token (shutdown). */
    dropToken(): void {
      tokens.clear();
    },

    /** Proof header value for an answer body. */
    hostProof(sign: { key: Buffer; nonce: string; fingerprint: string }, body: string): string {
      return computeHostProof(sign.key, sign.nonce, sign.fingerprint, body);
    },
  };
}

/** The agent core. */
export type AgentCore = ReturnType<typeof createCore>;
