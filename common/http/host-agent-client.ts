/**
 * The vDC's client of a host agent's network API. Registration calls carry a
 * request proof made with the token-derived key over the certificate this
 * client pinned at hello, written on the host's clock; every answer to them
 * must carry the host's proof. Node calls use mutual TLS with the vDC's
 * client certificate. Everything goes through `request`, so pinning,
 * timeouts and size caps are the same as everywhere else.
 */
import { randomBytes } from 'node:crypto';
import type { IncomingHttpHeaders } from 'node:http';
import {
  AGENT_NETWORK_ERROR_CODES,
  AGENT_PATHS,
  AgentErrorBody,
  type AgentNetworkErrorCode,
  checkAgentReply,
  checkHelloResponse,
  DiscoveryResponse,
  type HelloResponse,
  type JoinRequest,
  JoinResponse,
  LeaveResponse,
  Membership,
  type MembershipUpdateRequest,
  NodeStatusResponse,
} from '../protocol/agent-api.js';
import { type ErrorCode, QuantixError } from '../protocol/errors.js';
import { readErrorBody } from '../protocol/schema.js';
import { Inventory } from '../protocol/inventory.js';
import {
  computeHostProof,
  computeRequestMac,
  formatAuthorization,
  HOST_PROOF_HEADER,
  macEquals,
} from '../protocol/proof.js';
import {
  type Endpoint,
  parseJsonBody,
  type RawResponse,
  request,
  REQUEST_DEFAULTS,
  type TlsConnectionPool,
} from './request.js';
import { shortFingerprint } from '../format/fingerprint.js';
import { formatHostPort } from '../protocol/host-port.js';
import { AGENT_PORT } from '../protocol/ports.js';

/** Options of a HostAgentClient. */
export interface HostAgentClientOptions {
  /** Host name, IPv4 or bare IPv6 address of the host. */
  host: string;
  /** Network API port (default 8443). */
  port?: number;
  /** Known certificate fingerprint of the host; null or absent to learn it at hello. */
  pinnedFingerprint?: string | null;
  /** Host clock minus local clock (ms), when known from an earlier hello. */
  clockOffsetMs?: number;
  /** The vDC's client certificate and key (PEM), for the node endpoints. */
  clientCertificate?: { certPem: string; keyPem: string };
  /** TCP + TLS handshake limit (default 5 s). */
  connectTimeoutMs?: number;
  /** Limit for the whole answer (default 20 s). */
  responseTimeoutMs?: number;
  /** Local address to connect from. */
  localAddress?: string;
  /** Local clock in ms (injectable). */
  now?: () => number;
  /** Aborts every request of this client. */
  signal?: AbortSignal;
  /** Kept-alive connections for the mutual-TLS reads (status, inventory): a poller's repeated checks. */
  connections?: TlsConnectionPool;
}

/** What the first contact learnt. */
export interface HelloResult {
  hello: HelloResponse;
  /** Fingerprint of the certificate the host presented; pinned from now on. */
  fingerprint: string;
  /** Host clock minus local clock, ms. */
  clockOffsetMs: number;
}

/**
 * The largest agent answers read: discovery and inventory. The biggest
 * fixture host (2 sockets, 8 interfaces, 7 disks with partitions, NFS,
 * iSCSI, a GPU) serialises to 6.6 KB, about 440 bytes per disk or
 * interface; 512 KiB holds some 1,100 of them, far beyond any real host,
 * while 16 discoveries at once hold at most 8 MiB of answers.
 */
export const AGENT_LARGE_RESPONSE_BYTES = 512 * 1024;

/** Every other agent answer (hello, status, join, leave, errors): well under 2 KB in practice. */
export const AGENT_SMALL_RESPONSE_BYTES = 64 * 1024;

/** The longest wait a host's Retry-After may ask for, seconds: a larger or malformed one is not believed. */
const MAX_RETRY_AFTER_SECONDS = 3600;

