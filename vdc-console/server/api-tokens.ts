/**
 * API tokens for remote consoles: 32 random bytes shown once as
 * `qxa_<base64url>`, stored only as their SHA-256, so a copy of the state
 * database grants no access.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { QuantixError } from '../../common/protocol/errors.js';
import { API_TOKEN_PATTERN, type ApiTokenInfo, type CreateApiTokenResponse, parseCreateApiTokenRequest } from '../../common/protocol/vdc-api.js';
import type { Store } from './store.js';
import { apiTokenView } from './views.js';

/** Who asked, for the audit. */
export interface TokenActor {
  source: string;
  actor: string | null;
}

/** A freshly generated API token. */
export interface GeneratedApiToken {
  token: string;
  /** First characters, stored so a listing can be matched to a token. */
  prefix: string;
  hash: string;
}

/** SHA-256 hex of a token, the only form stored. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** Generates a new token from the system's CSPRNG. */
export function generateApiToken(): GeneratedApiToken {
  const token = `qxa_${randomBytes(32).toString('base64url')}`;
  return { token, prefix: token.slice(0, 10), hash: hashApiToken(token) };
}

/** Extracts a well-formed token from an `Authorization: Bearer …` header; null otherwise. */
export function bearerToken(header: string | undefined): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return m && API_TOKEN_PATTERN.test(m[1]!) ? m[1]! : null;
}

/** Creates and stores a token (audited); the secret is in the result and nowhere else. */
export async function createApiToken(store: Store, body: unknown, who: TokenActor, at: string): Promise<CreateApiTokenResponse> {
  const req = parseCreateApiTokenRequest(body);
  const g = generateApiToken();
  try {
    const rec = await store.createApiToken({ id: randomUUID(), name: req.name, prefix: g.prefix, tokenHash: g.hash, createdAt: at, lastUsedAt: null, revokedAt: null });
    await store.appendAudit({ at, action: 'api-token.create', outcome: 'ok', source: who.source, actor: who.actor, detail: `${rec.name} (${rec.prefix}...)` });
    return { token: g.token, info: apiTokenView(rec) };
  } catch (err) {
    const code = err instanceof QuantixError ? err.code : 'INTERNAL';
    await store.appendAudit({ at, action: 'api-token.create', outcome: 'error', source: who.source, actor: who.actor, code, detail: req.name });
    throw err;
  }
}

/** Revokes a token by id or name (audited). */
export async function revokeApiToken(store: Store, idOrName: string, who: TokenActor, at: string): Promise<ApiTokenInfo> {
  try {
    const rec = await store.revokeApiToken(idOrName, at);
    await store.appendAudit({ at, action: 'api-token.revoke', outcome: 'ok', source: who.source, actor: who.actor, detail: `${rec.name} (${rec.prefix}...)` });
    return apiTokenView(rec);
  } catch (err) {
    const code = err instanceof QuantixError ? err.code : 'INTERNAL';
    await store.appendAudit({ at, action: 'api-token.revoke', outcome: 'error', source: who.source, actor: who.actor, code, detail: idOrName.replace(/[^\x20-\x7e]/g, '?').slice(0, 63) });
    throw err;
  }
}
