/**
 * The vDC API over HTTP: the same routes on the local Unix socket (no
 * authentication: its file mode is the access control) and on HTTPS for
 * remote consoles (an API token on every request). Each route declares the
 * schemas of its request and answer (common/protocol/vdc-api.ts); the shared
 * edge (common/http/server-edge.ts) checks requests against them, refuses
 * what does not match with a stable code, and turns every failure into
 * `{code, message, hint, phase}` with a fixed status. Unexpected errors are
 * logged, never described to the client.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import { createHash } from 'node:crypto';
import type { Logger } from '../../common/log/logger.js';
import { QuantixError } from '../../common/protocol/errors.js';
import {
  ApiTokenInfo,
  ApiTokenListResponse,
  AuditListResponse,
  AuditQueryParams,
  Cluster,
  ClusterListResponse,
  CreateApiTokenRequest,
  CreateApiTokenResponse,
  CreateClusterRequest,
  DiscoverRequest,
  DiscoverResponse,
  discoverStreamLine,
  HealthResponse,
  IdParams,
  MaintenanceRequest,
  MaintenanceResponse,
  MoveNodeRequest,
  MoveNodeResponse,
  NDJSON,
  NodeDetail,
  NodeListQuery,
  NodeListResponse,
  parseRemoveNodeQuery,
  RefreshNodeRequest,
  RefreshNodeResponse,
  RegisterRequest,
  RemoveNodeQuery,
  RemoveNodeResponse,
  SessionResponse,
  RenameClusterRequest,
  RenameClusterResponse,
  STAGE_PHASE,
  TrendResponse,
  VDC_BODY_LIMIT_BYTES,
  VDC_PATHS,
  VDC_REQUEST_WORDS,
  VDC_ROUTES,
} from '../../common/protocol/vdc-api.js';
import { bearerToken, findApiToken } from './api-tokens.js';
import { AUTH_FAILURE_DEFAULTS, AuthFailures } from './auth-failures.js';
import { installRoleCheck, type TokenCaller } from './roles.js';
import type { InventoryRefresher } from './inventory-refresh.js';
import type { RequestContext, VdcService } from './service.js';
import type { Store } from './store.js';
import { SERVER_CIPHERS, SERVER_MIN_TLS_VERSION } from '../../common/tls/tls-policy.js';
import { guardConnections, NETWORK_LISTENER_LIMITS } from '../../common/http/connection-guard.js';
import {
  clientErrorHandler,
  installEdge,
  sendChecked,
  serializeChecked,
  toQuantixError,
} from '../../common/http/server-edge.js';

export { toQuantixError } from '../../common/http/server-edge.js';

/** How one listener is built. */
export interface ApiServerOptions {
  service: VdcService;
  /** Reads member hosts' inventories again on request. */
  inventory: InventoryRefresher;
  store: Store;
  log: Logger;
  /** HTTPS listener for remote consoles: API token required, token management refused. */
  remote: { keyPem: string; certPem: string } | null;
  now?: () => number;
}

/**
 * A list that consoles re-read every few seconds: tagged with a hash of its
 * body, and answered 304 with no body when the console already has it, so
 * a console of 5,000 hosts parses the list only when a poller round changed it.
 */
function sendList(req: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const json = serializeChecked(reply, 200, body);
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"`;
  reply.header('etag', etag);
  if (req.headers['if-none-match'] === etag) return reply.code(304).header('cache-control', 'no-cache').send();
  return reply.header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(json);
}

const contexts = new WeakMap<FastifyRequest, RequestContext>();
/** The API token of each HTTPS request, with its role; none on the socket. */
const tokenCallers = new WeakMap<FastifyRequest, TokenCaller>();
/** What `GET /api/session` answers for each request: the socket has full access. */
const sessions = new WeakMap<FastifyRequest, SessionResponse>();
const SOCKET_SESSION: SessionResponse = { access: 'socket', role: 'admin', token: null };

/** The request's caller, as the authentication hook found it. */
function ctx(req: FastifyRequest): RequestContext {
  return contexts.get(req) ?? { source: 'socket', actor: null };
}

