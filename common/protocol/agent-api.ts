/**
 * The host agent's APIs (`quantix-node serve`): the network API the vDC uses
 * (registration with proofs, node endpoints over mutual TLS) and the local
 * API on the Unix socket used by the host console and the CLI.
 *
 * One place for every request and response shape, with validators used on
 * both sides: the agent checks requests strictly (unknown fields refused),
 * the clients check replies and rebuild them from known fields only, so an
 * unexpected field (or a secret) never travels further by accident.
 * Pure: no I/O, no clock.
 */
import { type ErrorBody, type ErrorCode, isErrorCode, QuantixError } from './errors.js';
import type { Inventory, LiveUsage } from './inventory.js';
import { formatHostPort } from './host-port.js';

/** Version of the agent protocol reported by hello. */
export const AGENT_API_VERSION = 1;

/** Default port of the network API. */
export const AGENT_PORT = 8443;

/** Largest request body either API accepts; the join body is well under 2 KiB. */
export const AGENT_BODY_LIMIT_BYTES = 16 * 1024;

/** Default token lifetime, seconds. */
export const DEFAULT_TOKEN_TTL_SECONDS = 3600;

/** Paths of every agent endpoint. */
export const AGENT_PATHS = {
  /** Network, no auth. */
  hello: '/api/v1/registration/hello',
  /** Network, request proof. */
  discovery: '/api/v1/registration/discovery',
  /** Network, request proof. */
  join: '/api/v1/registration/join',
  /** Network (pinned client certificate) and local socket. */
  nodeStatus: '/api/v1/node/status',
  /** Network (pinned client certificate). */
  nodeInventory: '/api/v1/node/inventory',
  /** Network (pinned client certificate) and local socket. */
  nodeLeave: '/api/v1/node/leave',
  /** Local: POST generates, GET shows, DELETE revokes. */
  token: '/api/v1/registration/token',
  /** Local. */
  inventory: '/api/v1/inventory',
} as const;

// ---------------------------------------------------------------------------
// Shapes

/** A vDC as a host knows it. */
export interface VdcRef {
  id: string;
  name: string;
  url: string;
}

/** A cluster as a host knows it. */
export interface ClusterRef {
  id: string;
  name: string;
}

/** An address the vDC can reach this host's network API on. */
export interface ManagementAddress {
  address: string;
  /** Interface carrying it, null when the agent listens on one specific address. */
  interface: string | null;
  /** `https://address:port` (IPv6 in brackets). */
  url: string;
}

/** `GET /api/v1/registration/hello`. */
export interface HelloResponse {
  apiVersion: number;
  hostId: string;
  hostname: string;
  agentVersion: string;
  /** True when a vDC manages this host (no token can be issued). */
  managed: boolean;
  /** The host's clock (ISO 8601, ms), so the vDC can write proofs on it. */
  time: string;
}

/** `GET /api/v1/registration/discovery`. */
export interface DiscoveryResponse {
  hostId: string;
  hostname: string;
  agentVersion: string;
  certificateFingerprint: string;
  managementAddresses: ManagementAddress[];
  managed: boolean;
  /** When the token used for this request expires. */
  tokenExpiresAt: string;
  inventory: Inventory;
}

/** `POST /api/v1/registration/join` body. */
export interface JoinRequest {
  /** The vDC's id for this host. */
  nodeId: string;
  vdc: VdcRef & {
    /** Fingerprint of the client certificate the vDC will use for node endpoints. */
    clientCertFingerprint: string;
  };
  cluster: ClusterRef;
}

/** `POST /api/v1/registration/join` result (the same for an idempotent repeat). */
export interface JoinResponse {
  hostId: string;
  hostname: string;
  nodeId: string;
  joinedAt: string;
  vdc: VdcRef;
  cluster: ClusterRef;
}

/** `GET /api/v1/node/status` over mutual TLS: the vDC's heartbeat. */
export interface NodeStatusResponse {
  hostId: string;
  hostname: string;
  nodeId: string;
  vdc: VdcRef;
  cluster: ClusterRef;
  joinedAt: string;
  usage: LiveUsage;
  time: string;
  agentVersion: string;
}

/** `POST /api/v1/node/leave` result (network and local). */
export interface LeaveResponse {
  hostId: string;
  nodeId: string;
  vdc: VdcRef;
  cluster: ClusterRef;
  leftAt: string;
}

