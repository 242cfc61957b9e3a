/**
 * The vDC API (`quantix-vdc serve`): request and response shapes with their
 * validators, shared by the server routes and by `VdcClient`. Requests are
 * validated strictly (unknown fields are refused, so a misspelt field never
 * passes silently); responses are checked for the fields a client relies on.
 * Pure: no I/O, no clock.
 */
import { type ErrorCode, isErrorCode, type Phase, QuantixError } from './errors.js';
import type { Inventory, LiveUsage } from './inventory.js';
import { formatHostPort } from './host-port.js';
import { AGENT_PORT } from './ports.js';

/** Paths of every vDC endpoint. */
export const VDC_PATHS = {
  health: '/api/health',
  clusters: '/api/clusters',
  cluster: (idOrName: string) => `/api/clusters/${encodeURIComponent(idOrName)}`,
  discover: '/api/nodes/discover',
  register: '/api/nodes/register',
  nodes: '/api/nodes',
  node: (id: string) => `/api/nodes/${encodeURIComponent(id)}`,
  audit: '/api/audit',
  apiTokens: '/api/api-tokens',
  apiToken: (idOrName: string) => `/api/api-tokens/${encodeURIComponent(idOrName)}`,
} as const;

/** Media type of the streamed discovery progress (one JSON object per line). */
export const NDJSON = 'application/x-ndjson';

/** How long a discovery may be registered after it was made. */
export const DISCOVERY_TTL_SECONDS = 600;

/** Largest request body the vDC accepts. */
export const VDC_BODY_LIMIT_BYTES = 64 * 1024;

/** Cluster names: 1–63 letters, digits, `-`, `_` or `.`. */
export const CLUSTER_NAME_PATTERN = /^[A-Za-z0-9._-]{1,63}$/;

/** Longest cluster description. */
export const CLUSTER_DESCRIPTION_MAX = 256;

/** API token names: 1–63 letters, digits, `-`, `_`, `.` or `@`. */
export const API_TOKEN_NAME_PATTERN = /^[A-Za-z0-9._@-]{1,63}$/;

/**
 * API tokens: `qxa_`, a public id of 12 hex digits, `.`, and a secret of 43
 * base64url characters (32 random bytes). Tokens made before public ids
 * existed are `qxa_` and the 43 characters alone, and are still accepted.
 */
export const API_TOKEN_PATTERN = /^qxa_(?:[0-9a-f]{12}\.)?[A-Za-z0-9_-]{43}$/;

// ---------------------------------------------------------------------------
// Shapes

/** A cluster with its host counts. */
export interface Cluster {
  id: string;
  name: string;
  description: string;
  createdAt: string;
  /** Hosts registered in the cluster (any state). */
  hosts: number;
  /** Hosts whose last health check succeeded. */
  connectedHosts: number;
}

/** `POST /api/clusters`. */
export interface CreateClusterRequest {
  name: string;
  description?: string;
}

/** `GET /api/clusters`. */
export interface ClusterListResponse {
  clusters: Cluster[];
}

/** Lifecycle of a host record. */
export type NodeState = 'pending' | 'connected' | 'disconnected' | 'left';

/** Every node state, in the order the consoles list them. */
export const NODE_STATES: readonly NodeState[] = ['connected', 'disconnected', 'pending', 'left'];

/** The last failure seen while talking to a host. */
export interface NodeError {
  code: ErrorCode | string;
  message: string;
  at: string;
}

/** Hardware figures the consoles' tables show, taken from the inventory. */
export interface NodeCapacity {
  cpuModel: string | null;
  cpuCores: number | null;
  cpuThreads: number | null;
  memoryTotalBytes: number | null;
  /** Sum of local disk sizes. */
  localStorageBytes: number | null;
  nfsMounts: number;
  iscsiSessions: number;
  gpus: number;
}

/** A registered host, as listed. */
export interface NodeSummary {
  id: string;
  hostId: string;
  hostname: string;
  address: string;
  port: number;
  clusterId: string;
  clusterName: string;
  certificateFingerprint: string;
  state: NodeState;
  /** When the host entered its current state. */
  stateSince: string;
  registeredAt: string;
  /** Last successful contact. */
  lastSeenAt: string | null;
  lastError: NodeError | null;
  usage: LiveUsage | null;
  capacity: NodeCapacity;
}

