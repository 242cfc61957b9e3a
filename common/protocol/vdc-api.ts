/**
 * The vDC API (`quantix-vdc serve`): one schema per request and response
 * (TypeBox), the types derived from them. The server routes declare them
 * (fastify validates requests and serialises answers with them, so an answer
 * holds only the fields its schema names) and `VdcClient` checks every answer
 * against them in full. Requests are strict: unknown fields are refused, so a
 * misspelt field never passes silently. Pure: no I/O, no clock.
 */
import { type Static, type TSchema, Type } from './typebox.js';
import { ErrorBody, Phase, QuantixError } from './errors.js';
import { Inventory, LiveUsage } from './inventory.js';
import { parseReply, parseRequest, readErrorBody, type RequestWords } from './schema.js';
import { formatHostPort } from './host-port.js';
import { AGENT_PORT } from './ports.js';
import { ISO_TIME_PATTERN, parseIsoTime } from '../format/when.js';

/** Paths of every vDC endpoint. */
export const VDC_PATHS = {
  health: '/api/health',
  clusters: '/api/clusters',
  cluster: (idOrName: string) => `/api/clusters/${encodeURIComponent(idOrName)}`,
  discover: '/api/nodes/discover',
  register: '/api/nodes/register',
  nodes: '/api/nodes',
  node: (id: string) => `/api/nodes/${encodeURIComponent(id)}`,
  nodeRefresh: (id: string) => `/api/nodes/${encodeURIComponent(id)}/refresh`,
  nodeMaintenance: (id: string) => `/api/nodes/${encodeURIComponent(id)}/maintenance`,
  nodeMove: (id: string) => `/api/nodes/${encodeURIComponent(id)}/move`,
  clusterRename: (idOrName: string) => `/api/clusters/${encodeURIComponent(idOrName)}/rename`,
  audit: '/api/audit',
  apiTokens: '/api/api-tokens',
  apiToken: (idOrName: string) => `/api/api-tokens/${encodeURIComponent(idOrName)}`,
  session: '/api/session',
  nodeTrend: (id: string) => `/api/nodes/${encodeURIComponent(id)}/trend`,
  clusterTrend: (idOrName: string) => `/api/clusters/${encodeURIComponent(idOrName)}/trend`,
} as const;

/** Route patterns of the paths that name one object (`:id` is its id or name). */
export const VDC_ROUTES = {
  cluster: `${VDC_PATHS.clusters}/:id`,
  node: `${VDC_PATHS.nodes}/:id`,
  nodeRefresh: `${VDC_PATHS.nodes}/:id/refresh`,
  nodeMaintenance: `${VDC_PATHS.nodes}/:id/maintenance`,
  nodeMove: `${VDC_PATHS.nodes}/:id/move`,
  clusterRename: `${VDC_PATHS.clusters}/:id/rename`,
  apiToken: `${VDC_PATHS.apiTokens}/:id`,
  nodeTrend: `${VDC_PATHS.nodes}/:id/trend`,
  clusterTrend: `${VDC_PATHS.clusters}/:id/trend`,
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
// Shapes: one schema per message, the type derived from it

const NullableString = Type.Union([Type.String(), Type.Null()]);

/** A cluster with its host counts. */
export const Cluster = Type.Object({
  id: Type.String(),
  name: Type.String(),
  description: Type.String(),
  createdAt: Type.String(),
  /** Hosts registered in the cluster (any state). */
  hosts: Type.Integer(),
  /** Hosts whose last health check succeeded. */
  connectedHosts: Type.Integer(),
});
export type Cluster = Static<typeof Cluster>;

/**
 * Exactly a cluster's documented fields, copied one by one: what the vDC answers (a stored row holds more) and
 * what the console prints with --json (a newer vDC may answer more).
 */
export function clusterFields(c: Cluster): Cluster {
  return {
    id: c.id,
    name: c.name,
    description: c.description,
    createdAt: c.createdAt,
    hosts: c.hosts,
    connectedHosts: c.connectedHosts,
  };
}

const NO_CONTROL = '^[^\\u0000-\\u001f\\u007f-\\u009f]*$';

/** `POST /api/clusters`. */
export const CreateClusterRequest = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: CLUSTER_NAME_PATTERN.source,
      problem: 'may only hold letters, digits, "-", "_" and "." (1-63)',
    }),
    description: Type.Optional(
      Type.String({
        maxLength: CLUSTER_DESCRIPTION_MAX,
        pattern: NO_CONTROL,
        problem: 'may not hold control characters',
      }),
    ),
  },
  { additionalProperties: false },
);
export type CreateClusterRequest = Static<typeof CreateClusterRequest>;

