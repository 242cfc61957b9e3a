/**
 * The local API on the agent's Unix socket, for the host console and the
 * CLI: token generate/show/revoke, status, inventory, leave. Plain HTTP;
 * the socket's file mode (0600) is the access control.
 */
import Fastify, { type FastifyInstance } from 'fastify';
import { AGENT_BODY_LIMIT_BYTES, AGENT_PATHS, parseTokenGenerateRequest } from '../../common/protocol/agent-api.js';
import type { Logger } from '../../common/log/logger.js';
import type { AgentCore } from './core.js';
import { clientErrorHandler, installEdge, parseJsonObject, rawBody, requireJson, sendJson } from './http-common.js';

/** Creates the local API server (not yet listening). */
export function createLocalApi(core: AgentCore, log: Logger): FastifyInstance {
  const app = Fastify({ bodyLimit: AGENT_BODY_LIMIT_BYTES, return503OnClosing: true, clientErrorHandler });
  installEdge(app, log, {
    [AGENT_PATHS.token]: ['GET', 'POST', 'DELETE'],
    [AGENT_PATHS.nodeStatus]: ['GET'],
    [AGENT_PATHS.inventory]: ['GET'],
    [AGENT_PATHS.nodeLeave]: ['POST'],
  });

  app.post(AGENT_PATHS.token, async (req, reply) => {
    // An empty body asks for the agent's default lifetime; a body is JSON and validated strictly.
    const raw = rawBody(req);
    if (raw.length > 0) requireJson(req);
    const body = raw.length > 0 ? parseTokenGenerateRequest(parseJsonObject(raw)) : {};
    sendJson(reply, 200, await core.generateToken(body.ttlSeconds));
  });
  app.get(AGENT_PATHS.token, async (_req, reply) => {
    sendJson(reply, 200, core.currentToken());
  });
  app.delete(AGENT_PATHS.token, async (_req, reply) => {
    sendJson(reply, 200, core.revokeToken());
  });
  app.get(AGENT_PATHS.nodeStatus, async (_req, reply) => {
    sendJson(reply, 200, await core.localStatus());
  });
  app.get(AGENT_PATHS.inventory, async (req, reply) => {
    const q = req.query as Record<string, unknown>;
    sendJson(reply, 200, q.refresh === 'true' || q.refresh === '1' ? await core.inventory.refresh() : await core.inventory.get());
  });
  app.post(AGENT_PATHS.nodeLeave, async (_req, reply) => {
    sendJson(reply, 200, core.leave('local'));
  });
  return app;
}