/** A registered host with its full inventory. */
export interface NodeDetail extends NodeSummary {
  inventory: Inventory | null;
  inventoryAt: string | null;
}

/** `GET /api/nodes`. */
export interface NodeListResponse {
  nodes: NodeSummary[];
}

/** `POST /api/nodes/discover`. */
export interface DiscoverRequest {
  /** IPv4, `[IPv6]`, hostname, each with optional `:port` and optional `https://`. */
  address: string;
  /** The registration token as typed; it never leaves the vDC. */
  token: string;
}

/** Why a discovered host deserves a second look before it is added. */
export type DiscoveryWarningCode =
  | 'ALREADY_REGISTERED'
  | 'MANAGED_ELSEWHERE'
  | 'NO_VIRTUALIZATION'
  | 'VIRTUALIZATION_DISABLED'
  | 'ADDRESS_NOT_REPORTED'
  | 'INVENTORY_PARTIAL';

/** One warning shown on the discovery page. */
export interface DiscoveryWarning {
  code: DiscoveryWarningCode;
  message: string;
}

/** The host as the vDC verified it. */
export interface DiscoveredHost {
  hostId: string;
  hostname: string;
  /** The address the vDC connected to (host name or IP, without brackets). */
  address: string;
  port: number;
  certificateFingerprint: string;
  /** True when the host's answer carried a valid proof made with the token. */
  identityVerified: boolean;
  agentVersion: string;
  /** Host clock minus vDC clock at hello, in seconds. */
  clockOffsetSeconds: number;
}

/** `POST /api/nodes/discover` result. */
export interface DiscoverResponse {
  discoveryId: string;
  expiresAt: string;
  host: DiscoveredHost;
  inventory: Inventory;
  warnings: DiscoveryWarning[];
}

/** Stages of a discovery, streamed when the client asks for NDJSON. */
export type DiscoverStage = 'connecting' | 'verifying' | 'collecting';

/** Stages in the order the vDC runs them. */
export const DISCOVER_STAGES: readonly DiscoverStage[] = ['connecting', 'verifying', 'collecting'];

/** The error phase each stage belongs to. */
export const STAGE_PHASE: Record<DiscoverStage, Phase> = { connecting: 'connect', verifying: 'verify', collecting: 'discover' };

/** `POST /api/nodes/register`. */
export interface RegisterRequest {
  discoveryId: string;
  /** Cluster id (or exact name). */
  clusterId: string;
}

/** `DELETE /api/nodes/:id` result. */
export interface RemoveNodeResponse {
  node: NodeSummary;
  /** True when the host confirmed that it left (or was no longer ours). */
  hostNotified: boolean;
  /** Why the host was not notified, when it was not. */
  reason: string | null;
}

/** An audit record. Never holds a secret. */
export interface AuditEvent {
  id: number;
  at: string;
  /** e.g. `node.discover`, `node.register`, `node.remove`, `cluster.create`, `api-token.create`. */
  action: string;
  outcome: 'ok' | 'error';
  /** Who asked: `socket`, `cli`, `vdc`, or `https <ip>`. */
  source: string;
  /** API token name for remote requests. */
  actor: string | null;
  address: string | null;
  hostId: string | null;
  nodeId: string | null;
  clusterId: string | null;
  code: string | null;
  detail: string | null;
}

/** `GET /api/audit`. */
export interface AuditListResponse {
  events: AuditEvent[];
}

/** Query of `GET /api/audit`: newest first. */
export interface AuditQuery {
  limit?: number;
  /** Only events with a smaller id (paging backwards). */
  beforeId?: number;
}