/** `GET /api/clusters`. */
export const ClusterListResponse = Type.Object({ clusters: Type.Array(Cluster) });
export type ClusterListResponse = Static<typeof ClusterListResponse>;

/** Lifecycle of a host record. */
export const NodeState = Type.Union([
  Type.Literal('pending'),
  Type.Literal('connected'),
  Type.Literal('disconnected'),
  Type.Literal('left'),
]);
export type NodeState = Static<typeof NodeState>;

/** Every node state, in the order the consoles list them. */
export const NODE_STATES: readonly NodeState[] = ['connected', 'disconnected', 'pending', 'left'];

/** The last failure seen while talking to a host (`code` is an ErrorCode, or one this version does not know). */
export const NodeError = Type.Object({ code: Type.String(), message: Type.String(), at: Type.String() });
export type NodeError = Static<typeof NodeError>;

const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

/** Hardware figures the consoles' tables show, taken from the inventory. */
export const NodeCapacity = Type.Object({
  cpuModel: NullableString,
  cpuCores: NullableNumber,
  cpuThreads: NullableNumber,
  memoryTotalBytes: NullableNumber,
  /** Sum of local disk sizes. */
  localStorageBytes: NullableNumber,
  nfsMounts: Type.Integer(),
  iscsiSessions: Type.Integer(),
  gpus: Type.Integer(),
});
export type NodeCapacity = Static<typeof NodeCapacity>;

const nodeSummaryFields = {
  id: Type.String(),
  hostId: Type.String(),
  hostname: Type.String(),
  address: Type.String(),
  port: Type.Integer(),
  clusterId: Type.String(),
  clusterName: Type.String(),
  certificateFingerprint: Type.String(),
  state: NodeState,
  /** When the host entered its current state. */
  stateSince: Type.String(),
  registeredAt: Type.String(),
  /** Last successful contact. */
  lastSeenAt: NullableString,
  lastError: Type.Union([NodeError, Type.Null()]),
  usage: Type.Union([LiveUsage, Type.Null()]),
  capacity: NodeCapacity,
  /** In maintenance: still polled, left out of capacity totals (absent from a vDC before maintenance existed). */
  maintenance: Type.Optional(Type.Boolean()),
  /** When the host was put in maintenance, null when it is not. */
  maintenanceSince: Type.Optional(NullableString),
};

/** A registered host, as listed. */
export const NodeSummary = Type.Object(nodeSummaryFields);
export type NodeSummary = Static<typeof NodeSummary>;

/** A host as listed with both maintenance fields present: what the vDC answers and the console prints with --json. */
export type NodeSummaryFields = Required<NodeSummary>;

/**
 * Exactly a host's documented fields, copied one by one (in the order the
 * console prints them): from a stored row (which holds more, and knows
 * maintenance only by its start) or from an answer (a newer vDC may send
 * more; an older one no maintenance fields).
 */
export function nodeSummaryFieldsOf(
  n: Omit<NodeSummary, 'maintenance' | 'maintenanceSince'> & {
    maintenance?: boolean;
    maintenanceSince?: string | null;
  },
): NodeSummaryFields {
  const maintenanceSince = n.maintenanceSince ?? null;
  return {
    id: n.id,
    hostname: n.hostname,
    address: n.address,
    port: n.port,
    clusterId: n.clusterId,
    clusterName: n.clusterName,
    hostId: n.hostId,
    certificateFingerprint: n.certificateFingerprint,
    state: n.state,
    stateSince: n.stateSince,
    lastSeenAt: n.lastSeenAt,
    registeredAt: n.registeredAt,
    lastError: n.lastError ? { code: n.lastError.code, message: n.lastError.message, at: n.lastError.at } : null,
    usage: n.usage,
    capacity: n.capacity,
    maintenance: n.maintenance ?? maintenanceSince !== null,
    maintenanceSince,
  };
}

/** Most lines in one inventory change list (the last one counts any beyond). */
export const INVENTORY_CHANGES_MAX = 20;

/** Longest line of an inventory change list. */
export const INVENTORY_CHANGE_LINE_MAX = 160;

/** The last refresh of a host's inventory that found a change: when, and what changed, in plain words. */
export const InventoryChange = Type.Object({
  at: Type.String(),
  changes: Type.Array(Type.String({ maxLength: INVENTORY_CHANGE_LINE_MAX }), { maxItems: INVENTORY_CHANGES_MAX }),
});
export type InventoryChange = Static<typeof InventoryChange>;

