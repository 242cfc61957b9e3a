/**
 * Roles of API tokens, enforced in one place: a hook on every request of the
 * HTTPS listener that lets a viewer use reads only (GET and HEAD) and
 * refuses every other method with ROLE_FORBIDDEN before the body is read or
 * a handler runs. Every change route is a POST, PUT, PATCH or DELETE by
 * convention (discovery too: it contacts hosts), so a route added later is
 * covered by its method alone. The local socket never reaches this: its
 * file mode is its access control.
 *
 * Refusals are audited as `auth.forbidden` and logged, bounded per token:
 * the first in a minute is written, the rest of that minute are counted and
 * written as one summary, so a script looping on a refused change cannot
 * grow the audit by a record per request.
 */
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Logger } from '../../common/log/logger.js';
import { type ApiRole, isReadMethod, roleForbidden } from '../../common/protocol/vdc-api.js';
import { AUTH_FAILURE_DEFAULTS, AuthFailures } from './auth-failures.js';
import type { AuditInput } from './store.js';

/** The API token behind a request, as authentication found it. */
export interface TokenCaller {
  tokenId: string;
  name: string;
  role: ApiRole;
  /** `https <address>`. */
  source: string;
}

/** How the check is wired to its listener. */
export interface RoleCheckOptions {
  /** The token of a request; null when there is none (the request was refused before). */
  caller(req: FastifyRequest): TokenCaller | null;
  /** Appends one audit record; never throws. */
  audit(e: Omit<AuditInput, 'at'>): Promise<void>;
  log: Logger;
  now: () => number;
}

/** Installs the role check on a listener whose requests carry API tokens. */
export function installRoleCheck(app: FastifyInstance, o: RoleCheckOptions): void {
  // Each token's caller and last refused request, for its records (bounded as the refusal table is).
  const last = new Map<string, { caller: TokenCaller; request: string }>();
  const refusals = new AuthFailures({
    ...AUTH_FAILURE_DEFAULTS,
    now: o.now,
    report: (tokenId, refused, kind) => {
      const seen = last.get(tokenId);
      if (!seen) return;
      const detail =
        kind === 'first'
          ? seen.request
          : `${refused} more request${refused === 1 ? '' : 's'} refused within ${AUTH_FAILURE_DEFAULTS.windowMs / 1000} s`;
      o.log.warn(
        { tokenId, token: seen.caller.name, role: seen.caller.role, refused, request: seen.request },
        kind === 'first'
          ? 'API request refused: the token role does not allow it; more in the next minute are counted, not logged'
          : 'API requests refused: the token role does not allow them',
      );
      void o.audit({
        action: 'auth.forbidden',
        outcome: 'error',
        source: seen.caller.source,
        actor: seen.caller.name,
        code: 'ROLE_FORBIDDEN',
        detail,
      });
    },
  });
  const flusher = setInterval(() => refusals.flush(), AUTH_FAILURE_DEFAULTS.windowMs);
  flusher.unref();
  app.addHook('onClose', (_app, done) => {
    clearInterval(flusher);
    refusals.flush();
    done();
  });
  app.addHook('onRequest', async (req) => {
    const caller = o.caller(req);
    if (!caller || caller.role === 'admin' || isReadMethod(req.method)) return;
    // The route's pattern, never the path as sent: what a client typed is not written to the audit.
    const request = `${req.method} ${req.routeOptions.url ?? '(no such path)'}`;
    if (last.size >= AUTH_FAILURE_DEFAULTS.maxSources && !last.has(caller.tokenId)) last.clear();
    last.set(caller.tokenId, { caller, request });
    // Never counted toward a block: the token is valid, it only asks for too much.
    refusals.refused(caller.tokenId, false);
    throw roleForbidden(caller, request);
  });
}
