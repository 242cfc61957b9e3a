/**
 * `VdcClient`: how the vDC console and CLI reach `quantix-vdc serve`, over
 * its Unix socket (the file mode is the access control) or over HTTPS with an
 * API token, the server certificate pinned by fingerprint. Every reply is
 * checked against the shapes in `common/protocol/vdc-api.ts`; every failure
 * is a `QuantixError` carrying the server's code, phase and hint.
 */
import {
  AuditListResponse,
  type AuditQuery,
  ApiTokenInfo,
  ApiTokenListResponse,
  type Cluster,
  CreateApiTokenResponse,
  type CreateClusterRequest,
  type DiscoverRequest,
  DiscoverResponse,
  type DiscoverStage,
  HealthResponse,
  MaintenanceResponse,
  MoveNodeResponse,
  NodeDetail,
  type NodeSummary,
  type RegisterRequest,
  RefreshNodeResponse,
  RemoveNodeResponse,
  SessionResponse,
  RenameClusterResponse,
  TrendResponse,
  NDJSON,
  VDC_PATHS,
  checkCluster,
  checkClusterList,
  checkNodeList,
  checkVdcReply,
  errorFromBody,
  parseHostAddressInput,
} from '../protocol/vdc-api.js';
import { QuantixError } from '../protocol/errors.js';
import { type Endpoint, type RawResponse, request, type RequestOptions } from './request.js';
import { DiscoverStreamReader, isStream } from './discover-stream.js';
import { formatHostPort } from '../protocol/host-port.js';
import { VDC_PORT } from '../protocol/ports.js';

/** Where the vDC is and how to authenticate. */
export type VdcTarget =
  | { kind: 'socket'; socketPath: string }
  | {
      kind: 'https';
      host: string;
      port: number;
      /** `qxa_…` from `quantix-vdc api-token create` (empty: send none, the vDC answers UNAUTHORIZED). */
      apiToken: string;
      /** The vDC server certificate's fingerprint pinned at login. */
      fingerprint: string;
    };

/** Limits of a VdcClient. */
export interface VdcClientOptions {
  /** Connecting to the vDC (default 5 s). */
  connectTimeoutMs?: number;
  /** Ordinary requests (default 15 s). */
  responseTimeoutMs?: number;
  /** Discover and register, which wait for a host (default 90 s). */
  hostOperationTimeoutMs?: number;
}

/** Per-call options. */
export interface CallOptions {
  signal?: AbortSignal;
}

/** Options of `discover`. */
export interface DiscoverOptions extends CallOptions {
  /** Called as the vDC enters each stage: connecting, verifying, collecting. */
  onStage?: (stage: DiscoverStage) => void;
}

const MAX_RESPONSE_BYTES = 16 * 1024 * 1024;

/** Parses a vDC server address (`host[:port]`, `[v6]:port` or `https://…`, port 9443 by default). */
export function parseVdcServerAddress(input: string): { host: string; port: number } {
  const r = parseHostAddressInput(input, VDC_PORT);
  if (!r.ok) {
    throw new QuantixError('VALIDATION_ERROR', {
      message: `Invalid vDC address: ${r.problem}.`,
      hint: 'Give the vDC as host[:port] or https://host[:port] (port 9443 by default).',
    });
  }
  return { host: r.address.host, port: r.address.port };
}

/** Maps a transport failure to words about the vDC (request.ts speaks of hosts). */
function vdcTransportError(err: unknown, where: string): QuantixError {
  if (!(err instanceof QuantixError))
    return new QuantixError('VDC_UNREACHABLE', { message: `${where} could not be reached.`, cause: err });
  switch (err.code) {
    case 'HOST_UNREACHABLE':
    case 'TLS_ERROR':
      return new QuantixError('VDC_UNREACHABLE', {
        message: err.message.replace(/^the local socket/, 'The vDC socket'),
        cause: err,
      });
    case 'HOST_IDENTITY_CHANGED':
      return new QuantixError('VDC_IDENTITY_CHANGED', { message: err.message, cause: err });
    case 'PERMISSION_DENIED':
      return new QuantixError('PERMISSION_DENIED', {
        message: `Permission denied opening ${where}.`,
        hint: 'Run it as the user quantix-vdc runs as (root on the appliance), e.g. with sudo; or use a remote console with --server and an API token.',
        cause: err,
      });
    case 'CONNECTION_TIMEOUT':
      return new QuantixError('CONNECTION_TIMEOUT', {
        message: err.message,
        hint: 'The vDC did not answer in time; check that it is running and not overloaded, then retry.',
        cause: err,
      });
    default:
      return err;
  }
}

