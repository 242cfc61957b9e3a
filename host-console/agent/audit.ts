/**
 * The agent's audit trail: one JSON object per line in `<state-dir>/audit.log`
 * (mode 0600). Records who did what from where; never a token, a key or a
 * MAC: callers pass only the fields below, and every string is scrubbed of
 * token-shaped text as a second line of defence.
 */
import { appendFileSync, chmodSync, closeSync, openSync } from 'node:fs';
import { scrubSecrets } from '../../common/log/logger.js';

/** What happened. */
export type AuditAction =
  | 'token.generate'
  | 'token.revoke'
  | 'token.revoke.failures'
  | 'proof.failed'
  | 'proof.ok'
  | 'rate.limited'
  | 'join'
  | 'join.repeat'
  | 'leave'
  | 'node.refused';

/** One audit record as written. */
export interface AuditRecord {
  at: string;
  action: AuditAction;
  outcome: 'ok' | 'error';
  /** `local` for the socket, else the peer's IP address. */
  source: string;
  /** Error code when refused. */
  code?: string;
  /** Request path for network requests. */
  path?: string;
  vdcId?: string;
  nodeId?: string;
  clusterId?: string;
  detail?: string;
}

/** Appends audit records. */
export interface AuditLog {
  write(record: Omit<AuditRecord, 'at'>): void;
  readonly path: string;
}

/** Opens (creating 0600) the audit log at path. */
export function createAuditLog(path: string, now: () => number, onError: (err: unknown) => void): AuditLog {
  closeSync(openSync(path, 'a', 0o600));
  // A file created by an older version or by hand may be wider; the log names sources and vDCs.
  chmodSync(path, 0o600);
  return {
    path,
    write(record) {
      const line: Record<string, unknown> = { at: new Date(now()).toISOString() };
      for (const [k, v] of Object.entries(record)) if (v !== undefined) line[k] = typeof v === 'string' ? scrubSecrets(v) : v;
      try {
        appendFileSync(path, JSON.stringify(line) + '\n', { mode: 0o600 });
      } catch (err) {
        onError(err);
      }
    },
  };
}