/** `GET /api/health`. */
export interface HealthResponse {
  status: 'ok';
  version: string;
  vdc: { id: string; name: string; url: string; clientCertificateFingerprint: string; serverCertificateFingerprint: string };
  startedAt: string;
  clusters: number;
  hosts: Record<NodeState, number> & { total: number };
  poller: { intervalSeconds: number; lastRoundAt: string | null; lastRoundHosts: number; lastRoundMs: number | null };
  /** Where the state is: `sqlite` (one process) or `postgresql` (replicas). */
  backend?: 'sqlite' | 'postgresql';
  /** The id of the replica that answered. */
  replicaId?: string;
  /** Every replica seen in the last hour; `alive` = seen within one lease period; `hosts` = hosts it polls. */
  replicas?: ReplicaHealth[];
}

/** One vDC replica as `/api/health` lists it. */
export interface ReplicaHealth {
  id: string;
  name: string;
  url: string;
  startedAt: string;
  lastSeenAt: string;
  alive: boolean;
  hosts: number;
}

/** An API token as listed (never the secret itself). */
export interface ApiTokenInfo {
  id: string;
  name: string;
  /** The token's public id (the 12 hex digits after `qxa_`), to recognise it; null for a token made before public ids. */
  publicId: string | null;
  createdAt: string;
  lastUsedAt: string | null;
  revokedAt: string | null;
}

/** `POST /api/api-tokens`. */
export interface CreateApiTokenRequest {
  name: string;
}

/** `POST /api/api-tokens` result: the only time the token is shown. */
export interface CreateApiTokenResponse {
  token: string;
  info: ApiTokenInfo;
}

/** `GET /api/api-tokens`. */
export interface ApiTokenListResponse {
  tokens: ApiTokenInfo[];
}

// ---------------------------------------------------------------------------
// Request validators (server side, strict)

function fail(details: string[]): never {
  throw new QuantixError('VALIDATION_ERROR', { message: `Invalid request: ${details.join('; ')}.`, details });
}

function asObject(body: unknown, allowed: readonly string[]): Record<string, unknown> {
  if (body === null || typeof body !== 'object' || Array.isArray(body)) fail(['the body must be a JSON object']);
  const obj = body as Record<string, unknown>;
  const unknown = Object.keys(obj).filter((k) => !allowed.includes(k));
  if (unknown.length) fail(unknown.map((k) => `unknown field ${JSON.stringify(k.slice(0, 40))}`));
  return obj;
}

function requiredString(obj: Record<string, unknown>, key: string, max: number, problems: string[]): string {
  const v = obj[key];
  if (typeof v !== 'string' || v.trim() === '') {
    problems.push(`${key} is required`);
    return '';
  }
  if (v.length > max) problems.push(`${key} is longer than ${max} characters`);
  return v;
}

/** Validates `POST /api/clusters`. */
export function parseCreateClusterRequest(body: unknown): CreateClusterRequest {
  const obj = asObject(body, ['name', 'description']);
  const problems: string[] = [];
  const name = requiredString(obj, 'name', 63, problems);
  if (name && !CLUSTER_NAME_PATTERN.test(name)) problems.push('name may only hold letters, digits, "-", "_" and "." (1-63)');
  let description = '';
  if (obj.description !== undefined) {
    if (typeof obj.description !== 'string') problems.push('description must be text');
    else if (obj.description.length > CLUSTER_DESCRIPTION_MAX) problems.push(`description is longer than ${CLUSTER_DESCRIPTION_MAX} characters`);
    else if (/[\u0000-\u001f\u007f-\u009f]/.test(obj.description)) problems.push('description may not hold control characters');
    else description = obj.description;
  }
  if (problems.length) fail(problems);
  return { name, description };
}

/** Validates `POST /api/nodes/discover` (address syntax and token format are checked by the service). */
export function parseDiscoverRequest(body: unknown): DiscoverRequest {
  const obj = asObject(body, ['address', 'token']);
  const problems: string[] = [];
  const address = requiredString(obj, 'address', 300, problems);
  const token = typeof obj.token === 'string' ? obj.token : '';
  if (obj.token !== undefined && typeof obj.token !== 'string') problems.push('token must be text');
  if (token.length > 100) problems.push('token is longer than 100 characters');
  if (problems.length) fail(problems);
  return { address, token };
}