/**
 * Connects to the vDC's HTTPS listener without a pin and returns the
 * fingerprint of the certificate it presents, for the console to show once
 * and pin (as ssh does on first contact). Sends no credentials.
 */
export async function fetchVdcFingerprint(
  host: string,
  port: number,
  opts: { connectTimeoutMs?: number; signal?: AbortSignal } = {},
): Promise<string> {
  let res: RawResponse;
  try {
    res = await request(
      { kind: 'tls', host, port, pinnedFingerprint: null },
      {
        method: 'GET',
        path: VDC_PATHS.health,
        connectTimeoutMs: opts.connectTimeoutMs ?? 5_000,
        responseTimeoutMs: 5_000,
        maxResponseBytes: 64 * 1024,
        ...(opts.signal ? { signal: opts.signal } : {}),
      },
    );
  } catch (err) {
    throw vdcTransportError(err, formatHostPort(host, port));
  }
  if (!res.peerFingerprint)
    throw new QuantixError('VDC_UNREACHABLE', { message: `${formatHostPort(host, port)} presented no certificate.` });
  return res.peerFingerprint;
}

/** Client of the vDC API; one instance per target, safe to share. */
export class VdcClient {
  private readonly endpoint: Endpoint;
  private readonly where: string;
  private readonly authHeader: Record<string, string>;
  private readonly connectTimeoutMs: number;
  private readonly responseTimeoutMs: number;
  private readonly hostOperationTimeoutMs: number;
  /** The last list read per path with its tag: a list that did not change comes back as the same array. */
  private readonly lists = new Map<string, { etag: string; value: unknown }>();

  constructor(target: VdcTarget, opts: VdcClientOptions = {}) {
    if (target.kind === 'socket') {
      this.endpoint = { kind: 'socket', socketPath: target.socketPath };
      this.where = `the vDC socket ${target.socketPath}`;
      this.authHeader = {};
    } else {
      this.endpoint = {
        kind: 'tls',
        host: target.host,
        port: target.port,
        pinnedFingerprint: target.fingerprint.toLowerCase(),
      };
      this.where = `the vDC at ${formatHostPort(target.host, target.port)}`;
      this.authHeader = target.apiToken ? { authorization: `Bearer ${target.apiToken}` } : {};
    }
    this.connectTimeoutMs = opts.connectTimeoutMs ?? 5_000;
    this.responseTimeoutMs = opts.responseTimeoutMs ?? 15_000;
    this.hostOperationTimeoutMs = opts.hostOperationTimeoutMs ?? 90_000;
  }

  /** Service identity, certificate fingerprints, host counts and poller state. */
  async health(o: CallOptions = {}): Promise<HealthResponse> {
    return checkVdcReply(HealthResponse, await this.call('GET', VDC_PATHS.health, undefined, o), 'health');
  }

  /** Who the vDC takes this client for: the socket (full access) or an API token and its role. */
  async session(o: CallOptions = {}): Promise<SessionResponse> {
    return checkVdcReply(SessionResponse, await this.call('GET', VDC_PATHS.session, undefined, o), 'session');
  }

  /** Every cluster with its host counts. */
  async listClusters(o: CallOptions = {}): Promise<Cluster[]> {
    return await this.cachedList(VDC_PATHS.clusters, o, (json) => checkClusterList(json).clusters);
  }

  /** Creates a cluster (CLUSTER_EXISTS when the name is taken). */
  async createCluster(req: CreateClusterRequest, o: CallOptions = {}): Promise<Cluster> {
    return checkCluster(await this.call('POST', VDC_PATHS.clusters, req, o));
  }

  /** Deletes an empty cluster by id or name (CLUSTER_NOT_EMPTY while it has hosts). */
  async deleteCluster(idOrName: string, o: CallOptions = {}): Promise<Cluster> {
    return checkCluster(await this.call('DELETE', VDC_PATHS.cluster(idOrName), undefined, o));
  }