/** The active token as the local API shows it (the only place its value appears). */
export interface TokenInfo {
  /** Display form `QUANTIX-XXXX-XXXX-XXXX`. */
  token: string;
  createdAt: string;
  expiresAt: string;
  expiresInSeconds: number;
  hostId: string;
  hostname: string;
  managementAddresses: ManagementAddress[];
  certificateFingerprint: string;
  /** Port of the network API. */
  port: number;
  /** Wrong proofs received for this token (it is never revoked for them; the operator decides). */
  failedAttempts: number;
  /** Address of the last wrong proof, null before the first. */
  lastFailedFrom: string | null;
}

/** Where the host's registration token stands. */
export type TokenStateName = 'none' | 'active' | 'expired' | 'revoked' | 'used';

/** Token state in the local status (never the value). */
export interface TokenState {
  state: TokenStateName;
  createdAt?: string;
  expiresAt?: string;
  /** Why the token ended early: revoked by the operator, or used to join. */
  reason?: string;
  /** Wrong proofs received for this token. */
  failedAttempts?: number;
  /** Address of the last wrong proof. */
  lastFailedFrom?: string;
}

/** The host's membership in a vDC cluster. */
export interface Membership {
  vdc: VdcRef;
  cluster: ClusterRef;
  nodeId: string;
  joinedAt: string;
  /** Last request from the vDC over mutual TLS, null before its first poll. */
  lastContactAt: string | null;
}

/** Local `GET /api/v1/node/status`. */
export interface LocalStatus {
  hostId: string;
  hostname: string;
  agentVersion: string;
  /**
   * Random id of this run of the agent, new at every start (null from an
   * agent too old to send one). The token lives only in the agent's memory,
   * so another id means any token shown before is gone.
   */
  agentInstanceId: string | null;
  managementAddresses: ManagementAddress[];
  certificateFingerprint: string;
  /** Port of the network API. */
  port: number;
  membership: Membership | null;
  token: TokenState;
  usage: LiveUsage;
  time: string;
}

/**
 * The codes a host agent's network API answers with: its catalogue. A code
 * outside it (a vDC code, an unknown one) did not come from a Quantix agent.
 */
export const AGENT_NETWORK_ERROR_CODES = [
  'TOKEN_INVALID',
  'NO_ACTIVE_TOKEN',
  'TOKEN_EXPIRED',
  'TOKEN_ALREADY_USED',
  'TOKEN_REVOKED',
  'RATE_LIMITED',
  'HOST_MANAGED',
  'NOT_MANAGED',
  'NOT_MANAGED_BY_YOU',
  'BAD_REQUEST',
  'PAYLOAD_TOO_LARGE',
  'UNSUPPORTED_MEDIA_TYPE',
  'NOT_FOUND',
  'METHOD_NOT_ALLOWED',
  'STATE_WRITE_FAILED',
  'BUSY',
  'INTERNAL',
] as const satisfies readonly ErrorCode[];

/** A code of the agent's network API. */
export type AgentNetworkErrorCode = (typeof AGENT_NETWORK_ERROR_CODES)[number];

/**
 * Error body of the agent. A `TOKEN_INVALID` answer to a request proof
 * also carries the certificate fingerprint the host itself serves, with a
 * host proof over it, so the vDC can tell a TLS interceptor from a typo.
 */
export interface AgentErrorBody extends ErrorBody {
  certificateFingerprint?: string;
}

// ---------------------------------------------------------------------------
// Request validation (agent side, strict)

const FINGERPRINT = /^[0-9a-f]{64}$/;
// Printable text without control characters (C0, DEL, C1) or bidi overrides.
const PRINTABLE = /^[^\u0000-\u001f\u007f-\u009f\u202a-\u202e\u2066-\u2069]*$/;

function badRequest(details: string[]): never {
  throw new QuantixError('BAD_REQUEST', { message: `Invalid request: ${details.join('; ')}.`, details });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function strictObject(v: unknown, what: string, allowed: readonly string[], problems: string[]): Record<string, unknown> {
  if (!isObj(v)) {
    problems.push(`${what} must be an object`);
    return {};
  }
  for (const k of Object.keys(v)) if (!allowed.includes(k)) problems.push(`unknown field ${what}.${JSON.stringify(k.slice(0, 40))}`);
  return v;
}

function text(o: Record<string, unknown>, key: string, what: string, max: number, problems: string[]): string {
  const v = o[key];
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push(`${what}.${key} is required`);
    return '';
  }
  if (v.length > max) problems.push(`${what}.${key} is longer than ${max} characters`);
  else if (!PRINTABLE.test(v)) problems.push(`${what}.${key} holds control characters`);
  return v;
}

