import { mkdtempSync, readFileSync, rmSync, statSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { Writable } from 'node:stream';
import { describe, expect, it } from 'vitest';
import { createLogger } from '../../common/log/logger.js';
import {
  AUDIT_FIELD_MAX_CHARS,
  type AuditLog,
  type AuditRecord,
  createAuditLog,
} from '../../host-console/agent/audit.js';
import { createRefusalReport } from '../../host-console/agent/refusal-report.js';

/** A report over an in-memory audit log and logger, with a window that never ends by itself. */
function make(o: { maxSources?: number; maxImmediate?: number; maxSummaries?: number } = {}) {
  const records: Array<Omit<AuditRecord, 'at'>> = [];
  const logLines: string[] = [];
  const audit: AuditLog = { path: '/dev/null', write: (r) => records.push(r) };
  const destination = new Writable({
    write: (c, _e, cb) => {
      logLines.push(String(c));
      cb();
    },
  });
  const log = createLogger({ name: 't', level: 'info', destination });
  const report = createRefusalReport({ audit, log, windowMs: 3_600_000, ...o });
  return { records, logLines, report };
}

const refusal = (source: string, code = 'TOKEN_INVALID') => ({
  action: 'proof.failed' as const,
  source,
  code,
  target: `/api/v1/registration/discovery?q=${'A'.repeat(20_000)}`,
});

describe('refusal report', () => {
  it('writes the first refusal of a source at once, without the query string, and the rest as one counted line', () => {
    const { records, logLines, report } = make();
    for (let i = 0; i < 1000; i++) report.refused(refusal('192.0.2.7', i % 2 ? 'TOKEN_INVALID' : 'RATE_LIMITED'));
    expect(records).toEqual([
      {
        action: 'proof.failed',
        outcome: 'error',
        source: '192.0.2.7',
        path: '/api/v1/registration/discovery',
        code: 'RATE_LIMITED',
      },
    ]);
    report.flush();
    expect(records[1]).toMatchObject({
      action: 'refused.summary',
      source: '192.0.2.7',
      count: 1000,
      codes: { TOKEN_INVALID: 500, RATE_LIMITED: 500 },
      detail: 'refused 1000 requests from 192.0.2.7 in the last 3600 s',
    });
    expect(logLines).toHaveLength(2);
    // A quiet window writes nothing; a source refused once needs no summary.
    report.flush();
    report.refused(refusal('192.0.2.8'));
    report.flush();
    expect(records).toHaveLength(3);
  });

  it('counts an IPv6 /64 as one source', () => {
    const { records, report } = make();
    for (let i = 1; i <= 300; i++) report.refused(refusal(`2001:db8:1:2::${i.toString(16)}`));
    report.flush();
    expect(records.map((r) => [r.action, r.source, r.count])).toEqual([
      ['proof.failed', '2001:db8:1:2::1', undefined],
      ['refused.summary', '2001:db8:1:2::/64', 300],
    ]);
  });

  it('stays bounded however many sources refuse, and still counts every request', () => {
    const { records, logLines, report } = make({ maxSources: 100, maxImmediate: 5, maxSummaries: 10 });
    // 20,000 sources, three requests each.
    for (let round = 0; round < 3; round++)
      for (let i = 0; i < 20_000; i++) report.refused(refusal(`10.${i >> 16}.${(i >> 8) & 255}.${i & 255}`));
    report.flush();
    // 5 written at once, 10 busiest named, one line for the rest.
    expect(records).toHaveLength(5 + 10 + 1);
    const summaries = records.filter((r) => r.action === 'refused.summary');
    expect(summaries.reduce((n, r) => n + r.count!, 0)).toBe(60_000);
    expect(summaries.at(-1)).toMatchObject({
      source: 'other',
      detail: expect.stringMatching(/^refused \d+ requests from other sources in the last 3600 s$/),
    });
    expect(logLines).toHaveLength(16);
    expect(Math.max(...logLines.map((l) => l.length))).toBeLessThan(400);
  });
});

describe('audit log', () => {
  it('cuts long fields and keeps at most two files of its size cap', () => {
    const dir = mkdtempSync(path.join(os.tmpdir(), 'qx-audit-'));
    try {
      const file = path.join(dir, 'audit.log');
      const log = createAuditLog(
        file,
        () => 0,
        (err) => {
          throw err;
        },
        10_000,
      );
      for (let i = 0; i < 1000; i++)
        log.write({ action: 'node.refused', outcome: 'error', source: '192.0.2.7', detail: 'x'.repeat(100_000) });
      expect(statSync(file).size).toBeLessThanOrEqual(10_000);
      expect(statSync(`${file}.1`).size).toBeLessThanOrEqual(10_000);
      expect(statSync(file).mode & 0o777).toBe(0o600);
      const last = JSON.parse(readFileSync(file, 'utf8').trim().split('\n').at(-1)!) as { detail: string };
      expect(last.detail).toHaveLength(AUDIT_FIELD_MAX_CHARS);
      expect(last.detail.endsWith('…')).toBe(true);
    } finally {
      rmSync(dir, { recursive: true, force: true });
    }
  });
});
