/**
 * The pure parts of reading the vDC audit: CSV cells, the console view's
 * filter words, what a `host` filter expands to, and the page query.
 */
import { describe, expect, it } from 'vitest';
import { QuantixError } from '../../common/protocol/errors.js';
import type { AuditEvent, AuditListResponse, AuditQuery } from '../../common/protocol/vdc-api.js';
import { csvCell, runAuditCommand } from '../../vdc-console/console/audit-command.js';
import { AUDIT_VIEW_MAX, AuditBrowser, parseAuditFilter } from '../../vdc-console/console/controllers/audit.js';
import { auditHostKeys } from '../../vdc-console/server/audit-list.js';
import { auditSelect } from '../../vdc-console/server/audit-query.js';
import { auditEvent } from '../helpers/audit-event.js';
import type { NodeRecord } from '../../vdc-console/server/store.js';

const NOW = Date.parse('2026-11-30T12:00:00.000Z');

describe('CSV cells', () => {
  it('neutralises what a spreadsheet runs and quotes what a reader splits', () => {
    expect(csvCell('=1+2')).toBe("'=1+2");
    expect(csvCell('+1')).toBe("'+1");
    expect(csvCell('-1')).toBe("'-1");
    expect(csvCell('@SUM(A1)')).toBe("'@SUM(A1)");
    // A tab or CR is made visible first, so it can no longer start a formula.
    expect(csvCell('\tx')).toBe('^Ix');
    expect(csvCell('=HYPERLINK("a","b")')).toBe('"\'=HYPERLINK(""a"",""b"")"');
    expect(csvCell('a,b')).toBe('"a,b"');
    expect(csvCell(' lead')).toBe('" lead"');
    expect(csvCell('plain text')).toBe('plain text');
    expect(csvCell('esc\x1b[2J')).toBe('esc^[[2J');
    expect(csvCell(null)).toBe('');
    expect(csvCell(42)).toBe('42');
  });
});

describe("the audit view's filter", () => {
  it('reads bare words and key=value words', () => {
    expect(parseAuditFilter('qx-node-07 node.register error 2h', NOW)).toEqual({
      query: {
        host: 'qx-node-07',
        action: 'node.register',
        outcome: 'error',
        since: '2026-11-30T10:00:00.000Z',
      },
    });
    expect(parseAuditFilter('10.0.0.5 until=2026-11-01', NOW)).toEqual({
      query: { host: '10.0.0.5', until: '2026-11-01T00:00:00.000Z' },
    });
    expect(parseAuditFilter('  ', NOW)).toEqual({ query: {} });
  });

  it('says what is wrong instead of reading', () => {
    expect(parseAuditFilter('since=yesterday', NOW)).toEqual({
      problem: 'since: "yesterday" is not a span (15m, 2h, 7d) or an ISO time.',
    });
    expect(parseAuditFilter('colour=red', NOW)).toHaveProperty('problem');
    expect(parseAuditFilter('outcome=maybe', NOW)).toHaveProperty('problem');
    expect(parseAuditFilter('host=', NOW)).toHaveProperty('problem');
    expect(parseAuditFilter('since=1h until=2h', NOW)).toEqual({ problem: 'since is not before until.' });
  });
});

describe('the host filter', () => {
  const node = (hostname: string, n: number): NodeRecord =>
    ({ id: `node-${n}`, hostId: `host-${n}`, hostname, address: `10.0.0.${n}`, port: 8443 }) as NodeRecord;
  const store = { listNodes: () => Promise.resolve([node('qx-node-07', 7), node('other', 8)]) };

  it('matches a registered host by name, and an address without its port', async () => {
    expect(await auditHostKeys(store, 'QX-node-07')).toEqual([
      'QX-node-07',
      'qx-node-07:8443',
      'host-7',
      'node-7',
      '10.0.0.7:8443',
    ]);
    expect(await auditHostKeys(store, '10.0.0.9')).toEqual(['10.0.0.9', '10.0.0.9:8443']);
  });
});

