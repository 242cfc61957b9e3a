/**
 * The agent's audit trail: one JSON object per line in `<state-dir>/audit.log`
 * (mode 0600). Records who did what from where; never a token, a key or a
 * MAC: callers pass only the fields below, and every string is scrubbed of
 * token-shaped text as a second line of defence.
 *
 * Nothing a peer sends can make it grow without bound: every string field
 * is cut to a fixed length, refused requests are written once per source
 * and window (see refusal-report.ts), and the file itself is capped: at
 * `maxBytes` it moves to `audit.log.1` (replacing the previous one) and a
 * new file starts, so the trail takes at most twice that on disk.
 */
import { appendFileSync, chmodSync, closeSync, fstatSync, openSync, renameSync } from 'node:fs';
import { scrubSecrets } from '../../common/log/logger.js';

/** Every action the audit log records. */
export const AUDIT_ACTIONS = [
  'token.generate',
  'token.revoke',
  'proof.failed',
  'proof.ok',
  'rate.limited',
  'refused.summary',
  'join',
  'join.repeat',
  'leave',
  'node.refused',
  'membership.update',
] as const;

/** What happened. */
export type AuditAction = (typeof AUDIT_ACTIONS)[number];

/** One audit record as written. */
export interface AuditRecord {
  at: string;
  action: AuditAction;
  outcome: 'ok' | 'error';
  /** `local` for the socket, else the peer's IP address (or IPv6 /64 in summaries). */
  source: string;
  /** Error code when refused. */
  code?: string;
  /** Request path for network requests, without the query string. */
  path?: string;
  vdcId?: string;
  nodeId?: string;
  clusterId?: string;
  detail?: string;
  /** Requests a summary line stands for. */
  count?: number;
  /** Requests per error code in a summary line. */
  codes?: Record<string, number>;
}

/** Appends audit records. */
export interface AuditLog {
  write(record: Omit<AuditRecord, 'at'>): void;
  readonly path: string;
}

/** Longest string field written; longer ones are cut and end with `…`. */
export const AUDIT_FIELD_MAX_CHARS = 200;

/** Default size at which the audit log is rotated (one previous file kept). */
export const AUDIT_MAX_BYTES = 16 * 1024 * 1024;

/** A string as the audit log keeps it: scrubbed and cut to a fixed length. */
function bounded(v: string): string {
  const s = scrubSecrets(v.length > AUDIT_FIELD_MAX_CHARS * 2 ? v.slice(0, AUDIT_FIELD_MAX_CHARS * 2) : v);
  return s.length > AUDIT_FIELD_MAX_CHARS ? `${s.slice(0, AUDIT_FIELD_MAX_CHARS - 1)}…` : s;
}

/** The request path of a request target, without its query string, bounded. */
export function auditPath(target: string): string {
  const q = target.indexOf('?');
  return bounded(q < 0 ? target : target.slice(0, q));
}

/** Opens (creating 0600) the audit log at path. */
export function createAuditLog(
  path: string,
  now: () => number,
  onError: (err: unknown) => void,
  maxBytes = AUDIT_MAX_BYTES,
): AuditLog {
  const fd = openSync(path, 'a', 0o600);
  let size = fstatSync(fd).size;
  closeSync(fd);
  // A file created by an older version or by hand may be wider; the log names sources and vDCs.
  chmodSync(path, 0o600);
  return {
    path,
    write(record) {
      const line: Record<string, unknown> = { at: new Date(now()).toISOString() };
      for (const [k, v] of Object.entries(record) as Array<[string, unknown]>)
        if (v !== undefined) line[k] = typeof v === 'string' ? bounded(v) : v;
      const text = JSON.stringify(line) + '\n';
      try {
        if (size > 0 && size + text.length > maxBytes) {
          renameSync(path, `${path}.1`);
          size = 0;
        }
        appendFileSync(path, text, { mode: 0o600 });
        size += Buffer.byteLength(text);
      } catch (err) {
        onError(err);
      }
    },
  };
}
