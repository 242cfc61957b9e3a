/**
 * Reading the audit: `GET /api/audit` pages by id cursor with filters, and
 * `quantix-vdc-console audit` follows the pages and prints a table, JSON
 * or CSV. A few thousand records are written straight through the store
 * (as the vDC writes them, only faster), then read back through the real
 * vDC process and the real CLI, on both back ends; the store's queries
 * are checked to run on the audit indexes.
 */
import Database from 'better-sqlite3';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log/logger.js';
import { QuantixError } from '../../common/protocol/errors.js';
import type { AuditEvent } from '../../common/protocol/vdc-api.js';
import { AUDIT_CSV_COLUMNS } from '../../vdc-console/console/audit-command.js';
import { auditSelect, type AuditFilter } from '../../vdc-console/server/audit-query.js';
import { openPgStore } from '../../vdc-console/server/pg-store.js';
import { openSqliteStore } from '../../vdc-console/server/sqlite-store.js';
import type { AuditInput, Store } from '../../vdc-console/server/store.js';
import { runConsoleCli } from '../e2e/vdc-console-support.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

const postgres = usePostgres();

/** How many records each back end gets. */
const COUNT = 3000;
/** The first record's time; one a minute after it, all long before the vDC's own records. */
const BASE = Date.parse('2025-03-01T00:00:00.000Z');
const END = new Date(BASE + COUNT * 60_000).toISOString();
const ACTIONS = ['node.discover', 'node.register', 'node.remove', 'cluster.create'];
/** Values a spreadsheet would run, a terminal would obey, or a CSV reader would split. */
const HOSTILE = [
  '=HYPERLINK("http://x.invalid","click")',
  '+1+cmd|/C calc',
  '-2+3',
  '@SUM(A1:A9)',
  'evil\x1b]0;pwned\x07\x1b[2Jname',
  'a,b "quoted" c',
];

function record(i: number): AuditInput {
  return {
    at: new Date(BASE + i * 60_000).toISOString(),
    action: ACTIONS[i % ACTIONS.length]!,
    outcome: i % 7 === 0 ? 'error' : 'ok',
    source: i % 2 ? 'socket' : 'https 127.0.0.1',
    actor: i % 2 ? null : 'ci-bot',
    address: `10.0.${i % 5}.1:8443`,
    hostId: `host-${i % 5}`,
    nodeId: `node-${i % 5}`,
    clusterId: null,
    code: i % 7 === 0 ? 'HOST_UNREACHABLE' : null,
    detail: i % 100 === 0 ? HOSTILE[(i / 100) % HOSTILE.length]! : `record ${i}`,
  };
}

/** Parses RFC 4180 CSV (quoted cells, doubled quotes, CRLF). */
function parseCsv(text: string): string[][] {
  const rows: string[][] = [];
  let row: string[] = [];
  let cell = '';
  let quoted = false;
  for (let i = 0; i < text.length; i++) {
    const c = text[i]!;
    if (quoted) {
      if (c === '"' && text[i + 1] === '"') {
        cell += '"';
        i++;
      } else if (c === '"') quoted = false;
      else cell += c;
    } else if (c === '"') quoted = true;
    else if (c === ',') {
      row.push(cell);
      cell = '';
    } else if (c === '\r' && text[i + 1] === '\n') {
      row.push(cell);
      rows.push(row);
      row = [];
      cell = '';
      i++;
    } else cell += c;
  }
  return rows;
}

