/**
 * The host agent's APIs (`quantix-node serve`): the network API the vDC uses
 * (registration with proofs, node endpoints over mutual TLS) and the local
 * API on the Unix socket used by the host console and the CLI.
 *
 * One schema per request and response (TypeBox), the types derived from
 * them, used on both sides: the agent's routes declare them (requests checked
 * strictly, unknown fields refused; answers serialised with only the fields
 * named), and the clients check answers in full and keep only known fields,
 * so an unexpected field (or a secret) never travels further by accident.
 * Pure: no I/O, no clock.
 */
import { type Static, type TSchema, Type } from './typebox.js';
import { ErrorBody, type ErrorCode, QuantixError } from './errors.js';
import { Inventory, LiveUsage } from './inventory.js';
import { parseReply, parseRequest, type RequestWords } from './schema.js';
import { formatHostPort } from './host-port.js';

/** Version of the agent protocol reported by hello. */
export const AGENT_API_VERSION = 1;

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
  /** Network (pinned client certificate): PUT, the vDC pushes the host's cluster and maintenance flag. */
  nodeMembership: '/api/v1/node/membership',
  /** Local: POST generates, GET shows, DELETE revokes. */
  token: '/api/v1/registration/token',
  /** Local. */
  inventory: '/api/v1/inventory',
} as const;

// ---------------------------------------------------------------------------
// Shapes: one schema per message, the type derived from it

const FINGERPRINT = '^[0-9a-f]{64}$';
const NullableString = Type.Union([Type.String(), Type.Null()]);

/** A vDC as a host knows it. */
export const VdcRef = Type.Object({ id: Type.String(), name: Type.String(), url: Type.String() });
export type VdcRef = Static<typeof VdcRef>;

/** A cluster as a host knows it. */
export const ClusterRef = Type.Object({ id: Type.String(), name: Type.String() });
export type ClusterRef = Static<typeof ClusterRef>;

/** An address the vDC can reach this host's network API on. */
export const ManagementAddress = Type.Object({
  address: Type.String(),
  /** Interface carrying it, null when the agent listens on one specific address. */
  interface: NullableString,
  /** `https://address:port` (IPv6 in brackets). */
  url: Type.String(),
});
export type ManagementAddress = Static<typeof ManagementAddress>;

/**
 * `GET /api/v1/registration/hello`. Hello is unauthenticated: whatever
 * answers at an address sets these strings, and the vDC shows and audits
 * them, so each is bounded: a UUID-like host id, a DNS name, a version, a time.
 */
export const HelloResponse = Type.Object({
  apiVersion: Type.Number(),
  hostId: Type.String({ maxLength: 128 }),
  hostname: Type.String({ maxLength: 255 }),
  agentVersion: Type.String({ maxLength: 64 }),
  /** True when a vDC manages this host (no token can be issued). */
  managed: Type.Boolean(),
  /** The host's clock (ISO 8601, ms), so the vDC can write proofs on it. */
  time: Type.String({ maxLength: 64 }),
});
export type HelloResponse = Static<typeof HelloResponse>;

/** `GET /api/v1/registration/discovery`. */
export const DiscoveryResponse = Type.Object({
  hostId: Type.String(),
  hostname: Type.String(),
  agentVersion: Type.String(),
  certificateFingerprint: Type.String({ pattern: FINGERPRINT }),
  managementAddresses: Type.Array(ManagementAddress),
  managed: Type.Boolean(),
  /** When the token used for this request expires. */
  tokenExpiresAt: Type.String(),
  inventory: Inventory,
});
export type DiscoveryResponse = Static<typeof DiscoveryResponse>;

// Printable text without control characters (C0, DEL, C1) or bidi overrides.
const PRINTABLE = '^[^\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]*$';

/** Text of a join body: required, bounded, printable. */
function joinText(max: number) {
  return Type.String({ format: 'nonblank', maxLength: max, pattern: PRINTABLE, problem: 'holds control characters' });
}

/** `POST /api/v1/registration/join` body. */
export const JoinRequest = Type.Object(
  {
    /** The vDC's id for this host. */
    nodeId: joinText(128),
    vdc: Type.Object(
      {
        id: joinText(128),
        name: joinText(128),
        url: Type.String({
          format: 'nonblank',
          maxLength: 2048,
          pattern: '^[Hh][Tt][Tt][Pp][Ss]?://[^\\s\\u0000-\\u001f\\u007f-\\u009f\\u202a-\\u202e\\u2066-\\u2069]+$',
          problem: 'must be an http(s) URL',
        }),
        /** Fingerprint of the client certificate the vDC will use for node endpoints. */
        clientCertFingerprint: Type.String({ pattern: FINGERPRINT, problem: 'must be 64 lower-case hex digits' }),
      },
      { additionalProperties: false },
    ),
    cluster: Type.Object({ id: joinText(128), name: joinText(128) }, { additionalProperties: false }),
  },
  { additionalProperties: false },
);
export type JoinRequest = Static<typeof JoinRequest>;

