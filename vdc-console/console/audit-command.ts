/**
 * `quantix-vdc-console audit`: the vDC's audit, newest first, page by page
 * (the vDC answers at most AUDIT_PAGE_MAX events a request and a cursor to
 * the next page), printed as each page arrives so a long export never sits
 * in memory: a table for people, one JSON object `{events, next}` with
 * --json, or CSV with a header with --csv. Values that came from hosts are
 * made inert: control characters are shown, never sent to the terminal,
 * and a CSV cell that a spreadsheet would run as a formula is prefixed.
 */
import { usageError } from '../../common/cli/error-line.js';
import type { VdcClient } from '../../common/http/vdc-client.js';
import { parseWhen } from '../../common/format/when.js';
import { QuantixError } from '../../common/protocol/errors.js';
import {
  AUDIT_ACTION_PATTERN,
  AUDIT_PAGE_MAX,
  type AuditEvent,
  type AuditQuery,
} from '../../common/protocol/vdc-api.js';
import { neutralizeControls } from '../../common/tui/sanitize.js';
import { padEnd, plain } from '../../common/tui/text.js';
import type { CommandSpec } from './options.js';
import { errorJson } from './output.js';

/** Most events one run prints. */
export const AUDIT_LIMIT_MAX = 1_000_000;

/** The `audit` command as the command line knows it. */
export const AUDIT_COMMAND: CommandSpec = {
  words: ['audit'],
  options: {
    since: { type: 'string' },
    until: { type: 'string' },
    host: { type: 'string' },
    action: { type: 'string' },
    outcome: { type: 'string' },
    limit: { type: 'string' },
    before: { type: 'string' },
    csv: { type: 'boolean' },
  },
  positionals: [],
  summary: 'read the audit: who did what, when, to which host (filters, --csv)',
  usage: `Usage: quantix-vdc-console audit [--since WHEN] [--until WHEN] [--host H]
         [--action A] [--outcome ok|error] [--limit N] [--before ID]
         [--json | --csv]

The vDC's audit, newest first, read from the vDC a page at a time.
  --since WHEN     only records at or after WHEN: a span back from now (15m, 2h,
                   7d, 2w) or an ISO time (2026-01-31, 2026-01-31T08:00:00Z)
  --until WHEN     only records before WHEN (same forms)
  --host H         only records about this host: its name, node ID, host ID or
                   address (10.0.0.5 or 10.0.0.5:8443)
  --action A       only this action, e.g. node.register, node.remove
  --outcome O      ok or error
  --limit N        print at most N records (default 100, at most 1000000)
  --before ID      start below this record id (the "next" of a --json run)
  --csv            CSV with a header (RFC 4180; cells a spreadsheet would run
                   as a formula start with ')
  --json           one JSON object: {"events": [...], "next": ID or null}`,
};

/** What `audit` asks the vDC for, and how much it prints in which form. */
export interface AuditCommandOptions {
  query: Omit<AuditQuery, 'limit'>;
  limit: number;
  format: 'table' | 'json' | 'csv';
}

/** A typed value as a message may quote it: short, controls made visible. */
function quoted(v: string): string {
  return `'${plain(v.slice(0, 40))}${v.length > 40 ? '...' : ''}'`;
}

function whenOption(name: string, v: string | undefined, now: number): string | undefined {
  if (v === undefined) return undefined;
  const t = parseWhen(v, now);
  if (t === null)
    throw usageError(
      `--${name}: ${quoted(v)} is neither a span back from now nor an ISO time.`,
      `Give a span such as 15m, 2h, 7d or an ISO time such as 2026-01-31T08:00:00Z, e.g. --${name} 2h.`,
    );
  return new Date(t).toISOString();
}

function wholeOption(name: string, v: string | undefined, max: number): number | undefined {
  if (v === undefined) return undefined;
  const n = /^[0-9]{1,16}$/.test(v) ? Number(v) : NaN;
  if (!(n >= 1 && n <= max))
    throw usageError(`--${name}: ${quoted(v)} is not a whole number from 1 to ${max}.`, `e.g. --${name} 500.`);
  return n;
}