/** Validates a join body (already parsed JSON). Throws BAD_REQUEST naming every problem. */
export function parseJoinRequest(body: unknown): JoinRequest {
  const problems: string[] = [];
  const o = strictObject(body, 'body', ['nodeId', 'vdc', 'cluster'], problems);
  if (!isObj(body)) badRequest(problems);
  const nodeId = text(o, 'nodeId', 'body', 128, problems);
  const vdc = strictObject(o.vdc, 'vdc', ['id', 'name', 'url', 'clientCertFingerprint'], problems);
  const cluster = strictObject(o.cluster, 'cluster', ['id', 'name'], problems);
  const vdcId = text(vdc, 'id', 'vdc', 128, problems);
  const vdcName = text(vdc, 'name', 'vdc', 128, problems);
  const vdcUrl = text(vdc, 'url', 'vdc', 2048, problems);
  if (vdcUrl && !/^https?:\/\/[^\s]+$/i.test(vdcUrl)) problems.push('vdc.url must be an http(s) URL');
  const fp = vdc.clientCertFingerprint;
  if (typeof fp !== 'string' || !FINGERPRINT.test(fp)) problems.push('vdc.clientCertFingerprint must be 64 lower-case hex digits');
  const clusterId = text(cluster, 'id', 'cluster', 128, problems);
  const clusterName = text(cluster, 'name', 'cluster', 128, problems);
  if (problems.length) badRequest(problems);
  return {
    nodeId,
    vdc: { id: vdcId, name: vdcName, url: vdcUrl, clientCertFingerprint: fp as string },
    cluster: { id: clusterId, name: clusterName },
  };
}

// ---------------------------------------------------------------------------
// Reply validation (client side): check, then rebuild from known fields

/** Thrown when a reply does not have the documented shape. */
function unexpected(what: string): never {
  throw new QuantixError('HOST_PROTOCOL_ERROR', { message: `The host agent answered something unexpected (${what}).` });
}

type FieldType = 'string' | 'number' | 'boolean' | 'object' | 'array' | 'string?' | 'object?';

function fields(v: unknown, what: string, spec: Record<string, FieldType>): Record<string, unknown> {
  if (!isObj(v)) unexpected(`${what} is not an object`);
  for (const [k, type] of Object.entries(spec)) {
    const x = v[k];
    const ok =
      type === 'array'
        ? Array.isArray(x)
        : type === 'object'
          ? isObj(x)
          : type === 'object?'
            ? x === null || isObj(x)
            : type === 'string?'
              ? x === null || typeof x === 'string'
              : type === 'number'
                ? typeof x === 'number' && Number.isFinite(x)
                : typeof x === type;
    if (!ok) unexpected(`${what}.${k}`);
  }
  return v;
}

function num(v: unknown): number | null {
  return typeof v === 'number' && Number.isFinite(v) ? v : null;
}

function checkVdc(v: unknown, what: string): VdcRef {
  const o = fields(v, what, { id: 'string', name: 'string', url: 'string' });
  return { id: o.id as string, name: o.name as string, url: o.url as string };
}

function checkCluster(v: unknown, what: string): ClusterRef {
  const o = fields(v, what, { id: 'string', name: 'string' });
  return { id: o.id as string, name: o.name as string };
}

function checkFingerprint(v: unknown, what: string): string {
  if (typeof v !== 'string' || !FINGERPRINT.test(v)) unexpected(what);
  return v;
}

/** Checks a list of management addresses. */
export function checkManagementAddresses(v: unknown, what = 'managementAddresses'): ManagementAddress[] {
  if (!Array.isArray(v)) unexpected(what);
  return v.map((a, i) => {
    const o = fields(a, `${what}[${i}]`, { address: 'string', interface: 'string?', url: 'string' });
    return { address: o.address as string, interface: (o.interface as string | null) ?? null, url: o.url as string };
  });
}