  /**
   * Asks the vDC to reach the host, verify it with the token and collect its
   * inventory. With `onStage` the vDC streams its progress; aborting the
   * signal makes the vDC abandon the discovery.
   */
  async discover(req: DiscoverRequest, o: DiscoverOptions = {}): Promise<DiscoverResponse> {
    if (!o.onStage)
      return checkVdcReply(
        DiscoverResponse,
        await this.call('POST', VDC_PATHS.discover, req, o, this.hostOperationTimeoutMs),
        'discovery',
      );
    const reader = new DiscoverStreamReader(o.onStage);
    const res = await this.send(
      'POST',
      VDC_PATHS.discover,
      req,
      o,
      this.hostOperationTimeoutMs,
      { accept: NDJSON },
      (chunk, head) => reader.push(chunk, head),
    );
    // Whether the answer is a stream at all is known from its content type (errors before the first stage are not).
    if (!isStream(res.headers)) return checkVdcReply(DiscoverResponse, this.decode(res), 'discovery');
    return reader.end();
  }

  /** Registers a discovered host into a cluster (id or exact name); returns the new node. */
  async register(req: RegisterRequest, o: CallOptions = {}): Promise<NodeDetail> {
    return checkVdcReply(
      NodeDetail,
      await this.call('POST', VDC_PATHS.register, req, o, this.hostOperationTimeoutMs),
      'node',
    );
  }

  /** Registered hosts, optionally of one cluster (id or name). */
  async listNodes(filter: { clusterId?: string } = {}, o: CallOptions = {}): Promise<NodeSummary[]> {
    const q = filter.clusterId ? `?clusterId=${encodeURIComponent(filter.clusterId)}` : '';
    return await this.cachedList(`${VDC_PATHS.nodes}${q}`, o, (json) => checkNodeList(json).nodes);
  }

  /**
   * Reads a list with the tag of the copy already held: when the vDC says
   * it has not changed (304), the held copy is returned as is (the same
   * array, so callers can skip rebuilding from it) without parsing anything.
   */
  private async cachedList<T>(path: string, o: CallOptions, check: (json: unknown) => T): Promise<T> {
    const held = this.lists.get(path);
    const res = await this.send(
      'GET',
      path,
      undefined,
      o,
      this.responseTimeoutMs,
      held ? { 'if-none-match': held.etag } : {},
    );
    if (res.status === 304 && held) return held.value as T;
    const value = check(this.decode(res));
    const etag = res.headers.etag;
    if (typeof etag === 'string' && res.status === 200) this.lists.set(path, { etag, value });
    else this.lists.delete(path);
    return value;
  }

  /** One host with its inventory, state, live usage, last contact and last error. */
  async getNode(id: string, o: CallOptions = {}): Promise<NodeDetail> {
    return checkVdcReply(NodeDetail, await this.call('GET', VDC_PATHS.node(id), undefined, o), 'node');
  }

  /** Reads the host's inventory again through the vDC; the answer says what changed. */
  async refreshNode(id: string, o: CallOptions = {}): Promise<RefreshNodeResponse> {
    return checkVdcReply(
      RefreshNodeResponse,
      await this.call('POST', VDC_PATHS.nodeRefresh(id), {}, o, this.hostOperationTimeoutMs),
      'response',
    );
  }

  /** A host's CPU and memory use over the vDC's trend window. */
  async nodeTrend(id: string, o: CallOptions = {}): Promise<TrendResponse> {
    return checkVdcReply(TrendResponse, await this.call('GET', VDC_PATHS.nodeTrend(id), undefined, o), 'trend');
  }

  /** A cluster's CPU and memory use over the vDC's trend window, derived from its hosts'. */
  async clusterTrend(idOrName: string, o: CallOptions = {}): Promise<TrendResponse> {
    return checkVdcReply(
      TrendResponse,
      await this.call('GET', VDC_PATHS.clusterTrend(idOrName), undefined, o),
      'trend',
    );
  }

  /** Tells the host to leave and forgets it; `force` forgets it even when the host cannot be reached. */
  async removeNode(id: string, opts: { force?: boolean } & CallOptions = {}): Promise<RemoveNodeResponse> {
    const q = opts.force ? '?force=true' : '';
    return checkVdcReply(
      RemoveNodeResponse,
      await this.call('DELETE', `${VDC_PATHS.node(id)}${q}`, undefined, opts, this.hostOperationTimeoutMs),
      'response',
    );
  }

  /** Puts a host in maintenance (true) or takes it out (false). */
  async setMaintenance(id: string, maintenance: boolean, o: CallOptions = {}): Promise<MaintenanceResponse> {
    return checkVdcReply(
      MaintenanceResponse,
      await this.call('PUT', VDC_PATHS.nodeMaintenance(id), { maintenance }, o, this.hostOperationTimeoutMs),
      'response',
    );
  }