/** `POST /api/v1/registration/join` result (the same for an idempotent repeat). */
export const JoinResponse = Type.Object({
  hostId: Type.String(),
  hostname: Type.String(),
  nodeId: Type.String(),
  joinedAt: Type.String(),
  vdc: VdcRef,
  cluster: ClusterRef,
});
export type JoinResponse = Static<typeof JoinResponse>;

/** `GET /api/v1/node/status` over mutual TLS: the vDC's heartbeat. */
export const NodeStatusResponse = Type.Object({
  hostId: Type.String(),
  hostname: Type.String(),
  nodeId: Type.String(),
  vdc: VdcRef,
  cluster: ClusterRef,
  joinedAt: Type.String(),
  usage: LiveUsage,
  time: Type.String(),
  agentVersion: Type.String(),
  /** Whether the vDC put the host in maintenance, as the host last heard it (absent from agents before it existed). */
  maintenance: Type.Optional(Type.Boolean()),
});
export type NodeStatusResponse = Static<typeof NodeStatusResponse>;

/** `POST /api/v1/node/leave` result (network and local). */
export const LeaveResponse = Type.Object({
  hostId: Type.String(),
  nodeId: Type.String(),
  vdc: VdcRef,
  cluster: ClusterRef,
  leftAt: Type.String(),
});
export type LeaveResponse = Static<typeof LeaveResponse>;

/** The active token as the local API shows it (the only place its value appears). */
export const TokenInfo = Type.Object({
  /** Display form `QUANTIX-XXXX-XXXX-XXXX`. */
  token: Type.String(),
  createdAt: Type.String(),
  expiresAt: Type.String(),
  expiresInSeconds: Type.Number(),
  hostId: Type.String(),
  hostname: Type.String(),
  managementAddresses: Type.Array(ManagementAddress),
  certificateFingerprint: Type.String({ pattern: FINGERPRINT }),
  /** Port of the network API. */
  port: Type.Integer(),
  /** Wrong proofs received for this token (it is never revoked for them; the operator decides). */
  failedAttempts: Type.Integer({ minimum: 0 }),
  /** Address of the last wrong proof, null before the first. */
  lastFailedFrom: NullableString,
});
export type TokenInfo = Static<typeof TokenInfo>;

/** Where the host's registration token stands. */
export const TokenStateName = Type.Union([
  Type.Literal('none'),
  Type.Literal('active'),
  Type.Literal('expired'),
  Type.Literal('revoked'),
  Type.Literal('used'),
]);
export type TokenStateName = Static<typeof TokenStateName>;

/** Token state in the local status (never the value). */
export const TokenState = Type.Object({
  state: TokenStateName,
  createdAt: Type.Optional(Type.String()),
  expiresAt: Type.Optional(Type.String()),
  /** Why the token ended early: revoked by the operator, or used to join. */
  reason: Type.Optional(Type.String()),
  /** Wrong proofs received for this token. */
  failedAttempts: Type.Optional(Type.Integer({ minimum: 0 })),
  /** Address of the last wrong proof. */
  lastFailedFrom: Type.Optional(Type.String()),
});
export type TokenState = Static<typeof TokenState>;

/** The host's membership in a vDC cluster. */
export const Membership = Type.Object({
  vdc: VdcRef,
  cluster: ClusterRef,
  nodeId: Type.String(),
  joinedAt: Type.String(),
  /** Last request from the vDC over mutual TLS, null before its first poll. */
  lastContactAt: NullableString,
  /** Whether the vDC put the host in maintenance (absent from agents before it existed). */
  maintenance: Type.Optional(Type.Boolean()),
});
export type Membership = Static<typeof Membership>;

/**
 * `PUT /api/v1/node/membership` body over mutual TLS: the whole membership
 * state the managing vDC holds for this host (its cluster, after a move or a
 * rename, and the maintenance flag), pushed as one document so the host never
 * holds half of an update.
 */
export const MembershipUpdateRequest = Type.Object(
  {
    cluster: Type.Object({ id: joinText(128), name: joinText(128) }, { additionalProperties: false }),
    maintenance: Type.Boolean(),
  },
  { additionalProperties: false },
);
export type MembershipUpdateRequest = Static<typeof MembershipUpdateRequest>;