/** A registered host with its full inventory. */
export const NodeDetail = Type.Object({
  ...nodeSummaryFields,
  inventory: Type.Union([Inventory, Type.Null()]),
  inventoryAt: NullableString,
  /** The last refresh that found the inventory changed; null while none has. */
  inventoryChange: Type.Union([InventoryChange, Type.Null()]),
});
export type NodeDetail = Static<typeof NodeDetail>;

/** A host with its inventory and both maintenance fields present. */
export type NodeDetailFields = Required<NodeDetail>;

/** Exactly a host's documented fields with its inventory, copied one by one (see `nodeSummaryFieldsOf`). */
export function nodeDetailFieldsOf(
  n: Parameters<typeof nodeSummaryFieldsOf>[0] & Pick<NodeDetail, 'inventory' | 'inventoryAt' | 'inventoryChange'>,
): NodeDetailFields {
  return {
    ...nodeSummaryFieldsOf(n),
    inventory: n.inventory,
    inventoryAt: n.inventoryAt,
    inventoryChange: n.inventoryChange ? { at: n.inventoryChange.at, changes: [...n.inventoryChange.changes] } : null,
  };
}

/** `GET /api/nodes`. */
export const NodeListResponse = Type.Object({ nodes: Type.Array(NodeSummary) });
export type NodeListResponse = Static<typeof NodeListResponse>;

/** Query of `GET /api/nodes`: one cluster (id or name). */
export const NodeListQuery = Type.Object(
  { clusterId: Type.Optional(Type.String({ maxLength: 100 })) },
  { additionalProperties: false },
);
export type NodeListQuery = Static<typeof NodeListQuery>;

/** `POST /api/nodes/discover` (address syntax and token format are checked by the service). */
export const DiscoverRequest = Type.Object(
  {
    /** IPv4, `[IPv6]`, hostname, each with optional `:port` and optional `https://`. */
    address: Type.String({ format: 'nonblank', maxLength: 300 }),
    /** The registration token as typed; it never leaves the vDC. */
    token: Type.Optional(Type.String({ maxLength: 100 })),
  },
  { additionalProperties: false, phase: 'connect' },
);
export type DiscoverRequest = Static<typeof DiscoverRequest>;

/** Why a discovered host deserves a second look before it is added. */
export const DiscoveryWarningCode = Type.Union([
  Type.Literal('ALREADY_REGISTERED'),
  Type.Literal('MANAGED_ELSEWHERE'),
  Type.Literal('NO_VIRTUALIZATION'),
  Type.Literal('VIRTUALIZATION_DISABLED'),
  Type.Literal('ADDRESS_NOT_REPORTED'),
  Type.Literal('INVENTORY_PARTIAL'),
]);
export type DiscoveryWarningCode = Static<typeof DiscoveryWarningCode>;

/** One warning shown on the discovery page. */
export const DiscoveryWarning = Type.Object({ code: DiscoveryWarningCode, message: Type.String() });
export type DiscoveryWarning = Static<typeof DiscoveryWarning>;

/** The host as the vDC verified it. */
export const DiscoveredHost = Type.Object({
  hostId: Type.String(),
  hostname: Type.String(),
  /** The address the vDC connected to (host name or IP, without brackets). */
  address: Type.String(),
  port: Type.Integer(),
  certificateFingerprint: Type.String(),
  /** True when the host's answer carried a valid proof made with the token. */
  identityVerified: Type.Boolean(),
  agentVersion: Type.String(),
  /** Host clock minus vDC clock at hello, in seconds. */
  clockOffsetSeconds: Type.Number(),
});
export type DiscoveredHost = Static<typeof DiscoveredHost>;

/** `POST /api/nodes/discover` result. */
export const DiscoverResponse = Type.Object({
  discoveryId: Type.String(),
  expiresAt: Type.String(),
  host: DiscoveredHost,
  inventory: Inventory,
  warnings: Type.Array(DiscoveryWarning),
});
export type DiscoverResponse = Static<typeof DiscoverResponse>;

/** Stages of a discovery, streamed when the client asks for NDJSON. */
export const DiscoverStage = Type.Union([
  Type.Literal('connecting'),
  Type.Literal('verifying'),
  Type.Literal('collecting'),
]);
export type DiscoverStage = Static<typeof DiscoverStage>;

/** Stages in the order the vDC runs them. */
export const DISCOVER_STAGES: readonly DiscoverStage[] = ['connecting', 'verifying', 'collecting'];

/** The error phase each stage belongs to. */
export const STAGE_PHASE: Record<DiscoverStage, Phase> = {
  connecting: 'connect',
  verifying: 'verify',
  collecting: 'discover',
};