  /** Moves a host to another cluster (id or name); refused, with nothing changed, when the host cannot be told. */
  async moveNode(id: string, clusterId: string, o: CallOptions = {}): Promise<MoveNodeResponse> {
    return checkVdcReply(
      MoveNodeResponse,
      await this.call('POST', VDC_PATHS.nodeMove(id), { clusterId }, o, this.hostOperationTimeoutMs),
      'response',
    );
  }

  /** Renames a cluster (CLUSTER_EXISTS when the name is taken); its hosts are told the new name. */
  async renameCluster(idOrName: string, name: string, o: CallOptions = {}): Promise<RenameClusterResponse> {
    return checkVdcReply(
      RenameClusterResponse,
      await this.call('POST', VDC_PATHS.clusterRename(idOrName), { name }, o, this.hostOperationTimeoutMs),
      'response',
    );
  }

  /** Audit records, newest first (the first page of the query). */
  async audit(query: AuditQuery = {}, o: CallOptions = {}): Promise<AuditListResponse['events']> {
    return (await this.auditPage(query, o)).events;
  }

  /** One page of audit records, newest first, with the `next` cursor (pass it as `beforeId` for the older page). */
  async auditPage(query: AuditQuery = {}, o: CallOptions = {}): Promise<AuditListResponse> {
    const params = new URLSearchParams();
    if (query.limit !== undefined) params.set('limit', String(query.limit));
    if (query.beforeId !== undefined) params.set('before', String(query.beforeId));
    for (const key of ['since', 'until', 'host', 'action', 'outcome'] as const) {
      const v = query[key];
      if (v !== undefined) params.set(key, v);
    }
    const q = params.size ? `?${params.toString()}` : '';
    return checkVdcReply(AuditListResponse, await this.call('GET', `${VDC_PATHS.audit}${q}`, undefined, o), 'response');
  }

  /** API tokens (local socket only). */
  async listApiTokens(o: CallOptions = {}): Promise<ApiTokenListResponse['tokens']> {
    return checkVdcReply(ApiTokenListResponse, await this.call('GET', VDC_PATHS.apiTokens, undefined, o), 'response')
      .tokens;
  }

  /** Creates an API token; the secret is in the result and nowhere else (local socket only). */
  async createApiToken(name: string, o: CallOptions = {}): Promise<CreateApiTokenResponse> {
    return checkVdcReply(CreateApiTokenResponse, await this.call('POST', VDC_PATHS.apiTokens, { name }, o), 'response');
  }

  /** Revokes an API token by id or name (local socket only). */
  async revokeApiToken(idOrName: string, o: CallOptions = {}): Promise<ApiTokenInfo> {
    return checkVdcReply(
      ApiTokenInfo,
      await this.call('DELETE', VDC_PATHS.apiToken(idOrName), undefined, o),
      'apiToken',
    );
  }

  private async call(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    o: CallOptions,
    timeoutMs?: number,
  ): Promise<unknown> {
    return this.decode(await this.send(method, path, body, o, timeoutMs ?? this.responseTimeoutMs, {}));
  }

  private async send(
    method: 'GET' | 'POST' | 'PUT' | 'DELETE',
    path: string,
    body: unknown,
    o: CallOptions,
    timeoutMs: number,
    headers: Record<string, string>,
    onData?: RequestOptions['onData'],
  ): Promise<RawResponse> {
    try {
      return await request(this.endpoint, {
        method,
        path,
        headers: { ...this.authHeader, ...headers },
        ...(body === undefined ? {} : { body: JSON.stringify(body) }),
        connectTimeoutMs: this.connectTimeoutMs,
        responseTimeoutMs: timeoutMs,
        maxResponseBytes: MAX_RESPONSE_BYTES,
        ...(o.signal ? { signal: o.signal } : {}),
        ...(onData ? { onData } : {}),
      });
    } catch (err) {
      throw vdcTransportError(err, this.where);
    }
  }

  private decode(res: RawResponse): unknown {
    let parsed: unknown = undefined;
    const text = res.body.toString('utf8');
    if (text !== '') {
      try {
        parsed = JSON.parse(text);
      } catch {
        throw new QuantixError('HOST_PROTOCOL_ERROR', {
          message: `${this.where} answered HTTP ${res.status} with something that is not JSON.`,
          hint: 'Check that the address points at quantix-vdc.',
        });
      }
    }
    if (res.status >= 200 && res.status < 300) return parsed;
    throw errorFromBody(parsed, res.status);
  }
}
