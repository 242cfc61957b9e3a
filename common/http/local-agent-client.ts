/**
 * Client of the host agent's local API over its Unix socket, used by the
 * host console and the `quantix-node` CLI. The socket's file mode is the
 * access control, so there is no authentication here.
 */
import {
  AGENT_PATHS,
  AgentErrorBody,
  checkAgentReply,
  LeaveResponse,
  LocalStatus,
  type TokenGenerateRequest,
  TokenInfo,
  TokenState,
} from '../protocol/agent-api.js';
import { ERRORS, QuantixError } from '../protocol/errors.js';
import { Inventory } from '../protocol/inventory.js';
import { parseJsonBody, request } from './request.js';
import { readErrorBody } from '../protocol/schema.js';

/**
 * A transport failure toward the local agent in words about the agent: it
 * is not running (AGENT_UNREACHABLE, not the vDC's HOST_UNREACHABLE), it
 * does not answer, or this user may not open its socket.
 */
export function localAgentError(err: unknown, socketPath: string): unknown {
  if (!(err instanceof QuantixError)) return err;
  const start = ERRORS.AGENT_UNREACHABLE.hint;
  switch (err.code) {
    case 'HOST_UNREACHABLE':
      return new QuantixError('AGENT_UNREACHABLE', {
        message: `The host agent is not reachable on ${socketPath} (${/\(([^)]*)\)\.?$/.exec(err.message)?.[1] ?? 'no answer'}).`,
        hint: start,
        cause: err,
      });
    case 'CONNECTION_TIMEOUT':
      return new QuantixError('CONNECTION_TIMEOUT', {
        message: `The host agent on ${socketPath} did not answer in time.`,
        hint: start,
        cause: err,
      });
    case 'PERMISSION_DENIED':
      return new QuantixError('PERMISSION_DENIED', {
        message: `Permission denied opening the host agent's socket ${socketPath}.`,
        hint: 'Run it as the user quantix-node runs as (root on a host), e.g. with sudo.',
        cause: err,
      });
    default:
      return err;
  }
}

/** Options of a LocalAgentClient. */
export interface LocalAgentClientOptions {
  socketPath: string;
  /** Connect limit (default 2 s: the agent is local). */
  connectTimeoutMs?: number;
  /** Answer limit (default 20 s: a first inventory may take a few seconds). */
  responseTimeoutMs?: number;
}

/** A client of the local agent. */
export class LocalAgentClient {
  private readonly opts: LocalAgentClientOptions;

  constructor(opts: LocalAgentClientOptions) {
    this.opts = opts;
  }

  /** The socket this client talks to. */
  get socketPath(): string {
    return this.opts.socketPath;
  }

  private async call(method: 'GET' | 'POST' | 'DELETE', path: string, payload = '{}'): Promise<unknown> {
    const where = `the agent socket ${this.opts.socketPath}`;
    let res;
    try {
      res = await request(
        { kind: 'socket', socketPath: this.opts.socketPath },
        {
          method,
          path,
          connectTimeoutMs: this.opts.connectTimeoutMs ?? 2_000,
          responseTimeoutMs: this.opts.responseTimeoutMs ?? 20_000,
          ...(method === 'POST' ? { body: payload } : {}),
        },
      );
    } catch (err) {
      throw localAgentError(err, this.opts.socketPath);
    }
    const json = parseJsonBody(res, where);
    if (res.status >= 200 && res.status < 300) return json;
    const read = readErrorBody(AgentErrorBody, json);
    if (!read.ok)
      throw new QuantixError('HOST_PROTOCOL_ERROR', {
        message: `${where} answered HTTP ${res.status} ${read.problem}.`,
      });
    const body = read.body;
    throw new QuantixError(body.code, {
      ...(body.message ? { message: body.message } : {}),
      ...(body.hint ? { hint: body.hint } : {}),
      ...(body.details ? { details: body.details } : {}),
    });
  }

  /**
   * Generates a new token, replacing any current one, living ttlSeconds (5 min to 24 h; default:
   * the agent's). Fails with HOST_MANAGED while a vDC manages the host, BAD_REQUEST for a lifetime out of range.
   */
  async generateToken(opts: { ttlSeconds?: number } = {}): Promise<TokenInfo> {
    const body: TokenGenerateRequest = opts.ttlSeconds === undefined ? {} : { ttlSeconds: opts.ttlSeconds };
    return checkAgentReply(TokenInfo, await this.call('POST', AGENT_PATHS.token, JSON.stringify(body)), 'token');
  }

  /** The active token; fails with NO_ACTIVE_TOKEN, TOKEN_EXPIRED, TOKEN_REVOKED or TOKEN_ALREADY_USED when there is none. */
  async getToken(): Promise<TokenInfo> {
    return checkAgentReply(TokenInfo, await this.call('GET', AGENT_PATHS.token), 'token');
  }

  /** Revokes the active token; fails with NO_ACTIVE_TOKEN when there is none. */
  async revokeToken(): Promise<TokenState> {
    return checkAgentReply(TokenState, await this.call('DELETE', AGENT_PATHS.token), 'token');
  }

  /** Identity, addresses, membership, token state and live usage. */
  async status(): Promise<LocalStatus> {
    return checkAgentReply(LocalStatus, await this.call('GET', AGENT_PATHS.nodeStatus), 'status');
  }

  /** The host's inventory; `refresh` collects it again first. */
  async inventory(opts: { refresh?: boolean } = {}): Promise<Inventory> {
    return checkAgentReply(
      Inventory,
      await this.call('GET', `${AGENT_PATHS.inventory}${opts.refresh ? '?refresh=true' : ''}`),
      'inventory',
    );
  }

  /** Leaves the cluster; fails with NOT_MANAGED when standalone. */
  async leave(): Promise<LeaveResponse> {
    return checkAgentReply(LeaveResponse, await this.call('POST', AGENT_PATHS.nodeLeave), 'leave');
  }
}
