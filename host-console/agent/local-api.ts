/**
 * The local API on the agent's Unix socket, for the host console and the
 * CLI: token generate/show/revoke, status, inventory, leave. Plain HTTP;
 * the socket's file mode (0600) is the access control. Each route declares
 * the schema of its answer (common/protocol/agent-api.ts).
 */
import Fastify, { type FastifyInstance } from 'fastify';
import {
  AGENT_BODY_LIMIT_BYTES,
  AGENT_PATHS,
  AGENT_REQUEST_WORDS,
  InventoryQuery,
  LeaveResponse,
  LocalStatus,
  TokenGenerateRequest,
  TokenInfo,
  TokenState,
} from '../../common/protocol/agent-api.js';
import { Inventory } from '../../common/protocol/inventory.js';
import type { Logger } from '../../common/log/logger.js';
import { clientErrorHandler, installEdge, sendChecked } from '../../common/http/server-edge.js';
import type { AgentCore } from './core.js';
import { wantsRefresh } from './network-api.js';

/** Creates the local API server (not yet listening). */
export function createLocalApi(core: AgentCore, log: Logger): FastifyInstance {
  const app = Fastify({ bodyLimit: AGENT_BODY_LIMIT_BYTES, return503OnClosing: false, clientErrorHandler });
  installEdge(app, {
    log,
    words: AGENT_REQUEST_WORDS,
    routes: [
      {
        method: 'POST',
        url: AGENT_PATHS.token,
        schema: { body: TokenGenerateRequest, response: { 200: TokenInfo } },
        // No body asks for the agent's default lifetime, as an empty object does.
        preValidation: (req, _reply, done) => {
          req.body ??= {};
          done();
        },
        handler: async (req, reply) => {
          sendChecked(reply, 200, await core.generateToken((req.body as TokenGenerateRequest).ttlSeconds));
        },
      },
      {
        method: 'GET',
        url: AGENT_PATHS.token,
        schema: { response: { 200: TokenInfo } },
        handler: (_req, reply) => {
          sendChecked(reply, 200, core.currentToken());
        },
      },
      {
        method: 'DELETE',
        url: AGENT_PATHS.token,
        schema: { response: { 200: TokenState } },
        handler: (_req, reply) => {
          sendChecked(reply, 200, core.revokeToken());
        },
      },
      {
        method: 'GET',
        url: AGENT_PATHS.nodeStatus,
        schema: { response: { 200: LocalStatus } },
        handler: async (_req, reply) => {
          sendChecked(reply, 200, await core.localStatus());
        },
      },
      {
        method: 'GET',
        url: AGENT_PATHS.inventory,
        schema: { querystring: InventoryQuery, response: { 200: Inventory } },
        handler: async (req, reply) => {
          sendChecked(reply, 200, wantsRefresh(req) ? await core.inventory.refresh() : await core.inventory.get());
        },
      },
      {
        method: 'POST',
        url: AGENT_PATHS.nodeLeave,
        schema: { response: { 200: LeaveResponse } },
        handler: (_req, reply) => {
          sendChecked(reply, 200, core.leave('local'));
        },
      },
    ],
  });
  return app;
}
