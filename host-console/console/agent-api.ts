/**
 * The console's view of the agent: the shared local client, with its
 * replies reduced to what the screens show. The only path to the agent.
 */
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import type { LocalStatus, TokenInfo } from '../../common/protocol/agent-api.js';
import { QuantixError } from '../../common/protocol/errors.js';
import type { BusyTracker } from '../../common/tui/idle.js';
import type { AgentApi } from './model.js';
import type { HostStatusView, TokenView } from './types.js';

/** Status for the screens. */
export function toHostStatus(s: LocalStatus): HostStatusView {
  const t = s.token;
  let tokenNote: string | null = null;
  // The agent words the reason as what happened to the token ("revoked by the operator").
  if (t.state === 'revoked') tokenNote = `The last token was ${t.reason ?? 'revoked'}.`;
  else if (t.state === 'used') tokenNote = `The last token was ${t.reason ?? 'used to join a cluster'}.`;
  return {
    hostname: s.hostname,
    hostId: s.hostId,
    agentVersion: s.agentVersion,
    agentInstanceId: s.agentInstanceId,
    addresses: s.managementAddresses.map((a) => ({ address: a.address, interface: a.interface })),
    port: s.port,
    certificateFingerprint: s.certificateFingerprint,
    membership: s.membership
      ? {
          vdcName: s.membership.vdc.name,
          vdcUrl: s.membership.vdc.url,
          clusterName: s.membership.cluster.name,
          joinedAt: s.membership.joinedAt,
          lastContactAt: s.membership.lastContactAt,
          maintenance: s.membership.maintenance === true,
        }
      : null,
    tokenNote,
    tokenEnded: t.state === 'revoked' || t.state === 'used' ? t.state : null,
  };
}

/** Token for the screens: canonical symbols, times, where to reach the host. */
export function toToken(t: TokenInfo): TokenView {
  return {
    token: t.token
      .toUpperCase()
      .replace(/^QUANTIX/, '')
      .replace(/[^0-9A-Z]/g, ''),
    createdAt: t.createdAt,
    expiresAt: t.expiresAt,
    addresses: t.managementAddresses.map((a) => ({ address: a.address, interface: a.interface })),
    certificateFingerprint: t.certificateFingerprint,
    failedAttempts: t.failedAttempts,
    lastFailedFrom: t.lastFailedFrom,
  };
}

// Answers that mean "there is no token now", not a failure.
const NO_TOKEN = new Set(['NO_ACTIVE_TOKEN', 'TOKEN_EXPIRED', 'TOKEN_REVOKED', 'TOKEN_ALREADY_USED']);

/** The agent API over the local socket. */
export function createAgentApi(socketPath: string): AgentApi {
  const client = new LocalAgentClient({ socketPath });
  let lastTokenState: string | null = null;
  return {
    async status() {
      const s = await client.status();
      lastTokenState = s.token.state;
      return toHostStatus(s);
    },
    async currentToken() {
      if (lastTokenState !== null && lastTokenState !== 'active') return null;
      try {
        return toToken(await client.getToken());
      } catch (err) {
        if (err instanceof QuantixError && NO_TOKEN.has(err.code)) return null;
        throw err;
      }
    },
    async generateToken(ttlSeconds) {
      return toToken(await client.generateToken(ttlSeconds === undefined ? {} : { ttlSeconds }));
    },
    async revokeToken() {
      await client.revokeToken();
    },
    async leave() {
      await client.leave();
    },
    async inventory(fresh) {
      return client.inventory({ refresh: fresh });
    },
  };
}

/**
 * The same API with every request counted as work in progress until it
 * answers, so the console is idle only when no request is out.
 */
export function trackRequests(api: AgentApi, busy: Pick<BusyTracker, 'track'>): AgentApi {
  return {
    status: () => busy.track(api.status()),
    currentToken: () => busy.track(api.currentToken()),
    generateToken: (ttlSeconds) => busy.track(api.generateToken(ttlSeconds)),
    revokeToken: () => busy.track(api.revokeToken()),
    leave: () => busy.track(api.leave()),
    inventory: (fresh) => busy.track(api.inventory(fresh)),
  };
}
