/**
 * The vDC API over HTTP: the same routes on the local Unix socket (no
 * authentication: its file mode is the access control) and on HTTPS for
 * remote consoles (an API token on every request). JSON bodies only, with a
 * size cap; every failure is `{code, message, hint, phase}` with a fixed
 * status, and unexpected errors are logged, never described to the client.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import { createHash } from 'node:crypto';
import type { Socket } from 'node:net';
import { type ErrorCode, errorBody, QuantixError } from '../../common/protocol/errors.js';
import type { Logger } from '../../common/log/logger.js';
import { NDJSON, STAGE_PHASE, VDC_BODY_LIMIT_BYTES, parseFlagQuery } from '../../common/protocol/vdc-api.js';
import { bearerToken, findApiToken } from './api-tokens.js';
import { AUTH_FAILURE_DEFAULTS, AuthFailures } from './auth-failures.js';
import type { RequestContext, VdcService } from './service.js';
import type { Store } from './store.js';
import { SERVER_CIPHERS, SERVER_MIN_TLS_VERSION } from '../../common/tls/tls-policy.js';
import { answerClientError, guardConnections, NETWORK_LISTENER_LIMITS } from '../../common/http/connection-guard.js';

/** How one listener is built. */
export interface ApiServerOptions {
  service: VdcService;
  store: Store;
  log: Logger;
  /** HTTPS listener for remote consoles: API token required, token management refused. */
  remote: { keyPem: string; certPem: string } | null;
  now?: () => number;
}

const FASTIFY_CODES: Record<string, ErrorCode> = {
  FST_ERR_CTP_BODY_TOO_LARGE: 'PAYLOAD_TOO_LARGE',
  FST_ERR_CTP_INVALID_MEDIA_TYPE: 'UNSUPPORTED_MEDIA_TYPE',
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: 'BAD_REQUEST',
  FST_ERR_CTP_EMPTY_JSON_BODY: 'BAD_REQUEST',
  FST_ERR_CTP_INVALID_JSON_BODY: 'BAD_REQUEST',
};

/** Maps anything thrown in a handler to a stable error. */
export function toQuantixError(err: unknown): QuantixError {
  if (err instanceof QuantixError) return err;
  const e = err as { code?: string; statusCode?: number; name?: string };
  const mapped = e?.code ? FASTIFY_CODES[e.code] : undefined;
  if (mapped === 'BAD_REQUEST' || (e?.name === 'SyntaxError' && e.statusCode === 400)) {
    return new QuantixError('BAD_REQUEST', { message: 'The request body is not valid JSON.', hint: 'Send a JSON object with the documented fields.' });
  }
  if (mapped) return new QuantixError(mapped);
  if (typeof e?.statusCode === 'number' && e.statusCode >= 400 && e.statusCode < 500) {
    if (e.statusCode === 413) return new QuantixError('PAYLOAD_TOO_LARGE');
    if (e.statusCode === 415) return new QuantixError('UNSUPPORTED_MEDIA_TYPE');
    return new QuantixError('BAD_REQUEST');
  }
  return new QuantixError('INTERNAL');
}

function send(reply: FastifyReply, status: number, body: unknown): FastifyReply {
  return reply.code(status).header('cache-control', 'no-store').type('application/json; charset=utf-8').send(JSON.stringify(body));
}

/**
 * A list that consoles re-read every few seconds: tagged with a hash of its
 * body, and answered 304 with no body when the console already has it, so
 * a console of 5,000 hosts parses the list only when a poller round changed it.
 */
function sendList(req: FastifyRequest, reply: FastifyReply, body: unknown): FastifyReply {
  const json = JSON.stringify(body);
  const etag = `"${createHash('sha256').update(json).digest('base64url').slice(0, 32)}"`;
  reply.header('etag', etag);
  if (req.headers['if-none-match'] === etag) return reply.code(304).header('cache-control', 'no-cache').send();
  return reply.code(200).header('cache-control', 'no-cache').type('application/json; charset=utf-8').send(json);
}

function sendError(reply: FastifyReply, q: QuantixError): FastifyReply {
  if (q.retryAfterSeconds !== undefined) reply.header('retry-after', String(q.retryAfterSeconds));
  return send(reply, q.status, q.toBody());
}