/** The `:id` of a route (checked against IdParams). */
function idOf(req: FastifyRequest): string {
  return (req.params as { id: string }).id;
}

/**
 * Who asks: the local socket, or (HTTPS) the holder of a valid API token.
 * Guessing is limited per source, with one log line per source and minute.
 */
function installAuthentication(app: FastifyInstance, o: ApiServerOptions): void {
  const { store, log } = o;
  const now = o.now ?? Date.now;
  const lastTouch = new Map<string, number>();
  const failures = new AuthFailures({
    ...AUTH_FAILURE_DEFAULTS,
    now,
    report: (source, refused, kind) => {
      if (kind === 'first')
        log.warn(
          { source, refused },
          'API request refused: no valid API token; more from this source in the next minute are counted, not logged',
        );
      else
        log.warn(
          { source, refused, windowSeconds: AUTH_FAILURE_DEFAULTS.windowMs / 1000 },
          'API requests refused: no valid API token',
        );
    },
  });
  if (o.remote) {
    const flusher = setInterval(() => failures.flush(), AUTH_FAILURE_DEFAULTS.windowMs);
    flusher.unref();
    app.addHook('onClose', (_app, done) => {
      clearInterval(flusher);
      failures.flush();
      done();
    });
  }
  app.addHook('onRequest', async (req, reply) => {
    const controller = new AbortController();
    // The connection closing before the answer is complete means the client gave up.
    reply.raw.on('close', () => {
      if (!reply.raw.writableFinished) controller.abort();
    });
    if (!o.remote) {
      contexts.set(req, { source: 'socket', actor: null, caller: 'socket', signal: controller.signal });
      return;
    }
    const address = req.socket.remoteAddress ?? 'unknown';
    const blocked = failures.blockedFor(address);
    if (blocked !== null) {
      failures.refused(address, false);
      throw new QuantixError('API_TOKEN_RATE_LIMITED', { retryAfterSeconds: blocked });
    }
    const header = req.headers.authorization;
    const token = bearerToken(header);
    const rec = token ? await findApiToken(store, token) : null;
    if (!rec) {
      // A request without any token is no guess; one with a wrong token is.
      failures.refused(address, header !== undefined);
      throw new QuantixError('UNAUTHORIZED', {
        message: header === undefined ? 'An API token is required.' : 'The API token is not valid or has been revoked.',
      });
    }
    const t = now();
    // Last use is recorded at most once a minute per token, so reads do not turn into writes.
    if (t - (lastTouch.get(rec.id) ?? 0) > 60_000) {
      lastTouch.set(rec.id, t);
      await store.touchApiToken(rec.id, new Date(t).toISOString());
    }
    contexts.set(req, {
      source: `https ${address}`,
      actor: rec.name,
      caller: `api-token ${rec.id}`,
      signal: controller.signal,
    });
    tokenCallers.set(req, { tokenId: rec.id, name: rec.name, role: rec.role, source: `https ${address}` });
    sessions.set(req, { access: 'api-token', role: rec.role, token: { name: rec.name, publicId: rec.publicId } });
  });
}

/**
 * `POST /api/nodes/discover` with progress: when the client accepts NDJSON,
 * one line per stage, then the result or the error. Until the first stage
 * the request can still fail as a plain JSON error (bad address, token typo).
 */
async function discoverStreaming(o: ApiServerOptions, req: FastifyRequest, reply: FastifyReply): Promise<FastifyReply> {
  // Set by the stage callback: an object, so the compiler does not take it for the constant it starts as.
  const state = { streaming: false };
  const line = (v: Parameters<typeof discoverStreamLine>[0]) => reply.raw.write(discoverStreamLine(v));
  try {
    const result = await o.service.discover(req.body, ctx(req), (stage) => {
      if (!state.streaming) {
        state.streaming = true;
        reply.hijack();
        reply.raw.writeHead(200, {
          'content-type': `${NDJSON}; charset=utf-8`,
          'cache-control': 'no-store',
          'x-content-type-options': 'nosniff',
        });
      }
      line({ stage, phase: STAGE_PHASE[stage] });
    });
    if (!state.streaming) {
      sendChecked(reply, 200, result);
    } else {
      // The result line carries only what the answer's schema names, as the plain answer does.
      reply.raw.write(`{"result":${serializeChecked(reply, 200, result)}}\n`);
      reply.raw.end();
    }
  } catch (err) {
    if (!state.streaming) throw err;
    const q = toQuantixError(err);
    if (q.code === 'INTERNAL') o.log.error({ err }, 'discovery failed');
    line({ error: q.toBody() });
    reply.raw.end();
  }
  return reply;
}