function retryAfter(body: AgentErrorBody, headers: IncomingHttpHeaders): number | undefined {
  const fromBody = body.retryAfterSeconds;
  const v = headers['retry-after'];
  const n = fromBody !== undefined ? fromBody : typeof v === 'string' && /^[0-9]{1,6}$/.test(v) ? Number(v) : NaN;
  return Number.isInteger(n) && n >= 0 ? Math.min(n, MAX_RETRY_AFTER_SECONDS) : undefined;
}

/** Agent codes that keep their meaning at the vDC; the others are the agent refusing the request's form, or failing. */
const MEANINGFUL = new Set<AgentNetworkErrorCode>([
  'TOKEN_INVALID',
  'NO_ACTIVE_TOKEN',
  'TOKEN_EXPIRED',
  'TOKEN_ALREADY_USED',
  'TOKEN_REVOKED',
  'RATE_LIMITED',
  'HOST_MANAGED',
  'NOT_MANAGED',
  'NOT_MANAGED_BY_YOU',
]);
const FAILURES = new Set<AgentNetworkErrorCode>(['INTERNAL', 'BUSY']);

function isAgentCode(code: unknown): code is AgentNetworkErrorCode {
  return typeof code === 'string' && (AGENT_NETWORK_ERROR_CODES as readonly string[]).includes(code);
}

/**
 * An error answer from a host agent, told in the vDC's own words: the code
 * the agent sent is kept for the vDC's decisions (did the host refuse the
 * join?), its message, hint and details never are.
 */
export class HostAgentError extends QuantixError {
  constructor(
    /** The code of the agent's catalogue that the host answered with. */
    readonly agentCode: AgentNetworkErrorCode,
    code: ErrorCode,
    opts: ConstructorParameters<typeof QuantixError>[1] = {},
  ) {
    super(code, opts);
  }
}

/** The agent code behind an error (through the causes it was wrapped in), or null when no agent answered with one. */
export function agentCodeOf(err: unknown): AgentNetworkErrorCode | null {
  for (let e = err, depth = 0; e instanceof Error && depth < 8; e = e.cause, depth++) {
    if (e instanceof HostAgentError) return e.agentCode;
  }
  return null;
}

/** A client of one host agent. */
export class HostAgentClient {
  private readonly opts: HostAgentClientOptions;
  private readonly now: () => number;
  private pinned: string | null;
  private offsetMs: number;

  constructor(opts: HostAgentClientOptions) {
    this.opts = opts;
    this.now = opts.now ?? Date.now;
    this.pinned = opts.pinnedFingerprint ?? null;
    this.offsetMs = opts.clockOffsetMs ?? 0;
  }

  /** The pinned certificate fingerprint (null before hello when none was given). */
  get fingerprint(): string | null {
    return this.pinned;
  }

  /** Host clock minus local clock, ms (0 before hello when none was given). */
  get clockOffsetMs(): number {
    return this.offsetMs;
  }

  /** `host:port` for messages. */
  get where(): string {
    return formatHostPort(this.opts.host, this.opts.port ?? AGENT_PORT);
  }

  private endpoint(mutual: boolean, idempotent = false): Endpoint {
    return {
      kind: 'tls',
      host: this.opts.host,
      port: this.opts.port ?? AGENT_PORT,
      pinnedFingerprint: this.pinned,
      ...(mutual && this.opts.clientCertificate
        ? { clientCert: this.opts.clientCertificate.certPem, clientKey: this.opts.clientCertificate.keyPem }
        : {}),
      ...(this.opts.localAddress ? { localAddress: this.opts.localAddress } : {}),
      ...(mutual && idempotent && this.opts.connections ? { pool: this.opts.connections } : {}),
    };
  }

  private send(
    mutual: boolean,
    method: 'GET' | 'POST' | 'PUT',
    path: string,
    headers: Record<string, string>,
    body?: string,
  ): Promise<RawResponse> {
    const large = path === AGENT_PATHS.discovery || path.startsWith(AGENT_PATHS.nodeInventory);
    return request(this.endpoint(mutual, method === 'GET'), {
      method,
      path,
      headers,
      ...(body === undefined ? {} : { body }),
      maxResponseBytes: large ? AGENT_LARGE_RESPONSE_BYTES : AGENT_SMALL_RESPONSE_BYTES,
      connectTimeoutMs: this.opts.connectTimeoutMs ?? REQUEST_DEFAULTS.connectTimeoutMs,
      responseTimeoutMs: this.opts.responseTimeoutMs ?? REQUEST_DEFAULTS.responseTimeoutMs,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    });
  }