/** A malformed request line or header gets the same JSON error body as everything else; the connection is then destroyed. */
function clientErrorHandler(err: Error & { code?: string }, socket: Socket): void {
  answerClientError(err, socket, () => {
    const code: ErrorCode = err.code === 'HPE_HEADER_OVERFLOW' ? 'PAYLOAD_TOO_LARGE' : 'BAD_REQUEST';
    const body = JSON.stringify(errorBody(code));
    const status = code === 'PAYLOAD_TOO_LARGE' ? '413 Payload Too Large' : '400 Bad Request';
    return `HTTP/1.1 ${status}\r\nContent-Type: application/json\r\nContent-Length: ${Buffer.byteLength(body)}\r\nConnection: close\r\n\r\n${body}`;
  });
}

const contexts = new WeakMap<FastifyRequest, RequestContext>();

/** Routes and the methods they accept, for 405 answers. */
const ROUTES: Record<string, readonly string[]> = {
  '/api/health': ['GET'],
  '/api/clusters': ['GET', 'POST'],
  '/api/clusters/:id': ['DELETE'],
  '/api/nodes': ['GET'],
  '/api/nodes/discover': ['POST'],
  '/api/nodes/register': ['POST'],
  '/api/nodes/:id': ['GET', 'DELETE'],
  '/api/audit': ['GET'],
  '/api/api-tokens': ['GET', 'POST'],
  '/api/api-tokens/:id': ['DELETE'],
};

const ALL_METHODS = ['GET', 'POST', 'PUT', 'DELETE', 'PATCH', 'OPTIONS'] as const;