/** A progress line: the vDC entered a stage (`phase` is the phase of an error in it). */
export const DiscoverStageLine = Type.Object({ stage: DiscoverStage, phase: Phase });
/** The last line of a discovery that succeeded: the answer the plain request gets. */
export const DiscoverResultLine = Type.Object({ result: DiscoverResponse });
/** The last line of a discovery that failed. */
export const DiscoverErrorLine = Type.Object({ error: ErrorBody });

/**
 * One line of `POST /api/nodes/discover` answered as NDJSON: stage lines,
 * then one result or error line, each a JSON object on its own line.
 */
export const DiscoverStreamLine = Type.Union([DiscoverStageLine, DiscoverResultLine, DiscoverErrorLine]);
export type DiscoverStreamLine = Static<typeof DiscoverStreamLine>;

/** One progress line as the vDC writes it (the result line is written through the route's answer schema). */
export function discoverStreamLine(line: Exclude<DiscoverStreamLine, { result: unknown }>): string {
  return `${JSON.stringify(line)}\n`;
}

/** `POST /api/nodes/register`. */
export const RegisterRequest = Type.Object(
  {
    discoveryId: Type.String({ format: 'nonblank', maxLength: 100 }),
    /** Cluster id (or exact name). */
    clusterId: Type.String({ format: 'nonblank', maxLength: 100 }),
  },
  { additionalProperties: false, phase: 'register' },
);
export type RegisterRequest = Static<typeof RegisterRequest>;

/** Query of `DELETE /api/nodes/:id`. */
export const RemoveNodeQuery = Type.Object(
  { force: Type.Optional(Type.String({ pattern: '^(?:|true|1|false|0)$', problem: 'must be true or false' })) },
  { additionalProperties: false },
);
export type RemoveNodeQuery = Static<typeof RemoveNodeQuery>;

/** `POST /api/nodes/:id/refresh`: no fields. */
export const RefreshNodeRequest = Type.Object({}, { additionalProperties: false });

/** `POST /api/nodes/:id/refresh` result: the host as stored now, and what this refresh found changed. */
export const RefreshNodeResponse = Type.Object({
  node: NodeDetail,
  /** Empty when the inventory is the same as before. */
  changes: Type.Array(Type.String({ maxLength: INVENTORY_CHANGE_LINE_MAX }), { maxItems: INVENTORY_CHANGES_MAX }),
});
export type RefreshNodeResponse = Static<typeof RefreshNodeResponse>;

/** `DELETE /api/nodes/:id` result. */
export const RemoveNodeResponse = Type.Object({
  node: NodeSummary,
  /** True when the host confirmed that it left (or was no longer ours). */
  hostNotified: Type.Boolean(),
  /** Why the host was not notified, when it was not. */
  reason: NullableString,
});
export type RemoveNodeResponse = Static<typeof RemoveNodeResponse>;

const ClusterName = Type.String({
  minLength: 1,
  maxLength: 63,
  pattern: CLUSTER_NAME_PATTERN.source,
  problem: 'may only hold letters, digits, "-", "_" and "." (1-63)',
});

/** `PUT /api/nodes/:id/maintenance`. */
export const MaintenanceRequest = Type.Object({ maintenance: Type.Boolean() }, { additionalProperties: false });
export type MaintenanceRequest = Static<typeof MaintenanceRequest>;

/** `PUT /api/nodes/:id/maintenance` result. The vDC's record is what counts; the host is told best effort. */
export const MaintenanceResponse = Type.Object({
  node: NodeSummary,
  /** True when the host took the new state at once; otherwise the poller tells it once it answers. */
  hostNotified: Type.Boolean(),
  /** Why the host was not told, when it was not. */
  reason: NullableString,
});
export type MaintenanceResponse = Static<typeof MaintenanceResponse>;

/** `POST /api/nodes/:id/move`. */
export const MoveNodeRequest = Type.Object(
  {
    /** Target cluster id (or exact name). */
    clusterId: Type.String({ format: 'nonblank', maxLength: 100 }),
  },
  { additionalProperties: false },
);
export type MoveNodeRequest = Static<typeof MoveNodeRequest>;

/** `POST /api/nodes/:id/move` result. */
export const MoveNodeResponse = Type.Object({
  node: NodeSummary,
  /** The cluster the host was in. */
  from: Type.Object({ id: Type.String(), name: Type.String() }),
  /** False when the host already was in that cluster (nothing was done). */
  moved: Type.Boolean(),
});
export type MoveNodeResponse = Static<typeof MoveNodeResponse>;

/** `POST /api/clusters/:id/rename`. */
export const RenameClusterRequest = Type.Object({ name: ClusterName }, { additionalProperties: false });
export type RenameClusterRequest = Static<typeof RenameClusterRequest>;

