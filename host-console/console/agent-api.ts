/**
 * The console's view of the agent's local API, over its Unix socket. Replies
 * are read defensively: a field the agent does not send shows as unknown on
 * screen instead of breaking the console.
 */
import { parseJsonBody, request } from '../../common/http/request.js';
import { isErrorCode, QuantixError } from '../../common/protocol/errors.js';
import type { Inventory } from '../../common/protocol/inventory.js';
import type { AgentApi } from './model.js';
import type { HostStatusView, ManagementAddress, MembershipView, TokenView } from './types.js';

type Json = Record<string, unknown>;

function obj(v: unknown): Json | null {
  return v !== null && typeof v === 'object' && !Array.isArray(v) ? (v as Json) : null;
}

function str(v: unknown): string | null {
  return typeof v === 'string' ? v : null;
}

/** Reads management addresses given as strings or as `{address, interface}` objects. */
export function toAddresses(v: unknown): ManagementAddress[] {
  if (!Array.isArray(v)) return [];
  const out: ManagementAddress[] = [];
  for (const a of v) {
    if (typeof a === 'string') out.push({ address: a, interface: null });
    else {
      const o = obj(a);
      const address = str(o?.address) ?? str(o?.ip);
      if (address) out.push({ address, interface: str(o?.interface) ?? str(o?.iface) ?? null });
    }
  }
  return out;
}

/** Reads the membership part of a status reply. */
export function toMembership(v: unknown): MembershipView | null {
  const m = obj(v);
  if (!m) return null;
  const vdc = obj(m.vdc);
  const cluster = obj(m.cluster);
  if (!vdc && !cluster) return null;
  return {
    vdcName: str(vdc?.name) ?? str(vdc?.id) ?? 'unknown',
    vdcUrl: str(vdc?.url),
    clusterName: str(cluster?.name) ?? str(cluster?.id) ?? 'unknown',
    joinedAt: str(m.joinedAt),
    lastContactAt: str(m.lastContactAt) ?? str(m.lastSeenAt),
  };
}

/** Reads a `GET /api/v1/node/status` reply. */
export function toHostStatus(body: unknown): HostStatusView {
  const b = obj(body) ?? {};
  const identity = obj(b.identity) ?? b;
  const tokenState = obj(b.token);
  const port = Number(b.port ?? b.apiPort ?? obj(b.network)?.port ?? 8443);
  return {
    hostname: str(identity.hostname) ?? 'unknown',
    hostId: str(identity.hostId) ?? '',
    agentVersion: str(b.agentVersion) ?? str(identity.agentVersion),
    addresses: toAddresses(b.managementAddresses ?? b.addresses),
    port: Number.isInteger(port) && port > 0 ? port : 8443,
    certificateFingerprint: str(b.certificateFingerprint) ?? str(identity.certificateFingerprint),
    membership: toMembership(b.membership),
    tokenNote: str(tokenState?.note) ?? str(tokenState?.revokedReason) ?? null,
  };
}

/** Reads a token reply. */
export function toToken(body: unknown): TokenView {
  const b = obj(body) ?? {};
  const raw = str(b.token) ?? '';
  const token = raw.toUpperCase().replace(/^QUANTIX/, '').replace(/[^0-9A-Z]/g, '');
  const createdAt = str(b.createdAt) ?? new Date(0).toISOString();
  const expiresAt = str(b.expiresAt) ?? createdAt;
  return { token, createdAt, expiresAt, addresses: toAddresses(b.managementAddresses), certificateFingerprint: str(b.certificateFingerprint) };
}

/** Creates the agent API over the local socket. */
export function createAgentApi(socketPath: string): AgentApi {
  const where = `the local socket ${socketPath}`;
  const call = async (method: 'GET' | 'POST' | 'DELETE', path: string): Promise<{ status: number; body: unknown }> => {
    const res = await request(
      { kind: 'socket', socketPath },
      { method, path, connectTimeoutMs: 2_000, responseTimeoutMs: 10_000, ...(method === 'POST' ? { body: '{}' } : {}) },
    );
    const body = res.body.length ? parseJsonBody(res, where) : null;
    if (res.status >= 400) {
      const e = obj(body);
      const code = isErrorCode(e?.code) ? e.code : 'INTERNAL';
      throw new QuantixError(code, {
        ...(str(e?.message) ? { message: str(e?.message)! } : {}),
        ...(str(e?.hint) ? { hint: str(e?.hint)! } : {}),
      });
    }
    return { status: res.status, body };
  };
  return {
    async status() {
      return toHostStatus((await call('GET', '/api/v1/node/status')).body);
    },
    async currentToken() {
      try {
        const r = await call('GET', '/api/v1/registration/token');
        const b = obj(r.body);
        return b && str(b.token) ? toToken(b) : null;
      } catch (err) {
        if (err instanceof QuantixError && ['NO_ACTIVE_TOKEN', 'TOKEN_EXPIRED', 'TOKEN_REVOKED', 'TOKEN_ALREADY_USED', 'NOT_FOUND'].includes(err.code)) return null;
        throw err;
      }
    },
    async generateToken() {
      return toToken((await call('POST', '/api/v1/registration/token')).body);
    },
    async revokeToken() {
      await call('DELETE', '/api/v1/registration/token');
    },
    async leave() {
      await call('POST', '/api/v1/node/leave');
    },
    async inventory() {
      return (await call('GET', '/api/v1/inventory')).body as Inventory;
    },
  };
}