/** Builds one listener's fastify instance (not yet listening). */
export function buildApiServer(o: ApiServerOptions): FastifyInstance {
  const { service, store, log } = o;
  const now = o.now ?? Date.now;
  const app = Fastify({
    logger: false,
    bodyLimit: VDC_BODY_LIMIT_BYTES,
    ...(o.remote
      ? { https: { key: o.remote.keyPem, cert: o.remote.certPem, minVersion: SERVER_MIN_TLS_VERSION, ciphers: SERVER_CIPHERS, handshakeTimeout: NETWORK_LISTENER_LIMITS.handshakeTimeoutMs } }
      : {}),
    clientErrorHandler,
    return503OnClosing: true,
    forceCloseConnections: true,
  });
  // The network listener is bounded against idle and slow peers; the Unix socket is not reachable by them.
  if (o.remote) guardConnections(app.server, NETWORK_LISTENER_LIMITS);
  // JSON is the only body this API reads.
  app.removeContentTypeParser('text/plain');

  app.setErrorHandler((err, req, reply) => {
    const q = toQuantixError(err);
    if (q.code === 'INTERNAL') log.error({ err, method: req.method, route: req.routeOptions.url }, 'request failed');
    return sendError(reply, q);
  });
  app.setNotFoundHandler((_req, reply) => sendError(reply, new QuantixError('NOT_FOUND')));

  const lastTouch = new Map<string, number>();
  // Refused API requests: guessing limited per source, and one log line per source and minute with the count.
  const failures = new AuthFailures({
    ...AUTH_FAILURE_DEFAULTS,
    now,
    report: (source, refused, kind) =>
      kind === 'first'
        ? log.warn({ source, refused }, 'API request refused: no valid API token; more from this source in the next minute are counted, not logged')
        : log.warn({ source, refused, windowSeconds: AUTH_FAILURE_DEFAULTS.windowMs / 1000 }, 'API requests refused: no valid API token'),
  });
  if (o.remote) {
    const flusher = setInterval(() => failures.flush(), AUTH_FAILURE_DEFAULTS.windowMs);
    flusher.unref();
    app.addHook('onClose', async () => {
      clearInterval(flusher);
      failures.flush();
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
    const source = `https ${address}`;
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
    contexts.set(req, { source, actor: rec.name, caller: `api-token ${rec.id}`, signal: controller.signal });
  });

  const ctx = (req: FastifyRequest): RequestContext => contexts.get(req) ?? { source: 'socket', actor: null };
  const param = (req: FastifyRequest, key: string): string => String((req.params as Record<string, unknown>)[key] ?? '');
  const query = (req: FastifyRequest): Record<string, unknown> => (req.query ?? {}) as Record<string, unknown>;
  const localOnly = () => {
    if (o.remote) throw new QuantixError('LOCAL_ONLY', { message: 'API tokens can only be managed on the vDC itself.' });
  };

  app.get('/api/health', async (_req, reply) => send(reply, 200, await service.health()));

  app.get('/api/clusters', async (req, reply) => sendList(req, reply, { clusters: await service.listClusters() }));
  app.post('/api/clusters', async (req, reply) => send(reply, 201, await service.createCluster(req.body, ctx(req))));
  app.delete('/api/clusters/:id', async (req, reply) => send(reply, 200, await service.deleteCluster(param(req, 'id'), ctx(req))));

  app.post('/api/nodes/discover', async (req, reply) => {
    const accept = String(req.headers.accept ?? '');
    if (!accept.includes(NDJSON)) return send(reply, 200, await service.discover(req.body, ctx(req)));
    let streaming = false;
    const line = (v: unknown) => reply.raw.write(`${JSON.stringify(v)}\n`);
    try {
      const result = await service.discover(req.body, ctx(req), (stage) => {
        if (!streaming) {
          // Until the first stage the request can still fail as a plain JSON error (bad address, token typo).
          streaming = true;
          reply.hijack();
          reply.raw.writeHead(200, { 'content-type': `${NDJSON}; charset=utf-8`, 'cache-control': 'no-store', 'x-content-type-options': 'nosniff' });
        }
        line({ stage, phase: STAGE_PHASE[stage] });
      });
      if (!streaming) return send(reply, 200, result);
      line({ result });
      reply.raw.end();
    } catch (err) {
      if (!streaming) throw err;
      const q = toQuantixError(err);
      if (q.code === 'INTERNAL') log.error({ err }, 'discovery failed');
      line({ error: q.toBody() });
      reply.raw.end();
    }
    return reply;
  });
  app.post('/api/nodes/register', async (req, reply) => send(reply, 201, await service.register(req.body, ctx(req))));
  app.get('/api/nodes', async (req, reply) => {
    const q = query(req);
    const unknown = Object.keys(q).filter((k) => k !== 'clusterId');
    if (unknown.length) throw new QuantixError('VALIDATION_ERROR', { message: `Unknown parameter ${JSON.stringify(unknown[0]!.slice(0, 40))}.`, details: unknown.map((k) => `unknown parameter ${k.slice(0, 40)}`) });
    const clusterId = typeof q.clusterId === 'string' && q.clusterId !== '' ? q.clusterId : undefined;
    return sendList(req, reply, { nodes: await service.listNodes(clusterId) });
  });
  app.get('/api/nodes/:id', async (req, reply) => send(reply, 200, await service.getNode(param(req, 'id'))));
  app.delete('/api/nodes/:id', async (req, reply) =>
    send(reply, 200, await service.removeNode(param(req, 'id'), parseFlagQuery(query(req), 'force'), ctx(req))),
  );

  app.get('/api/audit', async (req, reply) => send(reply, 200, { events: await service.listAudit(query(req)) }));

  app.get('/api/api-tokens', async (_req, reply) => {
    localOnly();
    return send(reply, 200, { tokens: await service.listApiTokens() });
  });
  app.post('/api/api-tokens', async (req, reply) => {
    localOnly();
    return send(reply, 201, await service.createApiToken(req.body, ctx(req)));
  });
  app.delete('/api/api-tokens/:id', async (req, reply) => {
    localOnly();
    return send(reply, 200, await service.revokeApiToken(param(req, 'id'), ctx(req)));
  });

  for (const [url, allowed] of Object.entries(ROUTES)) {
    const others = ALL_METHODS.filter((m) => !allowed.includes(m));
    app.route({
      method: [...others],
      url,
      handler: async (_req, reply) => {
        reply.header('allow', allowed.join(', '));
        return sendError(reply, new QuantixError('METHOD_NOT_ALLOWED', { message: `${url} accepts ${allowed.join(', ')}.` }));
      },
    });
  }
  return app;
}