  /** The answer of a service that is not a Quantix host agent: nothing of what it said is repeated. */
  private notAnAgent(): QuantixError {
    return new QuantixError('HOST_PROTOCOL_ERROR', {
      message: `The service at ${this.where} is not a Quantix host agent.`,
      hint: `Check the address and port: the host agent listens on port ${AGENT_PORT} unless set otherwise, and the host console (F4) shows the address to use.`,
    });
  }

  /**
   * Turns an error answer into an error in the vDC's words. Only codes of
   * the agent's catalogue are believed, whatever HTTP status came with them;
   * anything else means the peer is not a Quantix agent. The vDC's status
   * comes from its own catalogue, never from the peer's.
   */
  private hostError(res: RawResponse, json: unknown): QuantixError {
    const read = readErrorBody(AgentErrorBody, json);
    const code = read.ok ? read.sentCode : undefined;
    if (!read.ok || !isAgentCode(code)) return this.notAnAgent();
    if (MEANINGFUL.has(code)) {
      const ra = code === 'RATE_LIMITED' ? retryAfter(read.body, res.headers) : undefined;
      return new HostAgentError(code, code, ra !== undefined ? { retryAfterSeconds: ra } : {});
    }
    // An agent shutting down answers requests already on their way; to the vDC the host is going away.
    if (code === 'SERVICE_STOPPING') {
      return new HostAgentError(code, 'HOST_UNREACHABLE', {
        message: `The host agent at ${this.where} could not be reached (it is stopping).`,
      });
    }
    // A full or read-only state directory on the host is something the administrator can act on.
    if (code === 'STATE_WRITE_FAILED') return new HostAgentError(code, 'HOST_STATE_WRITE_FAILED');
    if (FAILURES.has(code))
      return new HostAgentError(code, 'HOST_AGENT_FAILED', {
        message: `The host agent at ${this.where} could not answer the request (${code}).`,
      });
    return new HostAgentError(code, 'HOST_PROTOCOL_ERROR', {
      message: `The host agent at ${this.where} refused the vDC's request (${code}).`,
      hint: 'Check that the host runs a quantix-node version this vDC speaks (the same release, or one close to it).',
    });
  }

  /** The JSON of an answer, or null when it is not JSON. */
  private json(res: RawResponse): unknown {
    try {
      return parseJsonBody(res, this.where);
    } catch {
      return null;
    }
  }

  /**
   * First contact: learns and pins the host's certificate (unless one was
   * given, which must then match) and the host's clock offset.
   */
  async hello(): Promise<HelloResult> {
    const sentAt = this.now();
    let res: RawResponse;
    try {
      res = await this.send(false, 'GET', AGENT_PATHS.hello, {});
    } catch (err) {
      // Too long an answer to hello is not an agent's (the cap is far above any hello).
      throw err instanceof QuantixError && err.code === 'HOST_PROTOCOL_ERROR' ? this.notAnAgent() : err;
    }
    const receivedAt = this.now();
    const json = this.json(res);
    if (res.status !== 200) throw this.hostError(res, json);
    let hello: HelloResponse;
    try {
      hello = checkHelloResponse(json);
    } catch {
      throw this.notAnAgent();
    }
    // The host read its clock somewhere between sending and receiving: the midpoint is the best estimate.
    this.offsetMs = Math.round(Date.parse(hello.time) - (sentAt + receivedAt) / 2);
    this.pinned = res.peerFingerprint;
    return { hello, fingerprint: res.peerFingerprint!, clockOffsetMs: this.offsetMs };
  }