/** Validates `POST /api/nodes/register`. */
export function parseRegisterRequest(body: unknown): RegisterRequest {
  const obj = asObject(body, ['discoveryId', 'clusterId']);
  const problems: string[] = [];
  const discoveryId = requiredString(obj, 'discoveryId', 100, problems);
  const clusterId = requiredString(obj, 'clusterId', 100, problems);
  if (problems.length) fail(problems);
  return { discoveryId, clusterId };
}

/** Validates `POST /api/api-tokens`. */
export function parseCreateApiTokenRequest(body: unknown): CreateApiTokenRequest {
  const obj = asObject(body, ['name']);
  const problems: string[] = [];
  const name = requiredString(obj, 'name', 63, problems);
  if (name && !API_TOKEN_NAME_PATTERN.test(name)) problems.push('name may only hold letters, digits, "-", "_", "." and "@" (1-63)');
  if (problems.length) fail(problems);
  return { name };
}

/** Validates the query of `GET /api/audit`. */
export function parseAuditQuery(query: Record<string, unknown>): Required<Pick<AuditQuery, 'limit'>> & AuditQuery {
  const problems: string[] = [];
  const int = (key: string, min: number, max: number): number | undefined => {
    const v = query[key];
    if (v === undefined || v === '') return undefined;
    const n = typeof v === 'string' && /^[0-9]{1,9}$/.test(v) ? Number(v) : NaN;
    if (!Number.isInteger(n) || n < min || n > max) {
      problems.push(`${key} must be a whole number from ${min} to ${max}`);
      return undefined;
    }
    return n;
  };
  const limit = int('limit', 1, 1000) ?? 100;
  const beforeId = int('beforeId', 1, 999_999_999);
  const unknown = Object.keys(query).filter((k) => k !== 'limit' && k !== 'beforeId');
  for (const k of unknown) problems.push(`unknown parameter ${JSON.stringify(k.slice(0, 40))}`);
  if (problems.length) fail(problems);
  return beforeId === undefined ? { limit } : { limit, beforeId };
}

/** Reads a boolean query flag (`true`/`1`/`false`/`0`, absent = false). */
export function parseFlagQuery(query: Record<string, unknown>, key: string): boolean {
  const v = query[key];
  if (v === undefined || v === '' || v === 'false' || v === '0') return false;
  if (v === 'true' || v === '1') return true;
  fail([`${key} must be true or false`]);
}

// ---------------------------------------------------------------------------
// Response checks (client side)

function bad(what: string): never {
  throw new QuantixError('HOST_PROTOCOL_ERROR', {
    message: `The vDC answered something unexpected (${what}).`,
    hint: 'Check that the console and the vDC run the same Quantix version.',
  });
}

function isObj(v: unknown): v is Record<string, unknown> {
  return v !== null && typeof v === 'object' && !Array.isArray(v);
}

function expectFields(v: unknown, what: string, fields: Record<string, 'string' | 'number' | 'boolean' | 'object' | 'array' | 'string?' | 'object?'>): Record<string, unknown> {
  if (!isObj(v)) bad(`${what} is not an object`);
  for (const [k, type] of Object.entries(fields)) {
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
              : typeof x === type;
    if (!ok) bad(`${what}.${k}`);
  }
  return v;
}

/** Checks a cluster object. */
export function checkCluster(v: unknown): Cluster {
  expectFields(v, 'cluster', { id: 'string', name: 'string', description: 'string', createdAt: 'string', hosts: 'number', connectedHosts: 'number' });
  return v as Cluster;
}

/** Checks `GET /api/clusters`. */
export function checkClusterList(v: unknown): ClusterListResponse {
  const o = expectFields(v, 'response', { clusters: 'array' });
  (o.clusters as unknown[]).forEach(checkCluster);
  return v as ClusterListResponse;
}

/** Checks a node summary (and detail). */
export function checkNode(v: unknown): NodeSummary {
  const o = expectFields(v, 'node', {
    id: 'string',
    hostId: 'string',
    hostname: 'string',
    address: 'string',
    port: 'number',
    clusterId: 'string',
    clusterName: 'string',
    certificateFingerprint: 'string',
    state: 'string',
    stateSince: 'string',
    registeredAt: 'string',
    lastSeenAt: 'string?',
    lastError: 'object?',
    usage: 'object?',
    capacity: 'object',
  });
  if (!NODE_STATES.includes(o.state as NodeState)) bad('node.state');
  return v as NodeSummary;
}

