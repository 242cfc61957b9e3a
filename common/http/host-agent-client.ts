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
import net from 'node:net';
import {
  AGENT_PATHS,
  AGENT_PORT,
  type AgentErrorBody,
  checkDiscoveryResponse,
  checkHelloResponse,
  checkInventory,
  checkJoinResponse,
  checkLeaveResponse,
  checkNodeStatusResponse,
  type DiscoveryResponse,
  type HelloResponse,
  type JoinRequest,
  type JoinResponse,
  type LeaveResponse,
  type NodeStatusResponse,
  readAgentErrorBody,
} from '../protocol/agent-api.js';
import { QuantixError } from '../protocol/errors.js';
import type { Inventory } from '../protocol/inventory.js';
import { computeHostProof, computeRequestMac, formatAuthorization, HOST_PROOF_HEADER, macEquals } from '../protocol/proof.js';
import { type Endpoint, parseJsonBody, type RawResponse, request, REQUEST_DEFAULTS, type TlsConnectionPool } from './request.js';
import { formatHostPort } from '../protocol/host-port.js';

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

function retryAfter(headers: IncomingHttpHeaders): number | undefined {
  const v = headers['retry-after'];
  const n = typeof v === 'string' && /^[0-9]{1,6}$/.test(v) ? Number(v) : NaN;
  return Number.isFinite(n) ? n : undefined;
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
      ...(mutual && this.opts.clientCertificate ? { clientCert: this.opts.clientCertificate.certPem, clientKey: this.opts.clientCertificate.keyPem } : {}),
      ...(this.opts.localAddress ? { localAddress: this.opts.localAddress } : {}),
      ...(mutual && idempotent && this.opts.connections ? { pool: this.opts.connections } : {}),
    };
  }

  private send(mutual: boolean, method: 'GET' | 'POST', path: string, headers: Record<string, string>, body?: string): Promise<RawResponse> {
    return request(this.endpoint(mutual, method === 'GET'), {
      method,
      path,
      headers,
      ...(body === undefined ? {} : { body }),
      connectTimeoutMs: this.opts.connectTimeoutMs ?? REQUEST_DEFAULTS.connectTimeoutMs,
      responseTimeoutMs: this.opts.responseTimeoutMs ?? REQUEST_DEFAULTS.responseTimeoutMs,
      ...(this.opts.signal ? { signal: this.opts.signal } : {}),
    });
  }

  /** Turns an error answer into the host's QuantixError. */
  private hostError(res: RawResponse, body: AgentErrorBody | null): QuantixError {
    if (!body) {
      return new QuantixError('HOST_PROTOCOL_ERROR', { message: `${this.where} answered HTTP ${res.status} without an error code.` });
    }
    const ra = body.retryAfterSeconds ?? retryAfter(res.headers);
    return new QuantixError(body.code, {
      ...(body.message ? { message: body.message } : {}),
      ...(body.hint ? { hint: body.hint } : {}),
      ...(ra !== undefined ? { retryAfterSeconds: ra } : {}),
      ...(body.details ? { details: body.details } : {}),
    });
  }

  /**
   * First contact: learns and pins the host's certificate (unless one was
   * given, which must then match) and the host's clock offset.
   */
  async hello(): Promise<HelloResult> {
    const sentAt = this.now();
    const res = await this.send(false, 'GET', AGENT_PATHS.hello, {});
    const receivedAt = this.now();
    const json = parseJsonBody(res, this.where);
    if (res.status !== 200) throw this.hostError(res, readAgentErrorBody(json));
    const hello = checkHelloResponse(json);
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
    const res = await this.send(false, method, path, { authorization: formatAuthorization(ts, nonce, mac) }, method === 'POST' ? body : undefined);
    const proofHeader = res.headers[HOST_PROOF_HEADER];
    const proof = typeof proofHeader === 'string' ? proofHeader : '';
    if (res.status >= 200 && res.status < 300) {
      if (!proof || !macEquals(proof, computeHostProof(key, nonce, fingerprint, res.body))) {
        throw new QuantixError('HOST_PROOF_INVALID', { message: `The answer from ${this.where} carries no valid proof made with this token.` });
      }
      return parseJsonBody(res, this.where);
    }
    const err = readAgentErrorBody(parseJsonBody(res, this.where));
    if (err?.code === 'TOKEN_INVALID' && err.certificateFingerprint && proof) {
      // The host signs its own fingerprint: if the token is right and that differs from what we see, TLS is intercepted.
      const own = err.certificateFingerprint;
      if (own !== fingerprint && macEquals(proof, computeHostProof(key, nonce, own, res.body))) {
        throw new QuantixError('HOST_IDENTITY_MISMATCH', {
          message: `The host at ${this.where} serves certificate ${own.slice(0, 16)}…, but this connection presented ${fingerprint.slice(0, 16)}…: something intercepts TLS.`,
        });
      }
    }
    throw this.hostError(res, err);
  }

  /** Full inventory and identity, proven with the token-derived key. */
  async discovery(key: Uint8Array): Promise<DiscoveryResponse> {
    return checkDiscoveryResponse(await this.proven(key, 'GET', AGENT_PATHS.discovery, ''));
  }

  /** Joins the host to a cluster; consumes the token. A repeat by the same vDC and nodeId returns the same answer. */
  async join(key: Uint8Array, body: JoinRequest): Promise<JoinResponse> {
    return checkJoinResponse(await this.proven(key, 'POST', AGENT_PATHS.join, JSON.stringify(body)));
  }

  /** Sends a node request over mutual TLS. */
  private async mutual(method: 'GET' | 'POST', path: string): Promise<unknown> {
    if (this.pinned === null) {
      throw new QuantixError('INTERNAL', { message: `Node requests to ${this.where} need the host's pinned certificate fingerprint.` });
    }
    const res = await this.send(true, method, path, {}, method === 'POST' ? '{}' : undefined);
    const json = parseJsonBody(res, this.where);
    if (res.status >= 200 && res.status < 300) return json;
    throw this.hostError(res, readAgentErrorBody(json));
  }

  /** Heartbeat: membership and live usage. */
  async status(): Promise<NodeStatusResponse> {
    return checkNodeStatusResponse(await this.mutual('GET', AGENT_PATHS.nodeStatus));
  }

  /** The host's inventory; `refresh` collects it again first. */
  async inventory(opts: { refresh?: boolean } = {}): Promise<Inventory> {
    return checkInventory(await this.mutual('GET', `${AGENT_PATHS.nodeInventory}${opts.refresh ? '?refresh=true' : ''}`));
  }

  /** Tells the host it no longer belongs to this vDC. */
  async leave(): Promise<LeaveResponse> {
    return checkLeaveResponse(await this.mutual('POST', AGENT_PATHS.nodeLeave));
  }
}
