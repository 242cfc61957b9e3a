/**
 * `quantix-node audit`: reads the agent's own audit trail from its state
 * directory, the rotated `audit.log.1` first and then `audit.log`, oldest
 * record first, filtered by time, action and outcome. Files are read
 * through one reused 64 KiB buffer and a line is held only up to
 * AUDIT_LINE_MAX_BYTES (a written record is well under 4 KiB), so a full
 * 16 MiB log, or a file
 * someone filled with one endless line, never sits in memory at once.
 * Lines that are not audit records are skipped and counted.
 */
import { open } from 'node:fs/promises';
import path from 'node:path';
import { parseWhen } from '../../common/format/when.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { neutralizeControls as inert } from '../../common/tui/sanitize.js';
import type { AuditRecord } from './audit.js';

/** Longest line kept; a longer one is skipped without being held. */
export const AUDIT_LINE_MAX_BYTES = 64 * 1024;

/** What to keep. */
export interface AuditFilter {
  /** Only records at or after this time (ms). */
  sinceMs: number | null;
  action: string | null;
  /** `ok`, or `refused` (written as outcome `error`). */
  outcome: 'ok' | 'refused' | null;
}

/** Parses `--since`: a duration back from now (`30m`, `12h`, `7d`) or an ISO 8601 time; null when neither. */
export const parseSince = parseWhen;

/** Lines of a file, read through one reused 64 KiB buffer; lines over the bound are reported as null and never held whole. */
async function* fileLines(file: string): AsyncGenerator<string | null> {
  const handle = await open(file, 'r');
  const buf = Buffer.alloc(64 * 1024);
  let parts: Buffer[] = [];
  let held = 0;
  let overlong = false;
  try {
    for (;;) {
      const { bytesRead } = await handle.read(buf, 0, buf.length, null);
      if (bytesRead === 0) break;
      const chunk = buf.subarray(0, bytesRead);
      let start = 0;
      for (let nl = chunk.indexOf(0x0a, start); nl >= 0; nl = chunk.indexOf(0x0a, start)) {
        const piece = chunk.subarray(start, nl);
        const line =
          overlong || held + piece.length > AUDIT_LINE_MAX_BYTES
            ? null
            : Buffer.concat([...parts, piece]).toString('utf8');
        parts = [];
        held = 0;
        overlong = false;
        start = nl + 1;
        yield line;
      }
      const rest = chunk.subarray(start);
      if (!overlong && held + rest.length > AUDIT_LINE_MAX_BYTES) {
        overlong = true;
        parts = [];
        held = 0;
      } else if (!overlong && rest.length > 0) {
        // Copied: the buffer is reused by the next read.
        parts.push(Buffer.from(rest));
        held += rest.length;
      }
    }
  } finally {
    await handle.close();
  }
  if (overlong) yield null;
  else if (held > 0) yield Buffer.concat(parts).toString('utf8');
}

function isRecord(v: unknown): v is AuditRecord {
  const o = v as Partial<AuditRecord> | null;
  return (
    o !== null &&
    typeof o === 'object' &&
    typeof o.at === 'string' &&
    typeof o.action === 'string' &&
    (o.outcome === 'ok' || o.outcome === 'error') &&
    typeof o.source === 'string'
  );
}

function keep(r: AuditRecord, f: AuditFilter): boolean {
  if (f.sinceMs !== null && !(Date.parse(r.at) >= f.sinceMs)) return false;
  if (f.action !== null && r.action !== f.action) return false;
  if (f.outcome !== null && r.outcome !== (f.outcome === 'ok' ? 'ok' : 'error')) return false;
  return true;
}

/** Why a file could not be read, as a coded error with the next step. */
function readProblem(err: unknown, file: string): QuantixError {
  const e = err as NodeJS.ErrnoException;
  if (e.code === 'EACCES' || e.code === 'EPERM') {
    return new QuantixError('PERMISSION_DENIED', {
      message: `Permission denied reading the audit log ${inert(file)}.`,
      hint: 'Run the command as the user the agent runs as, or as root (sudo).',
    });
  }
  return new QuantixError('INTERNAL', {
    message: `The audit log ${inert(file)} could not be read (${e.code ?? 'error'}).`,
    hint: 'Check the file and its directory, then try again.',
  });
}

/** What a read found besides the records. */
export interface AuditReadSummary {
  /** Lines that were not audit records (or were over the line bound). */
  skipped: number;
}

/**
 * The records of the audit trail in stateDir that pass the filter, oldest
 * first; fails with NOT_FOUND when neither file exists.
 */
export async function* readAudit(
  stateDir: string,
  filter: AuditFilter,
  summary: AuditReadSummary,
): AsyncGenerator<AuditRecord> {
  const files = [path.join(stateDir, 'audit.log.1'), path.join(stateDir, 'audit.log')];
  let found = 0;
  for (const file of files) {
    try {
      for await (const line of fileLines(file)) {
        if (line === null) {
          summary.skipped++;
          continue;
        }
        if (line.trim() === '') continue;
        let v: unknown;
        try {
          v = JSON.parse(line);
        } catch {
          summary.skipped++;
          continue;
        }
        if (!isRecord(v)) summary.skipped++;
        else if (keep(v, filter)) yield v;
      }
      found++;
    } catch (err) {
      if ((err as NodeJS.ErrnoException).code === 'ENOENT') continue;
      throw readProblem(err, file);
    }
  }
  if (found === 0) {
    throw new QuantixError('NOT_FOUND', {
      message: `There is no audit log in ${inert(stateDir)} (audit.log, audit.log.1).`,
      hint: "Give the agent's state directory with --state-dir (or QUANTIX_NODE_STATE_DIR); the agent writes the log there once it has started.",
    });
  }
}

/** One record as a line of text: time, action, outcome, source, then what else it says. */
export function renderAuditRecord(r: AuditRecord): string {
  const extra = [
    r.code ? `code=${r.code}` : '',
    r.path ? `path=${r.path}` : '',
    r.vdcId ? `vdc=${r.vdcId}` : '',
    r.clusterId ? `cluster=${r.clusterId}` : '',
    r.nodeId ? `node=${r.nodeId}` : '',
    typeof r.count === 'number' ? `count=${r.count}` : '',
    r.detail ? r.detail : '',
  ].filter(Boolean);
  const outcome = r.outcome === 'ok' ? 'ok' : 'refused';
  return inert(
    [r.at.padEnd(24), r.action.padEnd(16), outcome.padEnd(8), r.source.padEnd(16), extra.join(' ')].join(' ').trimEnd(),
  );
}