describe('the page query', () => {
  it('pages by id and puts every filter in the WHERE clause', () => {
    expect(auditSelect({ limit: 101 }, () => '?')).toEqual({
      sql: 'SELECT * FROM audit ORDER BY id DESC LIMIT ?',
      params: [101],
    });
    const q = auditSelect(
      { limit: 11, beforeId: 500, since: 'a', until: 'b', action: 'x.y', outcome: 'ok', hosts: ['h1', 'h2'] },
      (n) => `$${n}`,
    );
    expect(q.sql).toBe(
      'SELECT * FROM audit WHERE id < $1 AND at >= $2 AND at < $3 AND action = $4 AND outcome = $5 AND ' +
        '(host_id IN ($6, $7) OR node_id IN ($8, $9) OR address IN ($10, $11)) ORDER BY id DESC LIMIT $12',
    );
    expect(q.params).toEqual([500, 'a', 'b', 'x.y', 'ok', 'h1', 'h2', 'h1', 'h2', 'h1', 'h2', 11]);
  });
});

/** A vDC with `total` audit records, ids total..1, that fails the request numbered `failAt` (1-based). */
function fakeAudit(total: number, failAt = Infinity) {
  const asked: AuditQuery[] = [];
  return {
    asked,
    auditPage(q: AuditQuery): Promise<AuditListResponse> {
      asked.push(q);
      if (asked.length >= failAt) return Promise.reject(new QuantixError('VDC_UNREACHABLE'));
      const top = Math.min(total, (q.beforeId ?? total + 1) - 1);
      const n = Math.max(0, Math.min(q.limit ?? 100, top));
      const events = Array.from({ length: n }, (_, i) => auditEvent(top - i));
      return Promise.resolve({ events, next: top - n > 0 ? top - n + 1 : null });
    },
  };
}

describe('the audit command', () => {
  it('follows pages up to the limit and closes the JSON with the error when a later page fails', async () => {
    const vdc = fakeAudit(5000, 3);
    let out = '';
    const failure = await runAuditCommand(
      { query: {}, limit: 2500, format: 'json' },
      { out: (t) => (out += `${t}\n`), note: () => {}, connect: () => Promise.resolve(vdc) },
    );
    expect(vdc.asked.map((q) => [q.limit, q.beforeId])).toEqual([
      [1000, undefined],
      [1000, 4001],
      [500, 3001],
    ]);
    expect((failure as QuantixError).code).toBe('VDC_UNREACHABLE');
    const doc = JSON.parse(out) as { events: AuditEvent[]; next: number; error: { code: string } };
    expect(doc.events.length).toBe(2000);
    expect(doc.next).toBe(3001);
    expect(doc.error.code).toBe('VDC_UNREACHABLE');
  });

  it('writes nothing when the first page fails', async () => {
    let out = '';
    const run = runAuditCommand(
      { query: {}, limit: 10, format: 'csv' },
      { out: (t) => (out += t), note: () => {}, connect: () => Promise.resolve(fakeAudit(5, 1)) },
    );
    await expect(run).rejects.toThrow(QuantixError);
    expect(out).toBe('');
  });
});

describe("the audit view's pages", () => {
  const browser = (api: ReturnType<typeof fakeAudit>) =>
    new AuditBrowser({ api, flash: { error: () => {}, show: () => {} }, now: () => NOW, changed: () => {} });

  it('reads an older page only near the end, and stops at its bound', async () => {
    const api = fakeAudit(AUDIT_VIEW_MAX + 500);
    const b = browser(api);
    await b.reload();
    expect(b.events.length).toBe(100);
    b.move(10, 20);
    expect(api.asked.length).toBe(1);
    for (let i = 0; i < 200 && !b.full(); i++) {
      b.move(Infinity, 20);
      await b.loadOlder();
    }
    expect(b.events.length).toBe(AUDIT_VIEW_MAX);
    expect(b.next).not.toBeNull();
    const asked = api.asked.length;
    b.move(Infinity, 20);
    await b.loadOlder();
    expect(api.asked.length).toBe(asked);
  });

  it('drops the answer to a page asked for before the filter changed', async () => {
    let release: (r: AuditListResponse) => void = () => {};
    const slow = {
      asked: [] as AuditQuery[],
      auditPage: (q: AuditQuery) => {
        slow.asked.push(q);
        return slow.asked.length === 1
          ? new Promise<AuditListResponse>((r) => (release = r))
          : Promise.resolve({ events: [], next: null });
      },
    };
    const b = browser(slow);
    const first = b.reload();
    b.editFilter();
    b.type('error');
    await b.applyFilter();
    release(await fakeAudit(50).auditPage({ limit: 100 }));
    await first;
    expect(slow.asked[1]).toMatchObject({ outcome: 'error' });
    expect(b.events).toEqual([]);
    expect(b.filter).toBe('error');
  });
});