/** Checks `GET /api/nodes/:id`. */
export function checkNodeDetail(v: unknown): NodeDetail {
  checkNode(v);
  expectFields(v, 'node', { inventory: 'object?', inventoryAt: 'string?' });
  return v as NodeDetail;
}

/** Checks `GET /api/nodes`. */
export function checkNodeList(v: unknown): NodeListResponse {
  const o = expectFields(v, 'response', { nodes: 'array' });
  (o.nodes as unknown[]).forEach(checkNode);
  return v as NodeListResponse;
}

/** Checks the result of a discovery. */
export function checkDiscoverResponse(v: unknown): DiscoverResponse {
  const o = expectFields(v, 'discovery', { discoveryId: 'string', expiresAt: 'string', host: 'object', inventory: 'object', warnings: 'array' });
  expectFields(o.host, 'discovery.host', {
    hostId: 'string',
    hostname: 'string',
    address: 'string',
    port: 'number',
    certificateFingerprint: 'string',
    identityVerified: 'boolean',
  });
  expectFields(o.inventory, 'discovery.inventory', { system: 'object', cpu: 'object', memory: 'object', storage: 'object', network: 'array', gpus: 'array' });
  for (const w of o.warnings as unknown[]) expectFields(w, 'discovery.warnings[]', { code: 'string', message: 'string' });
  return v as DiscoverResponse;
}

/** Checks `DELETE /api/nodes/:id`. */
export function checkRemoveNodeResponse(v: unknown): RemoveNodeResponse {
  const o = expectFields(v, 'response', { node: 'object', hostNotified: 'boolean', reason: 'string?' });
  checkNode(o.node);
  return v as RemoveNodeResponse;
}

/** Checks `GET /api/audit`. */
export function checkAuditList(v: unknown): AuditListResponse {
  const o = expectFields(v, 'response', { events: 'array' });
  for (const e of o.events as unknown[]) expectFields(e, 'event', { id: 'number', at: 'string', action: 'string', outcome: 'string', source: 'string' });
  return v as AuditListResponse;
}

/** Checks `GET /api/health`. */
export function checkHealth(v: unknown): HealthResponse {
  const o = expectFields(v, 'health', { status: 'string', version: 'string', vdc: 'object', hosts: 'object', poller: 'object', clusters: 'number' });
  expectFields(o.vdc, 'health.vdc', { id: 'string', name: 'string', url: 'string', clientCertificateFingerprint: 'string', serverCertificateFingerprint: 'string' });
  return v as HealthResponse;
}

/** Checks an API token listing entry. */
export function checkApiTokenInfo(v: unknown): ApiTokenInfo {
  expectFields(v, 'apiToken', { id: 'string', name: 'string', publicId: 'string?', createdAt: 'string', lastUsedAt: 'string?', revokedAt: 'string?' });
  return v as ApiTokenInfo;
}

/** Checks `GET /api/api-tokens`. */
export function checkApiTokenList(v: unknown): ApiTokenListResponse {
  const o = expectFields(v, 'response', { tokens: 'array' });
  (o.tokens as unknown[]).forEach(checkApiTokenInfo);
  return v as ApiTokenListResponse;
}

/** Checks `POST /api/api-tokens`. */
export function checkCreateApiTokenResponse(v: unknown): CreateApiTokenResponse {
  const o = expectFields(v, 'response', { token: 'string', info: 'object' });
  checkApiTokenInfo(o.info);
  return v as CreateApiTokenResponse;
}