/** `POST /api/clusters/:id/rename` result. */
export const RenameClusterResponse = Type.Object({
  cluster: Cluster,
  previousName: Type.String(),
  /** Hosts of the cluster that took the new name at once. */
  hostsNotified: Type.Integer(),
  /** Hosts that could not be told now: the poller tells each once it answers. */
  hostsPending: Type.Integer(),
});
export type RenameClusterResponse = Static<typeof RenameClusterResponse>;

/** An audit record. Never holds a secret. */
export const AuditEvent = Type.Object({
  id: Type.Integer(),
  at: Type.String(),
  /** e.g. `node.discover`, `node.register`, `node.remove`, `host.inventory`, `cluster.create`, `api-token.create`, `auth.forbidden`. */
  action: Type.String(),
  outcome: Type.Union([Type.Literal('ok'), Type.Literal('error')]),
  /** Who asked: `socket`, `cli`, `vdc`, or `https <ip>`. */
  source: Type.String(),
  /** API token name for remote requests. */
  actor: NullableString,
  address: NullableString,
  hostId: NullableString,
  nodeId: NullableString,
  clusterId: NullableString,
  code: NullableString,
  detail: NullableString,
});
export type AuditEvent = Static<typeof AuditEvent>;

/**
 * `GET /api/audit`: one page, newest first. `next` is the `before` cursor of
 * the next (older) page, or null on the last page (absent from vDCs that
 * predate paging by cursor).
 */
export const AuditListResponse = Type.Object({
  events: Type.Array(AuditEvent),
  next: Type.Optional(Type.Union([Type.Integer({ minimum: 1 }), Type.Null()])),
});
export type AuditListResponse = Static<typeof AuditListResponse>;

/** An ISO date or time as the audit filters take it (`2026-01-31`, `2026-01-31T08:00:00Z`, `…+02:00`). */
export const AUDIT_TIME_PATTERN = ISO_TIME_PATTERN;

/** Audit action names: lower-case dotted words (`node.register`, `api-token.create`). */
export const AUDIT_ACTION_PATTERN = /^[a-z][a-z0-9.-]{0,63}$/;

/** Most events one page of `GET /api/audit` holds. */
export const AUDIT_PAGE_MAX = 1000;

const auditTime = Type.String({
  pattern: `^(?:|${AUDIT_TIME_PATTERN.source.slice(1, -1)})$`,
  problem: 'must be an ISO date or time, e.g. 2026-01-31 or 2026-01-31T08:00:00Z',
});

/**
 * Query of `GET /api/audit` as sent: newest first, `limit` 1-1000 (100);
 * `before` (or its older name `beforeId`) is the cursor of the next page
 * (the `next` of the previous answer); `since` (inclusive) and `until`
 * (exclusive) are ISO times; `host` is a host name, node id, host id or
 * address; `action` one action; `outcome` ok or error.
 */
export const AuditQueryParams = Type.Object(
  {
    limit: Type.Optional(
      Type.String({ pattern: '^(?:|0*(?:[1-9][0-9]{0,2}|1000))$', problem: 'must be a whole number from 1 to 1000' }),
    ),
    beforeId: Type.Optional(
      Type.String({ pattern: '^(?:|0*[1-9][0-9]{0,8})$', problem: 'must be a whole number from 1 to 999999999' }),
    ),
    before: Type.Optional(
      Type.String({ pattern: '^(?:|0*[1-9][0-9]{0,14})$', problem: 'must be the next cursor of a previous page' }),
    ),
    since: Type.Optional(auditTime),
    until: Type.Optional(auditTime),
    host: Type.Optional(Type.String({ maxLength: 255, problem: 'must be at most 255 characters' })),
    action: Type.Optional(
      Type.String({
        pattern: `^(?:|${AUDIT_ACTION_PATTERN.source.slice(1, -1)})$`,
        problem: 'must be an action name such as node.register',
      }),
    ),
    outcome: Type.Optional(Type.String({ pattern: '^(?:|ok|error)$', problem: 'must be ok or error' })),
  },
  { additionalProperties: false },
);

/** Query of `GET /api/audit`: newest first; every filter given must match. */
export interface AuditQuery {
  limit?: number;
  /** Only events with a smaller id (paging backwards: the `next` of the previous page). */
  beforeId?: number;
  /** Only events at or after this ISO time. */
  since?: string;
  /** Only events before this ISO time. */
  until?: string;
  /** Only events of this host: its name, node id, host id or address. */
  host?: string;
  action?: string;
  outcome?: 'ok' | 'error';
}

