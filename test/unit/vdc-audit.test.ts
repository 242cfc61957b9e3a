/**
 * The pure parts of reading the vDC audit: CSV cells, the console view's
 * filter words, what a `host` filter expands to, and the page query.
 */
import { describe, expect, it } from 'vitest';
import { csvCell } from '../../vdc-console/console/audit-command.js';
import { parseAuditFilter } from '../../vdc-console/console/controllers/audit.js';
import { auditHostKeys } from '../../vdc-console/server/audit-list.js';
import { auditSelect } from '../../vdc-console/server/audit-query.js';
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