/** Checks the options of `audit` before anything is sent; a bad one is USAGE_ERROR (exit 2) with the next step. */
export function parseAuditOptions(
  values: Record<string, string | boolean | undefined>,
  json: boolean,
  now: number,
): AuditCommandOptions {
  const str = (k: string) => (typeof values[k] === 'string' ? values[k] : undefined);
  if (json && values.csv === true)
    throw usageError('--json and --csv cannot be used together.', 'Choose one output format.');
  const query: Omit<AuditQuery, 'limit'> = {};
  const since = whenOption('since', str('since'), now);
  const until = whenOption('until', str('until'), now);
  if (since !== undefined && until !== undefined && since >= until)
    throw usageError(`--since (${since}) is not before --until (${until}).`, 'Swap them, or widen the window.');
  if (since !== undefined) query.since = since;
  if (until !== undefined) query.until = until;
  const host = str('host');
  if (host !== undefined) {
    if (host === '' || host.length > 255)
      throw usageError(
        '--host takes a host name, node ID, host ID or address (1-255 characters).',
        'e.g. --host qx-node-07.',
      );
    query.host = host;
  }
  const action = str('action');
  if (action !== undefined) {
    if (!AUDIT_ACTION_PATTERN.test(action))
      throw usageError(
        `--action: ${quoted(action)} is not an action name.`,
        'Actions are dotted lower-case words, e.g. node.register or cluster.create.',
      );
    query.action = action;
  }
  const outcome = str('outcome');
  if (outcome !== undefined) {
    if (outcome !== 'ok' && outcome !== 'error')
      throw usageError(`--outcome: ${quoted(outcome)} is not ok or error.`, 'Use --outcome ok or --outcome error.');
    query.outcome = outcome;
  }
  const before = wholeOption('before', str('before'), Number.MAX_SAFE_INTEGER);
  if (before !== undefined) query.beforeId = before;
  const limit = wholeOption('limit', str('limit'), AUDIT_LIMIT_MAX) ?? 100;
  return { query, limit, format: json ? 'json' : values.csv === true ? 'csv' : 'table' };
}

/** The CSV columns, in order: every field of an audit event. */
export const AUDIT_CSV_COLUMNS = [
  'id',
  'at',
  'action',
  'outcome',
  'source',
  'actor',
  'address',
  'hostId',
  'nodeId',
  'clusterId',
  'code',
  'detail',
] as const;

/**
 * One CSV cell: controls made visible (a CSV is often read in a terminal;
 * a tab or CR so made cannot start a formula either), a leading `=`, `+`,
 * `-` or `@` prefixed with `'` so a
 * spreadsheet shows it instead of running it, and quoted when it holds a
 * comma, a quote or a leading or trailing space.
 */