/** One vDC replica as `/api/health` lists it. */
export const ReplicaHealth = Type.Object({
  id: Type.String(),
  name: Type.String(),
  url: Type.String(),
  startedAt: Type.String(),
  lastSeenAt: Type.String(),
  alive: Type.Boolean(),
  hosts: Type.Integer(),
});
export type ReplicaHealth = Static<typeof ReplicaHealth>;

/** `GET /api/health`. */
export const HealthResponse = Type.Object({
  status: Type.Literal('ok'),
  version: Type.String(),
  vdc: Type.Object({
    id: Type.String(),
    name: Type.String(),
    url: Type.String(),
    clientCertificateFingerprint: Type.String(),
    serverCertificateFingerprint: Type.String(),
  }),
  startedAt: Type.String(),
  clusters: Type.Integer(),
  hosts: Type.Object({
    pending: Type.Integer(),
    connected: Type.Integer(),
    disconnected: Type.Integer(),
    left: Type.Integer(),
    total: Type.Integer(),
  }),
  poller: Type.Object({
    intervalSeconds: Type.Number(),
    lastRoundAt: NullableString,
    lastRoundHosts: Type.Integer(),
    lastRoundMs: NullableNumber,
  }),
  /** Where the state is: `sqlite` (one process) or `postgresql` (replicas). */
  backend: Type.Optional(Type.Union([Type.Literal('sqlite'), Type.Literal('postgresql')])),
  /** The id of the replica that answered. */
  replicaId: Type.Optional(Type.String()),
  /** Every replica seen in the last hour; `alive` = seen within one lease period; `hosts` = hosts it polls. */
  replicas: Type.Optional(Type.Array(ReplicaHealth)),
});
export type HealthResponse = Static<typeof HealthResponse>;

/**
 * What an API token may do: `admin` everything the HTTPS listener offers,
 * `viewer` only reads (GET and HEAD); every other method is refused with
 * ROLE_FORBIDDEN. The local socket always has full access.
 */
export const ApiRole = Type.Union([Type.Literal('admin'), Type.Literal('viewer')]);
export type ApiRole = Static<typeof ApiRole>;

/** Every role, most powerful first. */
export const API_ROLES: readonly ApiRole[] = ['admin', 'viewer'];

/** The role of a token created without one: admin, what every token could do before roles existed. */
export const DEFAULT_API_ROLE: ApiRole = 'admin';

/** True for a request method a viewer may use: reads only. */
export function isReadMethod(method: string): boolean {
  return method === 'GET' || method === 'HEAD';
}

/** The refusal a viewer gets, naming its token, its role and what was refused (the vDC's and the console's words). */
export function roleForbidden(token: { name: string; role: ApiRole }, refused: string): QuantixError {
  return new QuantixError('ROLE_FORBIDDEN', {
    message: `The API token "${token.name}" has the ${token.role} role: it may list and watch, not change anything (${refused} refused).`,
  });
}

/** An API token as listed (never the secret itself). */
export const ApiTokenInfo = Type.Object({
  id: Type.String(),
  name: Type.String(),
  role: ApiRole,
  /** The token's public id (the 12 hex digits after `qxa_`), to recognise it; null for a token made before public ids. */
  publicId: NullableString,
  createdAt: Type.String(),
  lastUsedAt: NullableString,
  revokedAt: NullableString,
});
export type ApiTokenInfo = Static<typeof ApiTokenInfo>;

/** `POST /api/api-tokens`. */
export const CreateApiTokenRequest = Type.Object(
  {
    name: Type.String({
      minLength: 1,
      maxLength: 63,
      pattern: API_TOKEN_NAME_PATTERN.source,
      problem: 'may only hold letters, digits, "-", "_", "." and "@" (1-63)',
    }),
    /** Default: DEFAULT_API_ROLE. */
    role: Type.Optional(ApiRole),
  },
  { additionalProperties: false },
);
export type CreateApiTokenRequest = Static<typeof CreateApiTokenRequest>;

/** `POST /api/api-tokens` result: the only time the token is shown. */
export const CreateApiTokenResponse = Type.Object({ token: Type.String(), info: ApiTokenInfo });
export type CreateApiTokenResponse = Static<typeof CreateApiTokenResponse>;

/** `GET /api/api-tokens`. */
export const ApiTokenListResponse = Type.Object({ tokens: Type.Array(ApiTokenInfo) });
export type ApiTokenListResponse = Static<typeof ApiTokenListResponse>;

/** `GET /api/session`: who the vDC takes the caller for, and so what the caller may do. */
export const SessionResponse = Type.Object({
  /** `socket` (the local socket: full access) or `api-token` (HTTPS). */
  access: Type.Union([Type.Literal('socket'), Type.Literal('api-token')]),
  role: ApiRole,
  /** The API token's name and public id; null on the socket. */
  token: Type.Union([Type.Object({ name: Type.String(), publicId: NullableString }), Type.Null()]),
});
export type SessionResponse = Static<typeof SessionResponse>;

