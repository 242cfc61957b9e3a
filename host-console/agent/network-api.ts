/**
 * The network API (HTTPS, default :8443): hello, discovery and join for
 * registration, and the node endpoints a managing vDC calls over mutual TLS.
 * Client certificates are requested but never chain-validated: the one that
 * matters is pinned by fingerprint at join. Each route declares the schemas
 * of its request and answer (common/protocol/agent-api.ts).
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest, type RouteOptions } from 'fastify';
import { TLSSocket } from 'node:tls';
import {
  AGENT_BODY_LIMIT_BYTES,
  AGENT_PATHS,
  AGENT_REQUEST_WORDS,
  type AgentErrorBody,
  DiscoveryResponse,
  HelloResponse,
  InventoryQuery,
  JoinRequest,
  JoinResponse,
  LeaveResponse,
  Membership,
  MembershipUpdateRequest,
  NodeStatusResponse,
} from '../../common/protocol/agent-api.js';
import { Inventory } from '../../common/protocol/inventory.js';
import { certificateFingerprint, HOST_PROOF_HEADER } from '../../common/protocol/proof.js';
import { guardConnections, NETWORK_LISTENER_LIMITS } from '../../common/http/connection-guard.js';
import { SERVER_CIPHERS, SERVER_MIN_TLS_VERSION } from '../../common/tls/tls-policy.js';
import {
  clientErrorHandler,
  installEdge,
  rawBody,
  sendChecked,
  serializeChecked,
  toQuantixError,
} from '../../common/http/server-edge.js';
import type { Logger } from '../../common/log/logger.js';
import { type AgentCore, ProofRefused, type VerifiedProof } from './core.js';

/**
 * The network listener's bounds. A vDC keeps one connection per host
 * between its health rounds (every 15 s by default), so an idle kept-alive
 * connection lives 72 s here and a silent socket 90 s; every other bound is
 * the shared one.
 */
export const AGENT_LISTENER_LIMITS = Object.freeze({
  ...NETWORK_LISTENER_LIMITS,
  keepAliveTimeoutMs: 72_000,
  idleTimeoutMs: 90_000,
});

/** Peer address without the IPv4-mapped prefix, as the audit log and rate limiter key it. */
export function sourceOf(req: FastifyRequest): string {
  const a = req.socket.remoteAddress ?? 'unknown';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

function peerFingerprint(req: FastifyRequest): string | null {
  if (!(req.socket instanceof TLSSocket)) return null;
  const cert = req.socket.getPeerCertificate();
  // An empty object when the peer sent none.
  return 'raw' in cert ? certificateFingerprint(cert.raw) : null;
}

/** Whether an inventory query asks for a fresh collection. */
export function wantsRefresh(req: FastifyRequest): boolean {
  const refresh = (req.query as InventoryQuery).refresh;
  return refresh === 'true' || refresh === '1';
}

const JSON_HEADERS = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };

/**
 * Runs a proof-authenticated handler and proves its answer, errors
 * included, once the proof verified: the host proof covers the exact bytes
 * sent, as the route's answer schema wrote them.
 */
async function proven(
  core: AgentCore,
  log: Logger,
  req: FastifyRequest,
  reply: FastifyReply,
  handler: (proof: VerifiedProof) => unknown,
): Promise<void> {
  let proof: VerifiedProof;
  try {
    proof = core.verifyProof({
      source: sourceOf(req),
      method: req.method,
      path: req.url,
      authorization: req.headers.authorization,
      body: req.method === 'GET' ? Buffer.alloc(0) : rawBody(req),
    });
  } catch (err) {
    if (!(err instanceof ProofRefused)) throw err;
    const body: AgentErrorBody = { ...err.error.toBody(), ...err.extra };
    const text = JSON.stringify(body);
    const headers: Record<string, string> = { ...JSON_HEADERS };
    if (err.signWith) headers[HOST_PROOF_HEADER] = core.hostProof(err.signWith, text);
    if (err.error.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.error.retryAfterSeconds);
    void reply.code(err.error.status).headers(headers).send(text);
    return;
  }
  let text: string;
  let status = 200;
  try {
    text = serializeChecked(reply, 200, await handler(proof));
  } catch (err) {
    const q = toQuantixError(err);
    if (q.code === 'INTERNAL') log.error({ err }, 'registration request failed');
    status = q.status;
    text = JSON.stringify(q.toBody());
  }
  void reply
    .code(status)
    .headers({ ...JSON_HEADERS, [HOST_PROOF_HEADER]: core.hostProof(proof, text) })
    .send(text);
}