/** Checks live usage figures; absent or non-numeric figures become null. */
export function checkUsage(v: unknown, what = 'usage'): LiveUsage {
  const o = fields(v, what, {});
  const la = o.loadAverage;
  const load =
    Array.isArray(la) && la.length === 3 && la.every((x) => typeof x === 'number' && Number.isFinite(x))
      ? ([la[0], la[1], la[2]] as [number, number, number])
      : null;
  return {
    cpuPercent: num(o.cpuPercent),
    memoryUsedBytes: num(o.memoryUsedBytes),
    memoryTotalBytes: num(o.memoryTotalBytes),
    loadAverage: load,
    uptimeSeconds: num(o.uptimeSeconds),
  };
}

/** Checks an inventory's top-level sections (the collectors own the details). */
export function checkInventory(v: unknown, what = 'inventory'): Inventory {
  const o = fields(v, what, {
    collectedAt: 'string',
    system: 'object',
    cpu: 'object',
    memory: 'object',
    storage: 'object',
    network: 'array',
    gpus: 'array',
    warnings: 'array',
  });
  fields(o.system, `${what}.system`, { hostId: 'string', hostname: 'string' });
  fields(o.storage, `${what}.storage`, { disks: 'array', nfs: 'array', iscsi: 'array' });
  return {
    collectedAt: o.collectedAt,
    system: o.system,
    cpu: o.cpu,
    memory: o.memory,
    storage: o.storage,
    network: o.network,
    gpus: o.gpus,
    warnings: o.warnings,
  } as Inventory;
}

/** The longest strings a hello may carry: a UUID-like host id, a DNS name, a version, an ISO time. */
const HELLO_STRING_LIMITS: ReadonlyArray<[string, number]> = [
  ['hostId', 128],
  ['hostname', 255],
  ['agentVersion', 64],
  ['time', 64],
];

/** Checks a hello reply. */
export function checkHelloResponse(v: unknown): HelloResponse {
  const o = fields(v, 'hello', { apiVersion: 'number', hostId: 'string', hostname: 'string', agentVersion: 'string', managed: 'boolean', time: 'string' });
  if (!Number.isFinite(Date.parse(o.time as string))) unexpected('hello.time');
  // Hello is unauthenticated: whatever answers at the address sets these, and the vDC shows and audits them.
  for (const [k, max] of HELLO_STRING_LIMITS) if ((o[k] as string).length > max) unexpected(`hello.${k} is over ${max} characters`);
  return {
    apiVersion: o.apiVersion as number,
    hostId: o.hostId as string,
    hostname: o.hostname as string,
    agentVersion: o.agentVersion as string,
    managed: o.managed as boolean,
    time: o.time as string,
  };
}

/** Checks a discovery reply. */
export function checkDiscoveryResponse(v: unknown): DiscoveryResponse {
  const o = fields(v, 'discovery', {
    hostId: 'string',
    hostname: 'string',
    agentVersion: 'string',
    certificateFingerprint: 'string',
    managementAddresses: 'array',
    managed: 'boolean',
    tokenExpiresAt: 'string',
    inventory: 'object',
  });
  return {
    hostId: o.hostId as string,
    hostname: o.hostname as string,
    agentVersion: o.agentVersion as string,
    certificateFingerprint: checkFingerprint(o.certificateFingerprint, 'discovery.certificateFingerprint'),
    managementAddresses: checkManagementAddresses(o.managementAddresses, 'discovery.managementAddresses'),
    managed: o.managed as boolean,
    tokenExpiresAt: o.tokenExpiresAt as string,
    inventory: checkInventory(o.inventory, 'discovery.inventory'),
  };
}

/** Checks a join reply. */
export function checkJoinResponse(v: unknown): JoinResponse {
  const o = fields(v, 'join', { hostId: 'string', hostname: 'string', nodeId: 'string', joinedAt: 'string', vdc: 'object', cluster: 'object' });
  return {
    hostId: o.hostId as string,
    hostname: o.hostname as string,
    nodeId: o.nodeId as string,
    joinedAt: o.joinedAt as string,
    vdc: checkVdc(o.vdc, 'join.vdc'),
    cluster: checkCluster(o.cluster, 'join.cluster'),
  };
}

/** Checks a network node/status reply. */
export function checkNodeStatusResponse(v: unknown): NodeStatusResponse {
  const o = fields(v, 'status', {
    hostId: 'string',
    hostname: 'string',
    nodeId: 'string',
    vdc: 'object',
    cluster: 'object',
    joinedAt: 'string',
    usage: 'object',
    time: 'string',
    agentVersion: 'string',
  });
  return {
    hostId: o.hostId as string,
    hostname: o.hostname as string,
    nodeId: o.nodeId as string,
    vdc: checkVdc(o.vdc, 'status.vdc'),
    cluster: checkCluster(o.cluster, 'status.cluster'),
    joinedAt: o.joinedAt as string,
    usage: checkUsage(o.usage, 'status.usage'),
    time: o.time as string,
    agentVersion: o.agentVersion as string,
  };
}