/** Parameters of the routes that name one object (`:id`, an id or a name). */
export const IdParams = Type.Object({ id: Type.String({ maxLength: 300 }) });

// ---------------------------------------------------------------------------
// Request parsing (server side, strict): the schemas above, in our words

const REQUEST: RequestWords = { code: 'VALIDATION_ERROR' };
const QUERY: RequestWords = { code: 'VALIDATION_ERROR', subject: 'parameter' };

/** How the vDC words a request that does not match its schema (the body's, or the query's). */
export const VDC_REQUEST_WORDS = { body: REQUEST, querystring: QUERY, params: QUERY } as const;

/** Validates `POST /api/clusters`. */
export function parseCreateClusterRequest(body: unknown): Required<CreateClusterRequest> {
  const r = parseRequest(CreateClusterRequest, body, REQUEST);
  return { name: r.name, description: r.description ?? '' };
}

/** Validates `POST /api/nodes/discover`. */
export function parseDiscoverRequest(body: unknown): Required<DiscoverRequest> {
  const r = parseRequest(DiscoverRequest, body, REQUEST);
  return { address: r.address, token: r.token ?? '' };
}

/** Validates `POST /api/nodes/register`. */
export function parseRegisterRequest(body: unknown): RegisterRequest {
  return parseRequest(RegisterRequest, body, REQUEST);
}

/** Validates `PUT /api/nodes/:id/maintenance`. */
export function parseMaintenanceRequest(body: unknown): MaintenanceRequest {
  return parseRequest(MaintenanceRequest, body, REQUEST);
}

/** Validates `POST /api/nodes/:id/move`. */
export function parseMoveNodeRequest(body: unknown): MoveNodeRequest {
  return parseRequest(MoveNodeRequest, body, REQUEST);
}

/** Validates `POST /api/clusters/:id/rename`. */
export function parseRenameClusterRequest(body: unknown): RenameClusterRequest {
  return parseRequest(RenameClusterRequest, body, REQUEST);
}

/** Validates `POST /api/api-tokens`. */
export function parseCreateApiTokenRequest(body: unknown): CreateApiTokenRequest {
  return parseRequest(CreateApiTokenRequest, body, REQUEST);
}

/** An ISO time of the audit filters as the store compares it (UTC, milliseconds), or null when it names no time. */
export function auditTimeOf(input: string): string | null {
  const t = parseIsoTime(input);
  return t === null ? null : new Date(t).toISOString();
}

/** Validates the query of `GET /api/audit`; times come back in the stored form. */
export function parseAuditQuery(query: Record<string, unknown>): Required<Pick<AuditQuery, 'limit'>> & AuditQuery {
  const q = parseRequest(AuditQueryParams, query, QUERY);
  const out: Required<Pick<AuditQuery, 'limit'>> & AuditQuery = { limit: q.limit ? Number(q.limit) : 100 };
  const before = q.before || q.beforeId;
  if (before) out.beforeId = Number(before);
  for (const key of ['since', 'until'] as const) {
    const text = q[key];
    if (!text) continue;
    const at = auditTimeOf(text);
    if (at === null)
      throw new QuantixError('VALIDATION_ERROR', {
        message: `The parameter ${key} is not a valid time.`,
        hint: 'Give an ISO date or time, e.g. 2026-01-31 or 2026-01-31T08:00:00Z.',
      });
    out[key] = at;
  }
  if (q.host) out.host = q.host;
  if (q.action) out.action = q.action;
  if (q.outcome === 'ok' || q.outcome === 'error') out.outcome = q.outcome;
  return out;
}

/** Reads the `force` flag of `DELETE /api/nodes/:id` (`true`/`1`/`false`/`0`, absent = false). */
export function parseRemoveNodeQuery(query: Record<string, unknown>): boolean {
  const q = parseRequest(RemoveNodeQuery, query, QUERY);
  return q.force === 'true' || q.force === '1';
}

// ---------------------------------------------------------------------------
// Answer checks (client side, in full)

const VDC_REPLY = {
  peer: 'The vDC',
  hint: 'Check that the console and the vDC run the same Quantix version.',
} as const;

/** Checks one answer of the vDC against its schema; HOST_PROTOCOL_ERROR when it differs. */
export function checkVdcReply<T extends TSchema>(schema: T, v: unknown, what: string): Static<T> {
  return parseReply(schema, v, what, VDC_REPLY);
}

