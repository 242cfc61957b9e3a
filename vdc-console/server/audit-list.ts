/**
 * `GET /api/audit`: one page of the audit, newest first, with the cursor of
 * the next (older) page. A page is read with one row more than asked, so
 * the last page says so (`next: null`) without another query.
 */
import { formatHostPort } from '../../common/protocol/host-port.js';
import { parseAuditQuery, parseHostAddressInput, type AuditListResponse } from '../../common/protocol/vdc-api.js';
import type { AuditFilter } from './audit-query.js';
import type { Store } from './store.js';
import { auditView } from './views.js';

/** Most keys one `host` filter expands to (hosts of the same name included). */
const HOST_KEYS_MAX = 16;

/**
 * What the audit stores for a host the user named: the text itself (a host
 * id, node id or stored address), the address with the agent's default port
 * when it is an address without one, and the ids and address of every
 * registered host of that name.
 */
export async function auditHostKeys(store: Pick<Store, 'listNodes'>, host: string): Promise<string[]> {
  const keys = new Set([host]);
  const addr = parseHostAddressInput(host);
  if (addr.ok) keys.add(addr.address.display);
  const name = host.toLowerCase();
  for (const n of await store.listNodes()) {
    if (n.hostname.toLowerCase() !== name) continue;
    keys.add(n.hostId).add(n.id).add(formatHostPort(n.address, n.port));
  }
  return [...keys].slice(0, HOST_KEYS_MAX);
}

/** One page of the audit for a query as received (validated here). */
export async function listAuditPage(
  store: Pick<Store, 'listAudit' | 'listNodes'>,
  query: Record<string, unknown>,
): Promise<AuditListResponse> {
  const { host, limit, ...rest } = parseAuditQuery(query);
  const filter: AuditFilter = { ...rest, limit: limit + 1 };
  if (host !== undefined) filter.hosts = await auditHostKeys(store, host);
  const rows = await store.listAudit(filter);
  const events = rows.slice(0, limit).map(auditView);
  return { events, next: rows.length > limit ? events[events.length - 1]!.id : null };
}