/** Turns an error body received from the vDC into a QuantixError (unknown codes become INTERNAL, words kept). */
export function errorFromBody(v: unknown, status: number): QuantixError {
  if (!isObj(v) || typeof v.code !== 'string') {
    return new QuantixError(status >= 500 ? 'INTERNAL' : 'HOST_PROTOCOL_ERROR', { message: `The vDC answered HTTP ${status} without an error code.` });
  }
  const code: ErrorCode = isErrorCode(v.code) ? v.code : 'INTERNAL';
  const phase = v.phase === 'connect' || v.phase === 'verify' || v.phase === 'discover' || v.phase === 'register' ? v.phase : undefined;
  return new QuantixError(code, {
    ...(typeof v.message === 'string' ? { message: v.message } : {}),
    ...(typeof v.hint === 'string' ? { hint: v.hint } : {}),
    ...(phase ? { phase } : {}),
    ...(typeof v.retryAfterSeconds === 'number' ? { retryAfterSeconds: v.retryAfterSeconds } : {}),
    ...(Array.isArray(v.details) ? { details: v.details.filter((d): d is string => typeof d === 'string') } : {}),
  });
}

// ---------------------------------------------------------------------------
// Default locations

/** Where the vDC keeps its state and socket, from the environment (pure: pass env and uid). */
export function defaultVdcPaths(env: Record<string, string | undefined>, uid: number, home: string): { stateDir: string; socketPath: string } {
  if (uid === 0) return { stateDir: '/var/lib/quantix-vdc', socketPath: '/run/quantix/vdc.sock' };
  const stateBase = env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : `${home}/.local/state`;
  const stateDir = `${stateBase}/quantix/vdc`;
  const runtime = env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/') ? `${env.XDG_RUNTIME_DIR}/quantix` : stateDir;
  return { stateDir, socketPath: `${runtime}/vdc.sock` };
}

// ---------------------------------------------------------------------------
// Host addresses

/** A parsed host address: `host` is a host name (lower case), an IPv4 or a bare IPv6 address. */
export interface HostAddress {
  host: string;
  port: number;
  kind: 'ipv4' | 'ipv6' | 'hostname';
  /** `host:port`, IPv6 in brackets. */
  display: string;
}

/** Result of parsing an address as typed. */
export type HostAddressParse = { ok: true; address: HostAddress } | { ok: false; problem: string };

const IPV4_OCTET = /^(?:0|[1-9][0-9]{0,2})$/;
const HOST_LABEL = /^[a-z0-9](?:[a-z0-9-]{0,61}[a-z0-9])?$/;

function parseIpv4(s: string): string | null {
  const parts = s.split('.');
  if (parts.length !== 4) return null;
  for (const p of parts) if (!IPV4_OCTET.test(p) || Number(p) > 255) return null;
  return s;
}

function isIpv6(s: string): boolean {
  const [addr, zone, ...rest] = s.split('%');
  if (rest.length || addr === undefined || addr.length > 45) return false;
  if (zone !== undefined && !/^[A-Za-z0-9_.-]{1,32}$/.test(zone)) return false;
  if (!/^[0-9A-Fa-f:.]+$/.test(addr) || !addr.includes(':')) return false;
  let head = addr;
  const lastColon = addr.lastIndexOf(':');
  const tail = addr.slice(lastColon + 1);
  if (tail.includes('.')) {
    if (!parseIpv4(tail)) return false;
    // An embedded IPv4 tail stands for two groups.
    head = addr.slice(0, lastColon + 1) + '0:0';
  }
  const halves = head.split('::');
  if (halves.length > 2) return false;
  const groups = (h: string) => (h === '' ? [] : h.split(':'));
  const left = groups(halves[0]!);
  const right = halves.length === 2 ? groups(halves[1]!) : [];
  for (const g of [...left, ...right]) if (!/^[0-9A-Fa-f]{1,4}$/.test(g)) return false;
  const count = left.length + right.length;
  return halves.length === 2 ? count <= 7 : count === 8;
}

function parsePort(s: string): number | null {
  if (!/^[0-9]{1,5}$/.test(s)) return null;
  const n = Number(s);
  return n >= 1 && n <= 65535 ? n : null;
}

/**
 * Parses what an administrator typed as a host address: IPv4, `[IPv6]` or a
 * bare IPv6 address, or a host name, each with an optional `:port` and an
 * optional `https://` (and a lone trailing `/`). Paths, queries, fragments,
 * user info, other schemes, spaces inside and control characters are refused,
 * so an address can only ever name a host and port, never a URL to fetch.
 */