/** Checks a cluster object. */
export const checkCluster = (v: unknown): Cluster => checkVdcReply(Cluster, v, 'cluster');
/** Checks `GET /api/clusters`. */
export const checkClusterList = (v: unknown): ClusterListResponse => checkVdcReply(ClusterListResponse, v, 'response');
/** Checks `GET /api/nodes`. */
export const checkNodeList = (v: unknown): NodeListResponse => checkVdcReply(NodeListResponse, v, 'response');

/**
 * Turns an error body received from the vDC into a QuantixError, checked
 * against `ErrorBody`: unknown codes become INTERNAL, words kept; a body
 * without a code or that does not match is HOST_PROTOCOL_ERROR (INTERNAL
 * for a 5xx status).
 */
export function errorFromBody(v: unknown, status: number): QuantixError {
  const read = readErrorBody(ErrorBody, v);
  if (!read.ok) {
    const code = status >= 500 ? 'INTERNAL' : 'HOST_PROTOCOL_ERROR';
    // The catalogue's protocol hint is about a host agent; here the peer is the vDC.
    return new QuantixError(code, {
      message: `The vDC answered HTTP ${status} ${read.problem}.`,
      ...(read.coded || code === 'HOST_PROTOCOL_ERROR' ? { hint: VDC_REPLY.hint } : {}),
    });
  }
  const b = read.body;
  return new QuantixError(b.code, {
    message: b.message,
    hint: b.hint,
    ...(b.phase ? { phase: b.phase } : {}),
    ...(b.retryAfterSeconds !== undefined ? { retryAfterSeconds: b.retryAfterSeconds } : {}),
    ...(b.details ? { details: b.details } : {}),
  });
}

// ---------------------------------------------------------------------------
// Default locations

/** Where the vDC keeps its state and socket, from the environment (pure: pass env and uid). */
export function defaultVdcPaths(
  env: Record<string, string | undefined>,
  uid: number,
  home: string,
): { stateDir: string; socketPath: string } {
  if (uid === 0) return { stateDir: '/var/lib/quantix-vdc', socketPath: '/run/quantix/vdc.sock' };
  const stateBase =
    env.XDG_STATE_HOME && env.XDG_STATE_HOME.startsWith('/') ? env.XDG_STATE_HOME : `${home}/.local/state`;
  const stateDir = `${stateBase}/quantix/vdc`;
  const runtime =
    env.XDG_RUNTIME_DIR && env.XDG_RUNTIME_DIR.startsWith('/') ? `${env.XDG_RUNTIME_DIR}/quantix` : stateDir;
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
    if (scheme[1]!.toLowerCase() !== 'https')
      return no(`only https:// addresses are accepted, not ${scheme[1]!.toLowerCase()}://`);
    s = s.slice(scheme[0].length);
    if (s.endsWith('/')) s = s.slice(0, -1);
  }
  if (/\s/.test(s)) return no('the address contains spaces');
  if (s.includes('@')) return no('user names are not accepted in the address');
  if (s.includes('/') || s.includes('\\')) return no('paths are not accepted: give only the host and port');
  if (s.includes('?') || s.includes('#'))
    return no('queries and fragments are not accepted: give only the host and port');
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

// ---------------------------------------------------------------------------
// Trends: a short history of CPU and memory use

/** One time bucket of a host's or a cluster's use (a cluster's: sum of used over sum of total of its hosts). */
export const TrendPoint = Type.Object({
  /** Start of the bucket. */
  at: Type.String(),
  /** Average CPU use in the bucket, 0-100 (a cluster's weighted by each host's CPUs); null when unknown. */
  cpuPercent: NullableNumber,
  /** Average memory in use over memory installed, 0-100; null when unknown. */
  memoryPercent: NullableNumber,
  memoryUsedBytes: NullableNumber,
  memoryTotalBytes: NullableNumber,
  /** Hosts that reported in the bucket. */
  hosts: Type.Integer(),
});
export type TrendPoint = Static<typeof TrendPoint>;

/** `GET /api/nodes/:id/trend` and `GET /api/clusters/:id/trend`: oldest bucket first, missing buckets absent. */
export const TrendResponse = Type.Object({
  kind: Type.Union([Type.Literal('host'), Type.Literal('cluster')]),
  id: Type.String(),
  name: Type.String(),
  /** Width of one bucket. */
  bucketSeconds: Type.Number(),
  /** Buckets the window holds (the window is bucketSeconds x points). */
  points: Type.Integer(),
  /** End of the window: the start of the bucket under way, by the vDC's clock (the window's last bucket ends here). */
  to: Type.String(),
  samples: Type.Array(TrendPoint),
});
export type TrendResponse = Static<typeof TrendResponse>;
