/**
 * The network API (HTTPS, default :8443): hello, discovery and join for
 * registration, and the node endpoints a managing vDC calls over mutual TLS.
 * Client certificates are requested but never chain-validated: the one that
 * matters is pinned by fingerprint at join.
 */
import Fastify, { type FastifyInstance, type FastifyReply, type FastifyRequest } from 'fastify';
import type { TLSSocket } from 'node:tls';
import { AGENT_BODY_LIMIT_BYTES, AGENT_PATHS, parseJoinRequest } from '../../common/protocol/agent-api.js';
import { certificateFingerprint, HOST_PROOF_HEADER } from '../../common/protocol/proof.js';
import { guardConnections, NETWORK_LISTENER_LIMITS } from '../../common/http/connection-guard.js';
import { SERVER_CIPHERS, SERVER_MIN_TLS_VERSION } from '../../common/tls/tls-policy.js';
import type { Logger } from '../../common/log/logger.js';
import { type AgentCore, ProofRefused, type VerifiedProof } from './core.js';
import { clientErrorHandler, installEdge, parseJsonObject, rawBody, requireJson, sendJson, toQuantixError } from './http-common.js';

/**
 * The network listener's bounds. A vDC keeps one connection per host
 * between its health rounds (every 15 s by default), so an idle kept-alive
 * connection lives 72 s here and a silent socket 90 s; every other bound is
 * the shared one.
 */
export const AGENT_LISTENER_LIMITS = Object.freeze({ ...NETWORK_LISTENER_LIMITS, keepAliveTimeoutMs: 72_000, idleTimeoutMs: 90_000 });

/** Peer address without the IPv4-mapped prefix, as the audit log and rate limiter key it. */
export function sourceOf(req: FastifyRequest): string {
  const a = req.socket.remoteAddress ?? 'unknown';
  return a.startsWith('::ffff:') && a.includes('.') ? a.slice(7) : a;
}

function peerFingerprint(req: FastifyRequest): string | null {
  const cert = (req.socket as TLSSocket).getPeerCertificate?.();
  return cert && cert.raw ? certificateFingerprint(cert.raw) : null;
}

/** Creates the network API server (not yet listening). */
export function createNetworkApi(core: AgentCore, tls: { certPem: string; keyPem: string }, log: Logger): FastifyInstance {
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
    return503OnClosing: true,
    clientErrorHandler,
  });
  guardConnections(app.server, AGENT_LISTENER_LIMITS);
  installEdge(app, log, {
    [AGENT_PATHS.hello]: ['GET'],
    [AGENT_PATHS.discovery]: ['GET'],
    [AGENT_PATHS.join]: ['POST'],
    [AGENT_PATHS.nodeStatus]: ['GET'],
    [AGENT_PATHS.nodeInventory]: ['GET'],
    [AGENT_PATHS.nodeLeave]: ['POST'],
  });

  /** Runs a proof-authenticated handler and proves its answer, errors included, once the proof verified. */
  const proven = async (req: FastifyRequest, reply: FastifyReply, handler: (proof: VerifiedProof) => unknown | Promise<unknown>): Promise<void> => {
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
      const text = JSON.stringify({ ...err.error.toBody(), ...err.extra });
      const headers: Record<string, string> = { 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store' };
      if (err.signWith) headers[HOST_PROOF_HEADER] = core.hostProof(err.signWith, text);
      if (err.error.retryAfterSeconds !== undefined) headers['retry-after'] = String(err.error.retryAfterSeconds);
      reply.code(err.error.status).headers(headers).send(text);
      return;
    }
    let status = 200;
    let body: unknown;
    try {
      body = await handler(proof);
    } catch (err) {
      const q = toQuantixError(err);
      if (q.code === 'INTERNAL') log.error({ err }, 'registration request failed');
      status = q.status;
      body = q.toBody();
    }
    const text = JSON.stringify(body);
    reply
      .code(status)
      .headers({ 'content-type': 'application/json; charset=utf-8', 'cache-control': 'no-store', [HOST_PROOF_HEADER]: core.hostProof(proof, text) })
      .send(text);
  };

  app.get(AGENT_PATHS.hello, async (_req, reply) => {
    sendJson(reply, 200, core.hello());
  });

  app.get(AGENT_PATHS.discovery, async (req, reply) => {
    await proven(req, reply, (proof) => core.discovery(proof));
  });

  app.post(AGENT_PATHS.join, async (req, reply) => {
    // Transport-level checks first: they say nothing about the token.
    requireJson(req);
    const body = parseJoinRequest(parseJsonObject(rawBody(req)));
    await proven(req, reply, (proof) => core.join(proof, body, sourceOf(req)));
  });

  const node = (handler: (m: ReturnType<AgentCore['authorizeNode']>, req: FastifyRequest) => unknown) => async (req: FastifyRequest, reply: FastifyReply) => {
    const m = core.authorizeNode(peerFingerprint(req), sourceOf(req), req.url);
    sendJson(reply, 200, await handler(m, req));
  };

  app.get(AGENT_PATHS.nodeStatus, node((m) => core.nodeStatus(m)));
  app.get(
    AGENT_PATHS.nodeInventory,
    node((_m, req) => {
      const q = req.query as Record<string, unknown>;
      return q.refresh === 'true' || q.refresh === '1' ? core.inventory.refresh() : core.inventory.get();
    }),
  );
  app.post(AGENT_PATHS.nodeLeave, node((_m, req) => core.leave(sourceOf(req))));

  return app;
}