export function parseHostAddressInput(input: string, defaultPort = AGENT_PORT): HostAddressParse {
  const no = (problem: string): HostAddressParse => ({ ok: false, problem });
  if (typeof input !== 'string') return no('the address must be text');
  if (/[\u0000-\u001f\u007f-\u009f\u2028\u2029]/.test(input)) return no('the address contains control characters');
  let s = input.trim();
  if (s === '') return no('enter the host address (IP or name, port 8443 by default)');
  if (s.length > 300) return no('the address is too long');
  const scheme = /^([A-Za-z][A-Za-z0-9+.-]*):\/\//.exec(s);
  if (scheme) {
    if (scheme[1]!.toLowerCase() !== 'https') return no(`only https:// addresses are accepted, not ${scheme[1]!.toLowerCase()}://`);
    s = s.slice(scheme[0].length);
    if (s.endsWith('/')) s = s.slice(0, -1);
  }
  if (/\s/.test(s)) return no('the address contains spaces');
  if (s.includes('@')) return no('user names are not accepted in the address');
  if (s.includes('/') || s.includes('\\')) return no('paths are not accepted: give only the host and port');
  if (s.includes('?') || s.includes('#')) return no('queries and fragments are not accepted: give only the host and port');
  if (s === '') return no('the address has no host');

  let host: string;
  let portText: string | null = null;
  let kind: HostAddress['kind'];
  if (s.startsWith('[')) {
    const close = s.indexOf(']');
    if (close < 0) return no('an IPv6 address opened with "[" must be closed with "]"');
    host = s.slice(1, close);
    const rest = s.slice(close + 1);
    if (rest !== '') {
      if (!rest.startsWith(':')) return no('after "]" only ":port" may follow');
      portText = rest.slice(1);
    }
    if (!isIpv6(host)) return no(`"${host}" is not a valid IPv6 address`);
    kind = 'ipv6';
  } else if ((s.match(/:/g) ?? []).length >= 2) {
    if (!isIpv6(s)) return no(`"${s}" is not a valid IPv6 address (write [IPv6]:port to give a port)`);
    host = s;
    kind = 'ipv6';
  } else {
    const colon = s.indexOf(':');
    host = colon < 0 ? s : s.slice(0, colon);
    if (colon >= 0) portText = s.slice(colon + 1);
    if (host === '') return no('the address has no host');
    if (/^[0-9.]+$/.test(host)) {
      if (!parseIpv4(host)) return no(`"${host}" is not a valid IPv4 address`);
      kind = 'ipv4';
    } else {
      if (/[^\x21-\x7e]/.test(host)) return no('host names must be ASCII (use the punycode form)');
      let name = host.toLowerCase();
      if (name.endsWith('.')) name = name.slice(0, -1);
      const labels = name.split('.');
      if (name.length > 253 || labels.some((l) => !HOST_LABEL.test(l))) {
        return no(`"${host}" is not a valid host name (letters, digits and "-" between dots)`);
      }
      if (/^[0-9]+$/.test(labels[labels.length - 1]!)) return no(`"${host}" is neither an IP address nor a host name`);
      host = name;
      kind = 'hostname';
    }
  }
  let port = defaultPort;
  if (portText !== null) {
    const p = parsePort(portText);
    if (p === null) return no(`"${portText.slice(0, 20)}" is not a port (1-65535)`);
    port = p;
  }
  const display = formatHostPort(host, port);
  return { ok: true, address: { host, port, kind, display } };
}

/** Parses a host address or throws VALIDATION_ERROR (phase connect) naming the problem. */
export function parseHostAddress(input: string, defaultPort = AGENT_PORT): HostAddress {
  const r = parseHostAddressInput(input, defaultPort);
  if (r.ok) return r.address;
  throw new QuantixError('VALIDATION_ERROR', {
    message: `Invalid address: ${r.problem}.`,
    hint: 'Give the host as an IP address or name with an optional port, e.g. 10.0.0.5, [fd00::5]:8443 or node1.example.com.',
    phase: 'connect',
    details: [`address: ${r.problem}`],
  });
}
