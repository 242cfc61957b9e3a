/**
 * The audit listing as both store back ends run it: keyset paging on the
 * id (newest first, `id < before`), never an offset, so each page costs
 * the same however old it is, and every filter a column the audit indexes
 * cover (migrations `audit_*` in both back ends). Only the placeholders
 * differ between SQLite (`?`) and PostgreSQL (`$1`).
 */

/** One page of the audit as the store reads it; every filter given must match. */
export interface AuditFilter {
  limit: number;
  /** Only events with a smaller id. */
  beforeId?: number;
  /** Only events at or after this time (ISO, as stored). */
  since?: string;
  /** Only events before this time (ISO, as stored). */
  until?: string;
  /** Only events whose host id, node id or address is one of these. */
  hosts?: readonly string[];
  action?: string;
  outcome?: 'ok' | 'error';
}

/** The SELECT of one audit page and its parameters; `placeholder(n)` names the n-th (1-based). */
export function auditSelect(f: AuditFilter, placeholder: (n: number) => string): { sql: string; params: unknown[] } {
  const params: unknown[] = [];
  const p = (v: unknown): string => {
    params.push(v);
    return placeholder(params.length);
  };
  const where: string[] = [];
  if (f.beforeId !== undefined) where.push(`id < ${p(f.beforeId)}`);
  if (f.since !== undefined) where.push(`at >= ${p(f.since)}`);
  if (f.until !== undefined) where.push(`at < ${p(f.until)}`);
  if (f.action !== undefined) where.push(`action = ${p(f.action)}`);
  if (f.outcome !== undefined) where.push(`outcome = ${p(f.outcome)}`);
  if (f.hosts !== undefined) {
    const hosts = f.hosts;
    const inList = (column: string) => `${column} IN (${hosts.map((h) => p(h)).join(', ')})`;
    where.push(hosts.length ? `(${inList('host_id')} OR ${inList('node_id')} OR ${inList('address')})` : 'FALSE');
  }
  const sql = `SELECT * FROM audit${where.length ? ` WHERE ${where.join(' AND ')}` : ''} ORDER BY id DESC LIMIT ${p(f.limit)}`;
  return { sql, params };
}

/** The audit indexes (the same in both back ends): one per filter column, each ordered by id within a value. */
export const AUDIT_INDEXES_SQL = `
  CREATE INDEX audit_at ON audit (at);
  CREATE INDEX audit_action ON audit (action, id);
  CREATE INDEX audit_outcome ON audit (outcome, id);
  CREATE INDEX audit_host_id ON audit (host_id, id);
  CREATE INDEX audit_node_id ON audit (node_id, id);
  CREATE INDEX audit_address ON audit (address, id);
`;