function sendReply(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  sendChecked(reply, status, body);
  return reply;
}

/** Every route with its schemas (exported so a test can walk them all). */
export function routes(o: ApiServerOptions): RouteOptions[] {
  const { service } = o;
  const localOnly = () => {
    if (o.remote)
      throw new QuantixError('LOCAL_ONLY', { message: 'API tokens can only be managed on the vDC itself.' });
  };
  return [
    {
      method: 'GET',
      url: VDC_PATHS.health,
      schema: { response: { 200: HealthResponse } },
      handler: async (_req, reply) => sendReply(reply, 200, await service.health()),
    },
    {
      method: 'GET',
      url: VDC_PATHS.session,
      schema: { response: { 200: SessionResponse } },
      handler: (req, reply) => sendReply(reply, 200, sessions.get(req) ?? SOCKET_SESSION),
    },
    {
      method: 'GET',
      url: VDC_PATHS.clusters,
      schema: { response: { 200: ClusterListResponse } },
      handler: async (req, reply) => sendList(req, reply, { clusters: await service.listClusters() }),
    },
    {
      method: 'POST',
      url: VDC_PATHS.clusters,
      schema: { body: CreateClusterRequest, response: { 201: Cluster } },
      handler: async (req, reply) => sendReply(reply, 201, await service.createCluster(req.body, ctx(req))),
    },
    {
      method: 'DELETE',
      url: VDC_ROUTES.cluster,
      schema: { params: IdParams, response: { 200: Cluster } },
      handler: async (req, reply) => sendReply(reply, 200, await service.deleteCluster(idOf(req), ctx(req))),
    },
    {
      method: 'POST',
      url: VDC_PATHS.discover,
      schema: { body: DiscoverRequest, response: { 200: DiscoverResponse } },
      handler: async (req, reply) => {
        if ((req.headers.accept ?? '').includes(NDJSON)) return discoverStreaming(o, req, reply);
        return sendReply(reply, 200, await service.discover(req.body, ctx(req)));
      },
    },
    {
      method: 'POST',
      url: VDC_PATHS.register,
      schema: { body: RegisterRequest, response: { 201: NodeDetail } },
      handler: async (req, reply) => sendReply(reply, 201, await service.register(req.body, ctx(req))),
    },
    {
      method: 'GET',
      url: VDC_PATHS.nodes,
      schema: { querystring: NodeListQuery, response: { 200: NodeListResponse } },
      handler: async (req, reply) => {
        const clusterId = (req.query as NodeListQuery).clusterId;
        return sendList(req, reply, { nodes: await service.listNodes(clusterId === '' ? undefined : clusterId) });
      },
    },
    {
      method: 'GET',
      url: VDC_ROUTES.node,
      schema: { params: IdParams, response: { 200: NodeDetail } },
      handler: async (req, reply) => sendReply(reply, 200, await service.getNode(idOf(req))),
    },
    {
      method: 'DELETE',
      url: VDC_ROUTES.node,
      schema: { params: IdParams, querystring: RemoveNodeQuery, response: { 200: RemoveNodeResponse } },
      handler: async (req, reply) =>
        sendReply(
          reply,
          200,
          await service.removeNode(idOf(req), parseRemoveNodeQuery(req.query as Record<string, unknown>), ctx(req)),
        ),
    },
    {
      method: 'POST',
      url: VDC_ROUTES.nodeRefresh,
      schema: { params: IdParams, body: RefreshNodeRequest, response: { 200: RefreshNodeResponse } },
      handler: async (req, reply) => sendReply(reply, 200, await o.inventory.refresh(idOf(req), ctx(req))),
    },
    {
      method: 'PUT',
      url: VDC_ROUTES.nodeMaintenance,
      schema: { params: IdParams, body: MaintenanceRequest, response: { 200: MaintenanceResponse } },
      handler: async (req, reply) => sendReply(reply, 200, await service.setMaintenance(idOf(req), req.body, ctx(req))),
    },
    {
      method: 'POST',
      url: VDC_ROUTES.nodeMove,
      schema: { params: IdParams, body: MoveNodeRequest, response: { 200: MoveNodeResponse } },
      handler: async (req, reply) => sendReply(reply, 200, await service.moveNode(idOf(req), req.body, ctx(req))),
    },
    {
      method: 'POST',
      url: VDC_ROUTES.clusterRename,
      schema: { params: IdParams, body: RenameClusterRequest, response: { 200: RenameClusterResponse } },
      handler: async (req, reply) => sendReply(reply, 200, await service.renameCluster(idOf(req), req.body, ctx(req))),
    },
    {
      method: 'GET',
      url: VDC_ROUTES.nodeTrend,
      schema: { params: IdParams, response: { 200: TrendResponse } },
      handler: async (req, reply) => sendReply(reply, 200, await service.nodeTrend(idOf(req))),
    },
    {
      method: 'GET',
      url: VDC_ROUTES.clusterTrend,
      schema: { params: IdParams, response: { 200: TrendResponse } },
      handler: async (req, reply) => sendReply(reply, 200, await service.clusterTrend(idOf(req))),
    },
    {
      method: 'GET',
      url: VDC_PATHS.audit,
      schema: { querystring: AuditQueryParams, response: { 200: AuditListResponse } },
      handler: async (req, reply) =>
        sendReply(reply, 200, await service.listAudit(req.query as Record<string, unknown>)),
    },
    {
      method: 'GET',
      url: VDC_PATHS.apiTokens,
      schema: { response: { 200: ApiTokenListResponse } },
      handler: async (_req, reply) => {
        localOnly();
        return sendReply(reply, 200, { tokens: await service.listApiTokens() });
      },
    },
    {
      method: 'POST',
      url: VDC_PATHS.apiTokens,
      schema: { body: CreateApiTokenRequest, response: { 201: CreateApiTokenResponse } },
      handler: async (req, reply) => {
        localOnly();
        return sendReply(reply, 201, await service.createApiToken(req.body, ctx(req)));
      },
    },
    {
      method: 'DELETE',
      url: VDC_ROUTES.apiToken,
      schema: { params: IdParams, response: { 200: ApiTokenInfo } },
      handler: async (req, reply) => {
        localOnly();
        return sendReply(reply, 200, await service.revokeApiToken(idOf(req), ctx(req)));
      },
    },
  ];
}

/** Builds one listener's fastify instance (not yet listening). */
export function buildApiServer(o: ApiServerOptions): FastifyInstance {
  const app = Fastify({
    logger: false,
    bodyLimit: VDC_BODY_LIMIT_BYTES,
    ...(o.remote
      ? {
          https: {
            key: o.remote.keyPem,
            cert: o.remote.certPem,
            minVersion: SERVER_MIN_TLS_VERSION,
            ciphers: SERVER_CIPHERS,
            handshakeTimeout: NETWORK_LISTENER_LIMITS.handshakeTimeoutMs,
          },
        }
      : {}),
    clientErrorHandler,
    return503OnClosing: false,
    forceCloseConnections: true,
  });
  // The network listener is bounded against idle and slow peers; the Unix socket is not reachable by them.
  if (o.remote) guardConnections(app.server, NETWORK_LISTENER_LIMITS);
  installAuthentication(app, o);
  if (o.remote)
    installRoleCheck(app, {
      caller: (req) => tokenCallers.get(req) ?? null,
      audit: (e) => o.service.audit(e),
      log: o.log,
      now: o.now ?? Date.now,
    });
  installEdge(app, { log: o.log, words: VDC_REQUEST_WORDS, routes: routes(o) });
  return app;
}
