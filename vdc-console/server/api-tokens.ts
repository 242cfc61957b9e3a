/**
 * API tokens for remote consoles: `qxa_<public id>.<secret>`, a public id of
 * 48 random bits that names the token in lists and logs, and a secret of 256
 * random bits. Shown once; the vDC stores only the SHA-256 of the whole
 * token, nothing of the secret in clear, so a copy of the state database
 * grants no access. A guess must hit the hash of one live token.
 */
import { createHash, randomBytes, randomUUID } from 'node:crypto';
import { QuantixError } from '../../common/protocol/errors.js';
import {
  API_TOKEN_PATTERN,
  type ApiTokenInfo,
  type CreateApiTokenResponse,
  DEFAULT_API_ROLE,
  parseCreateApiTokenRequest,
} from '../../common/protocol/vdc-api.js';
import type { ApiTokenRecord, Store } from './store.js';
import { apiTokenView } from './views.js';

/** Who asked, for the audit. */
export interface TokenActor {
  source: string;
  actor: string | null;
}

/** A freshly generated API token. */
export interface GeneratedApiToken {
  token: string;
  publicId: string;
  hash: string;
}

/** SHA-256 hex of a whole token, the only form stored. */
export function hashApiToken(token: string): string {
  return createHash('sha256').update(token, 'utf8').digest('hex');
}

/** The public id inside a token, or null for a token made before public ids. */
export function publicIdOf(token: string): string | null {
  const m = /^qxa_([0-9a-f]{12})\./.exec(token);
  return m ? m[1]! : null;
}

/** Generates a new token from the system's CSPRNG. */
export function generateApiToken(): GeneratedApiToken {
  const publicId = randomBytes(6).toString('hex');
  const token = `qxa_${publicId}.${randomBytes(32).toString('base64url')}`;
  return { token, publicId, hash: hashApiToken(token) };
}

/** Extracts a well-formed token from an `Authorization: Bearer …` header; null otherwise. */
export function bearerToken(header: string | undefined): string | null {
  if (typeof header !== 'string') return null;
  const m = /^Bearer ([^\s]+)$/i.exec(header.trim());
  return m && API_TOKEN_PATTERN.test(m[1]!) ? m[1]! : null;
}

/** The live token record a presented token stands for: its hash must match, and so must its public id. */
export async function findApiToken(store: Store, token: string): Promise<ApiTokenRecord | null> {
  const rec = await store.findActiveApiToken(hashApiToken(token));
  return rec && rec.publicId === publicIdOf(token) ? rec : null;
}

/** How a token is named in the audit: its name and public id, never any of its secret. */
function auditName(rec: ApiTokenRecord): string {
  return `${rec.name} (${rec.publicId ?? 'made before public ids'})`;
}

/** Creates and stores a token (audited); the secret is in the result and nowhere else. */
export async function createApiToken(
  store: Store,
  body: unknown,
  who: TokenActor,
  at: string,
): Promise<CreateApiTokenResponse> {
  const req = parseCreateApiTokenRequest(body);
  const g = generateApiToken();
  try {
    const rec = await store.createApiToken({
      id: randomUUID(),
      name: req.name,
      publicId: g.publicId,
      role: req.role ?? DEFAULT_API_ROLE,
      tokenHash: g.hash,
      createdAt: at,
      lastUsedAt: null,
      revokedAt: null,
    });
    await store.appendAudit({
      at,
      action: 'api-token.create',
      outcome: 'ok',
      source: who.source,
      actor: who.actor,
      detail: `${auditName(rec)}, role ${rec.role}`,
    });
    return { token: g.token, info: apiTokenView(rec) };
  } catch (err) {
    const code = err instanceof QuantixError ? err.code : 'INTERNAL';
    await store.appendAudit({
      at,
      action: 'api-token.create',
      outcome: 'error',
      source: who.source,
      actor: who.actor,
      code,
      detail: req.name,
    });
    throw err;
  }
}

/** Revokes a token by id or name (audited). */
export async function revokeApiToken(
  store: Store,
  idOrName: string,
  who: TokenActor,
  at: string,
): Promise<ApiTokenInfo> {
  try {
    const rec = await store.revokeApiToken(idOrName, at);
    await store.appendAudit({
      at,
      action: 'api-token.revoke',
      outcome: 'ok',
      source: who.source,
      actor: who.actor,
      detail: auditName(rec),
    });
    return apiTokenView(rec);
  } catch (err) {
    const code = err instanceof QuantixError ? err.code : 'INTERNAL';
    await store.appendAudit({
      at,
      action: 'api-token.revoke',
      outcome: 'error',
      source: who.source,
      actor: who.actor,
      code,
      detail: idOrName.replace(/[^\x20-\x7e]/g, '?').slice(0, 63),
    });
    throw err;
  }
}