/** Checks a leave reply. */
export function checkLeaveResponse(v: unknown): LeaveResponse {
  const o = fields(v, 'leave', { hostId: 'string', nodeId: 'string', vdc: 'object', cluster: 'object', leftAt: 'string' });
  return {
    hostId: o.hostId as string,
    nodeId: o.nodeId as string,
    vdc: checkVdc(o.vdc, 'leave.vdc'),
    cluster: checkCluster(o.cluster, 'leave.cluster'),
    leftAt: o.leftAt as string,
  };
}

/** Checks a token reply of the local API. */
export function checkTokenInfo(v: unknown): TokenInfo {
  const o = fields(v, 'token', {
    token: 'string',
    createdAt: 'string',
    expiresAt: 'string',
    expiresInSeconds: 'number',
    hostId: 'string',
    hostname: 'string',
    managementAddresses: 'array',
    certificateFingerprint: 'string',
    port: 'number',
  });
  return {
    token: o.token as string,
    createdAt: o.createdAt as string,
    expiresAt: o.expiresAt as string,
    expiresInSeconds: o.expiresInSeconds as number,
    hostId: o.hostId as string,
    hostname: o.hostname as string,
    managementAddresses: checkManagementAddresses(o.managementAddresses, 'token.managementAddresses'),
    certificateFingerprint: checkFingerprint(o.certificateFingerprint, 'token.certificateFingerprint'),
    port: o.port as number,
    failedAttempts: typeof o.failedAttempts === 'number' && Number.isSafeInteger(o.failedAttempts) && o.failedAttempts >= 0 ? o.failedAttempts : 0,
    lastFailedFrom: typeof o.lastFailedFrom === 'string' ? o.lastFailedFrom : null,
  };
}

const TOKEN_STATES: readonly TokenStateName[] = ['none', 'active', 'expired', 'revoked', 'used'];

/** Checks the token part of the local status. */
export function checkTokenState(v: unknown): TokenState {
  const o = fields(v, 'status.token', { state: 'string' });
  if (!TOKEN_STATES.includes(o.state as TokenStateName)) unexpected('status.token.state');
  const out: TokenState = { state: o.state as TokenStateName };
  if (typeof o.createdAt === 'string') out.createdAt = o.createdAt;
  if (typeof o.expiresAt === 'string') out.expiresAt = o.expiresAt;
  if (typeof o.reason === 'string') out.reason = o.reason;
  if (typeof o.failedAttempts === 'number' && Number.isSafeInteger(o.failedAttempts) && o.failedAttempts >= 0) out.failedAttempts = o.failedAttempts;
  if (typeof o.lastFailedFrom === 'string') out.lastFailedFrom = o.lastFailedFrom;
  return out;
}

/** Checks a membership record (null when standalone). */
export function checkMembership(v: unknown): Membership | null {
  if (v === null) return null;
  const o = fields(v, 'membership', { vdc: 'object', cluster: 'object', nodeId: 'string', joinedAt: 'string', lastContactAt: 'string?' });
  return {
    vdc: checkVdc(o.vdc, 'membership.vdc'),
    cluster: checkCluster(o.cluster, 'membership.cluster'),
    nodeId: o.nodeId as string,
    joinedAt: o.joinedAt as string,
    lastContactAt: (o.lastContactAt as string | null) ?? null,
  };
}

/** Checks a local status reply. */
export function checkLocalStatus(v: unknown): LocalStatus {
  const o = fields(v, 'status', {
    hostId: 'string',
    hostname: 'string',
    agentVersion: 'string',
    managementAddresses: 'array',
    certificateFingerprint: 'string',
    port: 'number',
    membership: 'object?',
    token: 'object',
    usage: 'object',
    time: 'string',
  });
  return {
    hostId: o.hostId as string,
    hostname: o.hostname as string,
    agentVersion: o.agentVersion as string,
    agentInstanceId: typeof o.agentInstanceId === 'string' ? o.agentInstanceId.slice(0, 64) : null,
    managementAddresses: checkManagementAddresses(o.managementAddresses, 'status.managementAddresses'),
    certificateFingerprint: checkFingerprint(o.certificateFingerprint, 'status.certificateFingerprint'),
    port: o.port as number,
    membership: checkMembership(o.membership),
    token: checkTokenState(o.token),
    usage: checkUsage(o.usage, 'status.usage'),
    time: o.time as string,
  };
}