describe.each(VDC_BACKENDS)('%s', (backend) => {
  let vdc: VdcProcess;
  let database: string | undefined;
  let home: string;
  /** Every record written, newest first, with the id the store gave it. */
  const written: Array<AuditInput & { id: number }> = [];
  const cli = (...args: string[]) => runConsoleCli(['audit', ...args], { home, socketPath: vdc.socketPath });

  async function openStore(): Promise<Store> {
    return database
      ? openPgStore({ url: database, log: createLogger({ name: 'test', level: 'silent' }) })
      : openSqliteStore(path.join(vdc.stateDir, 'vdc.db'));
  }

  beforeAll(async () => {
    home = mkdtempSync(path.join(os.tmpdir(), 'qx-audit-home-'));
    database = await postgres.database(backend);
    vdc = await startVdc({ name: 'vdc-audit', ...(database ? { database } : {}) });
    const store = await openStore();
    try {
      // In order, so ids follow times as they do when the vDC writes them.
      for (let i = 0; i < COUNT; i++) {
        const r = record(i);
        written.unshift({ ...r, id: await store.appendAudit(r) });
      }
    } finally {
      await store.close();
    }
  }, 120_000);

  afterAll(async () => {
    await stopAll(vdc);
    rmSync(home, { recursive: true, force: true });
  });

  /** Every page of a query through the API, and how many requests it took. */
  async function allPages(query: Record<string, string>, limit: number) {
    const events: AuditEvent[] = [];
    let before: number | undefined;
    let requests = 0;
    for (;;) {
      const page = await vdc.client().auditPage({ ...query, limit, ...(before ? { beforeId: before } : {}) });
      requests++;
      expect(page.events.length).toBeLessThanOrEqual(limit);
      events.push(...page.events);
      if (page.next === null || page.next === undefined) break;
      expect(page.events.length).toBe(limit);
      before = page.next;
    }
    return { events, requests };
  }

  it('pages the whole audit by cursor: newest first, each record once, a bounded page', async () => {
    const { events, requests } = await allPages({ until: END }, 1000);
    expect(requests).toBe(3);
    expect(events.map((e) => e.id)).toEqual(written.map((w) => w.id));
    expect(events[0]).toMatchObject({ action: written[0]!.action, detail: written[0]!.detail, hostId: 'host-4' });
    // A page larger than the bound is refused, not served.
    const err = await vdc
      .client()
      .auditPage({ limit: 1001 })
      .catch((e: unknown) => e);
    expect(err).toBeInstanceOf(QuantixError);
    expect((err as QuantixError).code).toBe('VALIDATION_ERROR');
  });

  it('filters by action, outcome, host and time on every page', async () => {
    const since = new Date(BASE + 600 * 60_000).toISOString();
    const until = new Date(BASE + 2400 * 60_000).toISOString();
    const cases: Array<[Record<string, string>, (w: AuditInput) => boolean]> = [
      [{ action: 'node.register' }, (w) => w.action === 'node.register'],
      [{ outcome: 'error', until: END }, (w) => w.outcome === 'error'],
      [{ host: '10.0.3.1', until: END }, (w) => w.address === '10.0.3.1:8443'],
      [{ host: 'host-2', action: 'node.remove' }, (w) => w.hostId === 'host-2' && w.action === 'node.remove'],
      [{ since, until }, (w) => w.at >= since && w.at < until],
      [
        { since, until, outcome: 'ok', host: 'node-1' },
        (w) => w.at >= since && w.at < until && w.outcome === 'ok' && w.nodeId === 'node-1',
      ],
    ];
    for (const [query, keep] of cases) {
      const { events } = await allPages(query, 97);
      expect(
        events.map((e) => e.id),
        JSON.stringify(query),
      ).toEqual(written.filter(keep).map((w) => w.id));
    }
    expect((await vdc.client().auditPage({ host: 'no-such-host' })).events).toEqual([]);
  });

  it('refuses a malformed filter with a coded error', async () => {
    for (const query of [{ since: 'yesterday' }, { until: '2025-13-45T99:00:00Z' }, { outcome: 'maybe' }]) {
      const err = await vdc
        .client()
        .auditPage(query as never)
        .catch((e: unknown) => e);
      expect((err as QuantixError).code, JSON.stringify(query)).toBe('VALIDATION_ERROR');
    }
  });

  it('runs every audit query on an index, never a scan of the whole table', async () => {
    const filters: AuditFilter[] = [
      { limit: 101 },
      { limit: 101, beforeId: 500 },
      { limit: 101, action: 'node.remove' },
      { limit: 101, outcome: 'error' },
      { limit: 101, since: '2025-03-01T10:00:00.000Z', until: '2025-03-01T12:00:00.000Z' },
      { limit: 101, hosts: ['host-1', '10.0.1.1:8443'] },
    ];
    for (const f of filters) {
      const shape = JSON.stringify(f);
      if (!database) {
        const { sql, params } = auditSelect(f, () => '?');
        const db = new Database(path.join(vdc.stateDir, 'vdc.db'), { readonly: true });
        try {
          const plan = db
            .prepare(`EXPLAIN QUERY PLAN ${sql}`)
            .all(...params)
            .map((r) => (r as { detail: string }).detail)
            .join('; ');
          // Without filters the table is walked newest first and stops at the limit; a filter searches an index.
          if (Object.keys(f).length === 1) expect(plan, shape).toBe('SCAN audit');
          else {
            expect(plan, shape).toMatch(/SEARCH audit USING (INDEX audit_|INTEGER PRIMARY KEY|COVERING INDEX audit_)/);
            expect(plan, shape).not.toMatch(/SCAN audit/);
          }
        } finally {
          db.close();
        }
      } else {
        const { sql, params } = auditSelect(f, (n) => `$${n}`);
        const c = new pg.Client({ connectionString: database });
        await c.connect();
        try {
          // With sequential scans priced out, the plan shows whether an index can serve the query at all.
          await c.query('SET enable_seqscan = off');
          const rows = (await c.query<{ 'QUERY PLAN': string }>(`EXPLAIN ${sql}`, params)).rows;
          const plan = rows.map((r) => r['QUERY PLAN']).join('\n');
          expect(plan, shape).toMatch(/Index Scan|Bitmap Index Scan/);
          expect(plan, shape).not.toMatch(/Seq Scan/);
        } finally {
          await c.end();
        }
      }
    }
  });

  it('prints CSV with a header, quoting, and formulas neutralised', async () => {
    const run = await cli('--csv', '--limit', '5000', '--until', END);
    expect(run.code).toBe(0);
    const rows = parseCsv(run.stdout);
    expect(rows[0]).toEqual([...AUDIT_CSV_COLUMNS]);
    expect(rows[0]!.length).toBe(12);
    expect(rows.length).toBe(COUNT + 1);
    expect(rows.slice(1).map((r) => Number(r[0]))).toEqual(written.map((w) => w.id));
    const details = new Set(rows.slice(1).map((r) => r[11]!));
    for (const cell of ['\'=HYPERLINK("http://x.invalid","click")', "'+1+cmd|/C calc", "'-2+3", "'@SUM(A1:A9)"])
      expect(details).toContain(cell);
    expect(details).toContain('a,b "quoted" c');
    // No cell starts with what a spreadsheet runs, and no control character reaches the terminal.
    for (const r of rows) for (const c of r) expect(c).not.toMatch(/^[=+\-@]/);
    expect(run.stdout).not.toMatch(/[\x00-\x09\x0b\x0c\x0e-\x1f\x7f]/);
    expect(details).toContain('evil^[]0;pwned^G^[[2Jname');
  });

  it('prints one JSON object per run, with the cursor to go on from', async () => {
    const first = await cli('--json', '--limit', '1500', '--until', END);
    expect(first.code).toBe(0);
    const a = JSON.parse(first.stdout) as { events: AuditEvent[]; next: number | null };
    expect(a.events.map((e) => e.id)).toEqual(written.slice(0, 1500).map((w) => w.id));
    expect(a.next).toBe(written[1499]!.id);
    // Raw values in JSON: the escape is kept, escaped by JSON itself.
    expect(a.events.some((e) => e.detail === HOSTILE[4])).toBe(true);
    const rest = JSON.parse((await cli('--json', '--limit', '5000', '--before', String(a.next))).stdout) as {
      events: AuditEvent[];
      next: number | null;
    };
    expect(rest.next).toBeNull();
    expect(rest.events.map((e) => e.id)).toEqual(written.slice(1500).map((w) => w.id));
    const none = JSON.parse((await cli('--json', '--action', 'no.such-action')).stdout) as unknown;
    expect(none).toEqual({ events: [], next: null });
  });

  it('prints a table with hostile values shown, not run, and filters by name of time span', async () => {
    const run = await cli('--host', '10.0.0.1', '--outcome', 'error', '--until', END, '--limit', '40');
    expect(run.code).toBe(0);
    const lines = run.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^TIME \(UTC\)\s+ACTION\s+OUTCOME\s+SOURCE\s+HOST\s+CODE\s+DETAIL$/);
    expect(lines.length).toBe(41);
    for (const l of lines.slice(1)) expect(l).toMatch(/ error +\S.* 10\.0\.0\.1:8443 +HOST_UNREACHABLE /);
    expect(run.stderr).toContain('older ones match too: add --before');
    const hostile = await cli('--until', END, '--limit', '5000');
    expect(hostile.stdout).not.toContain('\x1b');
    expect(hostile.stdout).toContain('evil^[]0;pwned^G^[[2Jname');
    // The records are from 2025: a span back from now finds none of them, only the vDC's own.
    const recent = await cli('--since', '15m', '--json');
    const events = (JSON.parse(recent.stdout) as { events: AuditEvent[] }).events;
    expect(events.every((e) => e.at >= END)).toBe(true);
  });

  it('refuses bad options before asking the vDC: USAGE_ERROR, exit 2, the next step', async () => {
    const bad: Array<[string[], RegExp]> = [
      [['--since', 'yesterday'], /--since: 'yesterday' is neither .* e\.g\. --since 2h/],
      [['--until', '2025-02-30T25:00'], /--until: .* is neither/],
      [['--since', '1h', '--until', '2h'], /is not before --until/],
      [['--outcome', 'maybe'], /is not ok or error/],
      [['--action', 'DROP TABLE'], /is not an action name/],
      [['--limit', '0'], /--limit: '0' is not a whole number from 1 to 1000000/],
      [['--json', '--csv'], /cannot be used together/],
    ];
    for (const [args, message] of bad) {
      const run = await cli(...args);
      expect(run.code, args.join(' ')).toBe(2);
      expect(run.stderr, args.join(' ')).toMatch(/^quantix-vdc-console: USAGE_ERROR: /);
      expect(run.stderr, args.join(' ')).toMatch(message);
      // With --json the error is on stdout too, as one object; nothing else is ever printed.
      if (args.includes('--json'))
        expect((JSON.parse(run.stdout) as { error: { code: string } }).error.code).toBe('USAGE_ERROR');
      else expect(run.stdout).toBe('');
    }
  });
});