  /** Sends a proof-authenticated request and returns the verified JSON answer. */
  private async proven(key: Uint8Array, method: 'GET' | 'POST', path: string, body: string): Promise<unknown> {
    if (this.pinned === null) await this.hello();
    const fingerprint = this.pinned!;
    const ts = String(Math.floor((this.now() + this.offsetMs) / 1000));
    const nonce = randomBytes(16).toString('base64url');
    const mac = computeRequestMac(key, { method, path, ts, nonce, fingerprint, body });
    const res = await this.send(
      false,
      method,
      path,
      { authorization: formatAuthorization(ts, nonce, mac) },
      method === 'POST' ? body : undefined,
    );
    const proofHeader = res.headers[HOST_PROOF_HEADER];
    const proof = typeof proofHeader === 'string' ? proofHeader : '';
    if (res.status >= 200 && res.status < 300) {
      if (!proof || !macEquals(proof, computeHostProof(key, nonce, fingerprint, res.body))) {
        throw new QuantixError('HOST_PROOF_INVALID', {
          message: `The answer from ${this.where} carries no valid proof made with this token.`,
        });
      }
      return parseJsonBody(res, this.where);
    }
    const json = this.json(res);
    const read = readErrorBody(AgentErrorBody, json);
    const err = read.ok ? read.body : null;
    if (err?.code === 'TOKEN_INVALID' && err.certificateFingerprint && proof) {
      // The host signs its own fingerprint: if the token is right and that differs from what we see, TLS is intercepted.
      const own = err.certificateFingerprint;
      if (own !== fingerprint && macEquals(proof, computeHostProof(key, nonce, own, res.body))) {
        throw new QuantixError('HOST_IDENTITY_MISMATCH', {
          message: `The host at ${this.where} serves certificate ${shortFingerprint(own)}, but this connection presented ${shortFingerprint(fingerprint)}: something intercepts TLS.`,
        });
      }
    }
    throw this.hostError(res, json);
  }

  /** Full inventory and identity, proven with the token-derived key. */
  async discovery(key: Uint8Array): Promise<DiscoveryResponse> {
    return checkAgentReply(DiscoveryResponse, await this.proven(key, 'GET', AGENT_PATHS.discovery, ''), 'discovery');
  }

  /** Joins the host to a cluster; consumes the token. A repeat by the same vDC and nodeId returns the same answer. */
  async join(key: Uint8Array, body: JoinRequest): Promise<JoinResponse> {
    return checkAgentReply(
      JoinResponse,
      await this.proven(key, 'POST', AGENT_PATHS.join, JSON.stringify(body)),
      'join',
    );
  }

  /** Sends a node request over mutual TLS. */
  private async mutual(method: 'GET' | 'POST' | 'PUT', path: string, body = '{}'): Promise<unknown> {
    if (this.pinned === null) {
      throw new QuantixError('INTERNAL', {
        message: `Node requests to ${this.where} need the host's pinned certificate fingerprint.`,
      });
    }
    const res = await this.send(true, method, path, {}, method === 'GET' ? undefined : body);
    if (res.status >= 200 && res.status < 300) return parseJsonBody(res, this.where);
    throw this.hostError(res, this.json(res));
  }

  /** Heartbeat: membership and live usage. */
  async status(): Promise<NodeStatusResponse> {
    return checkAgentReply(NodeStatusResponse, await this.mutual('GET', AGENT_PATHS.nodeStatus), 'status');
  }

  /** The host's inventory; `refresh` collects it again first. */
  async inventory(opts: { refresh?: boolean } = {}): Promise<Inventory> {
    return checkAgentReply(
      Inventory,
      await this.mutual('GET', `${AGENT_PATHS.nodeInventory}${opts.refresh ? '?refresh=true' : ''}`),
      'inventory',
    );
  }

  /** Pushes the membership state this vDC holds for the host (cluster, maintenance); answers what the host now holds. */
  async updateMembership(body: MembershipUpdateRequest): Promise<Membership> {
    return checkAgentReply(
      Membership,
      await this.mutual('PUT', AGENT_PATHS.nodeMembership, JSON.stringify(body)),
      'membership',
    );
  }

  /** Tells the host it no longer belongs to this vDC. */
  async leave(): Promise<LeaveResponse> {
    return checkAgentReply(LeaveResponse, await this.mutual('POST', AGENT_PATHS.nodeLeave), 'leave');
  }
}