/** Local `GET /api/v1/node/status`. */
export const LocalStatus = Type.Object({
  hostId: Type.String(),
  hostname: Type.String(),
  agentVersion: Type.String(),
  /**
   * Random id of this run of the agent, new at every start. The token lives
   * only in the agent's memory, so another id means any token shown before is gone.
   */
  agentInstanceId: Type.Union([Type.String({ maxLength: 64 }), Type.Null()]),
  managementAddresses: Type.Array(ManagementAddress),
  certificateFingerprint: Type.String({ pattern: FINGERPRINT }),
  /** Port of the network API. */
  port: Type.Integer(),
  membership: Type.Union([Membership, Type.Null()]),
  token: TokenState,
  usage: LiveUsage,
  time: Type.String(),
});
export type LocalStatus = Static<typeof LocalStatus>;

/** Query of the inventory endpoints: `refresh=true` collects it again first. */
export const InventoryQuery = Type.Object({ refresh: Type.Optional(Type.String({ maxLength: 8 })) });
export type InventoryQuery = Static<typeof InventoryQuery>;

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
  'SERVICE_STOPPING',
  'INTERNAL',
] as const satisfies readonly ErrorCode[];

/** A code of the agent's network API. */
export type AgentNetworkErrorCode = (typeof AGENT_NETWORK_ERROR_CODES)[number];

/**
 * Error body of the agent. A `TOKEN_INVALID` answer to a request proof
 * also carries the certificate fingerprint the host itself serves, with a
 * host proof over it, so the vDC can tell a TLS interceptor from a typo.
 */
export const AgentErrorBody = Type.Object({
  ...ErrorBody.properties,
  certificateFingerprint: Type.Optional(Type.String({ pattern: '^[0-9a-f]{64}$' })),
});
export type AgentErrorBody = ErrorBody & { certificateFingerprint?: string };

// ---------------------------------------------------------------------------
// Request parsing (agent side, strict) and answer checks (client side)

/** How the agent words a request that does not match its schema. */
export const AGENT_REQUEST_WORDS = {
  body: { code: 'BAD_REQUEST', root: 'body' },
  querystring: { code: 'BAD_REQUEST', subject: 'parameter' },
  params: { code: 'BAD_REQUEST', subject: 'parameter' },
} as const satisfies Record<string, RequestWords>;

/** Validates a join body (already parsed JSON). Throws BAD_REQUEST naming every problem. */
export function parseJoinRequest(body: unknown): JoinRequest {
  return parseRequest(JoinRequest, body, AGENT_REQUEST_WORDS.body);
}

/**
 * Checks an answer of a host agent in full and keeps only the fields its
 * schema names, so an unexpected field (or a secret) never travels further.
 */
export function checkAgentReply<T extends TSchema>(schema: T, v: unknown, what: string): Static<T> {
  return parseReply(schema, v, what, { peer: 'The host agent', clean: true });
}

/** Checks a hello reply: its schema, and a time the vDC can write proofs on. */
export function checkHelloResponse(v: unknown): HelloResponse {
  const hello = checkAgentReply(HelloResponse, v, 'hello');
  if (!Number.isFinite(Date.parse(hello.time)))
    throw new QuantixError('HOST_PROTOCOL_ERROR', {
      message: 'The host agent answered something unexpected (hello.time).',
    });
  return hello;
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
export const TokenGenerateRequest = Type.Object(
  {
    /** Lifetime of the new token, whole seconds within [TOKEN_TTL_MIN_SECONDS, TOKEN_TTL_MAX_SECONDS]. */
    ttlSeconds: Type.Optional(
      Type.Integer({
        minimum: TOKEN_TTL_MIN_SECONDS,
        maximum: TOKEN_TTL_MAX_SECONDS,
        problem: `must be a whole number of seconds from ${TOKEN_TTL_MIN_SECONDS} (5 min) to ${TOKEN_TTL_MAX_SECONDS} (24 h)`,
      }),
    ),
  },
  { additionalProperties: false },
);
export type TokenGenerateRequest = Static<typeof TokenGenerateRequest>;

/** Validates a token-generate body (already parsed JSON). Throws BAD_REQUEST naming every problem. */
export function parseTokenGenerateRequest(body: unknown): TokenGenerateRequest {
  return parseRequest(TokenGenerateRequest, body, AGENT_REQUEST_WORDS.body);
}

/** Parses a per-token lifetime: `15m`, `90m`, `1h`, `24h` (or seconds: `900`, `900s`); null when malformed or outside 5 min to 24 h. */
export function parseTokenTtl(input: string): number | null {
  return parseSeconds(input, TOKEN_TTL_MIN_SECONDS, TOKEN_TTL_MAX_SECONDS);
}