/** Reads an agent error body; null when it is not one. */
export function readAgentErrorBody(v: unknown): AgentErrorBody | null {
  if (!isObj(v) || typeof v.code !== 'string') return null;
  const code: ErrorCode = isErrorCode(v.code) ? v.code : 'INTERNAL';
  const body: AgentErrorBody = {
    code,
    message: typeof v.message === 'string' ? v.message : '',
    hint: typeof v.hint === 'string' ? v.hint : '',
  };
  if (typeof v.retryAfterSeconds === 'number' && Number.isFinite(v.retryAfterSeconds)) body.retryAfterSeconds = v.retryAfterSeconds;
  if (Array.isArray(v.details)) body.details = v.details.filter((d): d is string => typeof d === 'string');
  if (typeof v.certificateFingerprint === 'string' && FINGERPRINT.test(v.certificateFingerprint)) body.certificateFingerprint = v.certificateFingerprint;
  return body;
}

// ---------------------------------------------------------------------------
// Small shared helpers

/** `https://address:port`, IPv6 in brackets. */
export function managementUrl(address: string, port: number): string {
  return `https://${formatHostPort(address, port)}`;
}

/** Parses a token lifetime: `3600`, `90s`, `5m`, `1h`; between 10 s and 24 h. Null when malformed or out of range. */
export function parseTtl(input: string): number | null {
  return parseSeconds(input, 10, 86_400);
}

/** Parses `3600`, `90s`, `5m`, `1h` into seconds within [min, max]; null otherwise. */
export function parseSeconds(input: string, min: number, max: number): number | null {
  const m = /^([0-9]{1,6})([smh]?)$/.exec(input.trim());
  if (!m) return null;
  const n = Number(m[1]) * (m[2] === 'h' ? 3600 : m[2] === 'm' ? 60 : 1);
  return n >= min && n <= max ? n : null;
}

// ---------------------------------------------------------------------------
// Token lifetime asked for per token (local `POST /api/v1/registration/token`)

/** Shortest lifetime a token-generate request may ask for: 5 minutes. */
export const TOKEN_TTL_MIN_SECONDS = 300;

/** Longest lifetime a token-generate request may ask for: 24 hours. */
export const TOKEN_TTL_MAX_SECONDS = 86_400;

/** The allowed lifetimes in words, for errors and help. */
export const TOKEN_TTL_RANGE_WORDS = 'between 5 min and 24 h (e.g. 15m, 90m, 1h, 24h)';

/** Local `POST /api/v1/registration/token` body; without ttlSeconds the agent's default lifetime applies. */
export interface TokenGenerateRequest {
  /** Lifetime of the new token, whole seconds within [TOKEN_TTL_MIN_SECONDS, TOKEN_TTL_MAX_SECONDS]. */
  ttlSeconds?: number;
}

/** Validates a token-generate body (already parsed JSON). Throws BAD_REQUEST naming every problem. */
export function parseTokenGenerateRequest(body: unknown): TokenGenerateRequest {
  const problems: string[] = [];
  const o = strictObject(body, 'body', ['ttlSeconds'], problems);
  const ttl = o.ttlSeconds;
  if (ttl !== undefined && (typeof ttl !== 'number' || !Number.isSafeInteger(ttl) || ttl < TOKEN_TTL_MIN_SECONDS || ttl > TOKEN_TTL_MAX_SECONDS)) {
    problems.push(`body.ttlSeconds must be a whole number of seconds from ${TOKEN_TTL_MIN_SECONDS} (5 min) to ${TOKEN_TTL_MAX_SECONDS} (24 h)`);
  }
  if (problems.length) badRequest(problems);
  return typeof ttl === 'number' ? { ttlSeconds: ttl } : {};
}

/** Parses a per-token lifetime: `15m`, `90m`, `1h`, `24h` (or seconds: `900`, `900s`); null when malformed or outside 5 min to 24 h. */
export function parseTokenTtl(input: string): number | null {
  return parseSeconds(input, TOKEN_TTL_MIN_SECONDS, TOKEN_TTL_MAX_SECONDS);
}