/** Every route of the network API with its schemas. */
function routes(core: AgentCore, log: Logger): RouteOptions[] {
  const node =
    (handler: (m: ReturnType<AgentCore['authorizeNode']>, req: FastifyRequest) => unknown) =>
    async (req: FastifyRequest, reply: FastifyReply): Promise<void> => {
      const m = core.authorizeNode(peerFingerprint(req), sourceOf(req), req.url);
      sendChecked(reply, 200, await handler(m, req));
    };
  return [
    {
      method: 'GET',
      url: AGENT_PATHS.hello,
      schema: { response: { 200: HelloResponse } },
      handler: (_req, reply) => {
        sendChecked(reply, 200, core.hello());
      },
    },
    {
      method: 'GET',
      url: AGENT_PATHS.discovery,
      schema: { response: { 200: DiscoveryResponse } },
      handler: (req, reply) => proven(core, log, req, reply, (proof) => core.discovery(proof)),
    },
    {
      // The body is checked (content type, JSON, schema) before the proof: those checks say nothing about the token.
      method: 'POST',
      url: AGENT_PATHS.join,
      schema: { body: JoinRequest, response: { 200: JoinResponse } },
      handler: (req, reply) =>
        proven(core, log, req, reply, (proof) => core.join(proof, req.body as JoinRequest, sourceOf(req))),
    },
    {
      method: 'GET',
      url: AGENT_PATHS.nodeStatus,
      schema: { response: { 200: NodeStatusResponse } },
      handler: node((m) => core.nodeStatus(m)),
    },
    {
      method: 'GET',
      url: AGENT_PATHS.nodeInventory,
      schema: { querystring: InventoryQuery, response: { 200: Inventory } },
      handler: node((_m, req) => (wantsRefresh(req) ? core.inventory.refresh() : core.inventory.get())),
    },
    {
      method: 'POST',
      url: AGENT_PATHS.nodeLeave,
      schema: { response: { 200: LeaveResponse } },
      handler: node((_m, req) => core.leave(sourceOf(req))),
    },
    {
      // The body's schema is checked before the client certificate: a wrong body says nothing about membership.
      method: 'PUT',
      url: AGENT_PATHS.nodeMembership,
      schema: { body: MembershipUpdateRequest, response: { 200: Membership } },
      handler: node((m, req) => core.updateMembership(m, req.body as MembershipUpdateRequest, sourceOf(req))),
    },
  ];
}

/** Creates the network API server (not yet listening). */
export function createNetworkApi(
  core: AgentCore,
  tls: { certPem: string; keyPem: string },
  log: Logger,
): FastifyInstance {
  const app = Fastify({
    https: {
      key: tls.keyPem,
      cert: tls.certPem,
      minVersion: SERVER_MIN_TLS_VERSION,
      ciphers: SERVER_CIPHERS,
      requestCert: true,
      rejectUnauthorized: false,
      handshakeTimeout: AGENT_LISTENER_LIMITS.handshakeTimeoutMs,
    },
    bodyLimit: AGENT_BODY_LIMIT_BYTES,
    return503OnClosing: false,
    clientErrorHandler,
  });
  guardConnections(app.server, AGENT_LISTENER_LIMITS);
  installEdge(app, { log, words: AGENT_REQUEST_WORDS, routes: routes(core, log) });
  return app;
}