export function csvCell(v: string | number | null): string {
  if (v === null) return '';
  let s = neutralizeControls(String(v));
  if (/^[=+\-@]/.test(s)) s = `'${s}`;
  return /[",\r\n]|^\s|\s$/.test(s) ? `"${s.replace(/"/g, '""')}"` : s;
}

/** One CSV record of an event. */
export function csvLine(e: AuditEvent): string {
  return AUDIT_CSV_COLUMNS.map((c) => csvCell(e[c])).join(',');
}

/** The table's columns: title and the width each is padded to (the last is not). */
const TABLE_COLUMNS: ReadonlyArray<{ title: string; width: number; cell: (e: AuditEvent) => string }> = [
  { title: 'TIME (UTC)', width: 19, cell: (e) => e.at.replace('T', ' ').slice(0, 19) },
  { title: 'ACTION', width: 18, cell: (e) => e.action },
  { title: 'OUTCOME', width: 7, cell: (e) => e.outcome },
  { title: 'SOURCE', width: 15, cell: (e) => (e.actor ? `${e.source} (${e.actor})` : e.source) },
  { title: 'HOST', width: 21, cell: (e) => e.address ?? e.hostId ?? e.nodeId ?? '-' },
  { title: 'CODE', width: 20, cell: (e) => e.code ?? '-' },
  { title: 'DETAIL', width: 0, cell: (e) => e.detail ?? '' },
];

function tableLine(cells: readonly string[]): string {
  return cells
    .map((c, i) => (i === cells.length - 1 ? c : padEnd(c, TABLE_COLUMNS[i]!.width)))
    .join('  ')
    .trimEnd();
}

/** The table's header line. */
export function auditTableHeader(): string {
  return tableLine(TABLE_COLUMNS.map((c) => c.title));
}

/** One event as a table line, every value inert. */
export function auditTableLine(e: AuditEvent): string {
  return tableLine(TABLE_COLUMNS.map((c) => plain(c.cell(e))));
}

/** Writes pages in one format as they arrive, and closes the output (even after a failed page). */
interface AuditSink {
  page(events: readonly AuditEvent[]): void;
  end(next: number | null, failure: QuantixError | null): void;
}

function sinkFor(format: AuditCommandOptions['format'], out: (line: string) => void): AuditSink {
  let count = 0;
  switch (format) {
    case 'json':
      return {
        page: (events) => {
          for (const e of events) out(`${count++ === 0 ? '{\n  "events": [\n' : ',\n'}    ${JSON.stringify(e)}`);
        },
        end: (next, failure) => {
          const head = count === 0 ? '{\n  "events": [],\n' : '\n  ],\n';
          const error = failure ? `,\n  "error": ${JSON.stringify(errorJson(failure).error)}` : '';
          out(`${head}  "next": ${next === null ? 'null' : String(next)}${error}\n}`);
        },
      };
    case 'csv':
      out(`${AUDIT_CSV_COLUMNS.join(',')}\r`);
      return { page: (events) => events.forEach((e) => out(`${csvLine(e)}\r`)), end: () => {} };
    case 'table':
      return {
        page: (events) => {
          for (const e of events) out(`${count++ === 0 ? `${auditTableHeader()}\n` : ''}${auditTableLine(e)}`);
        },
        end: () => {},
      };
  }
}

/** Where the command writes and how it reaches the vDC. */
export interface AuditCommandIo {
  out: (text: string) => void;
  note: (line: string) => void;
  connect: () => Promise<Pick<VdcClient, 'auditPage'>>;
}

/**
 * Runs `audit` with checked options: follows the vDC's pages up to the
 * limit, writing each as it comes. An error before anything was written is
 * thrown; a page that fails after output began still closes the output
 * (the JSON gets an `error` member) and the error is returned, to be
 * reported on stderr only.
 */
export async function runAuditCommand(opts: AuditCommandOptions, io: AuditCommandIo): Promise<unknown> {
  const client = await io.connect();
  let shown = 0;
  let before = opts.query.beforeId;
  let next: number | null = null;
  let sink: AuditSink | null = null;
  try {
    do {
      const page = await client.auditPage({
        ...opts.query,
        ...(before !== undefined ? { beforeId: before } : {}),
        limit: Math.min(AUDIT_PAGE_MAX, opts.limit - shown),
      });
      // The first page is asked before anything is written: an error then is only the error.
      sink ??= sinkFor(opts.format, io.out);
      sink.page(page.events);
      shown += page.events.length;
      next = page.events.length > 0 ? (page.next ?? null) : null;
      if (next !== null) before = next;
    } while (next !== null && shown < opts.limit);
  } catch (err) {
    if (!sink) throw err;
    sink.end(next, err instanceof QuantixError ? err : null);
    return err;
  }
  sink.end(next, null);
  if (opts.format !== 'table') return null;
  if (shown === 0) io.note('No audit records match.');
  else if (next !== null)
    io.note(`${shown} records shown; older ones match too: add --before ${next}, or a larger --limit.`);
  return null;
}
