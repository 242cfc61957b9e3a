import { describe, expect, it } from 'vitest';
import { formatToken, tokenFromRandom } from '../../common/token/token.js';
import { UNICODE_GLYPHS } from '../../common/tui/glyphs.js';
import { lineText } from '../../common/tui/text.js';
import {
  BULK_MAX_HOSTS,
  parseBulkFile,
  type BulkCounts,
  type BulkHost,
  type BulkRun,
} from '../../vdc-console/console/bulk.js';
import { renderBulk } from '../../vdc-console/console/screens/bulk.js';

const T1 = formatToken(tokenFromRandom(new Uint8Array([1, 2, 3, 4, 5, 6, 7])));
const T2 = formatToken(tokenFromRandom(new Uint8Array([7, 6, 5, 4, 3, 2, 1])));
const flat = (t: string) => t.replace(/^QUANTIX-|-/g, '');

describe('parseBulkFile', () => {
  it('reads CSV with the header in any order, quotes, comments and blank lines', () => {
    const f = parseBulkFile(
      [
        '# rack 4',
        'cluster,token,address,rack',
        `Production,${T1.toLowerCase()},10.0.0.1,4`,
        '',
        `"Prod, east","${T2}","[fd00::5]:9000",4`,
      ].join('\r\n'),
    );
    expect(f.problems).toEqual([]);
    expect(f.entries).toEqual([
      { line: 3, address: '10.0.0.1:8443', host: '10.0.0.1', port: 8443, cluster: 'Production' },
      { line: 5, address: '[fd00::5]:9000', host: 'fd00::5', port: 9000, cluster: 'Prod, east' },
    ]);
    // Tokens are kept apart, canonical, by line.
    expect([...f.tokens]).toEqual([
      [3, flat(T1)],
      [5, flat(T2)],
    ]);
  });

  it('reads JSON lines', () => {
    const f = parseBulkFile(`{"address":"qx-07.lab","token":"${T1}","cluster":"Edge"}\n`);
    expect(f.entries.map((e) => [e.line, e.address, e.cluster])).toEqual([[1, 'qx-07.lab:8443', 'Edge']]);
  });

  it('reports each bad line by number and code, never with a token or a piece of one', () => {
    const typo = `${T1.slice(0, -1)}${T1.endsWith('A') ? 'B' : 'A'}`;
    const f = parseBulkFile(
      [
        'address,token,cluster',
        `10.0.0.1,${typo},P`, // check symbol wrong
        `10.0.0.2,${T1.slice(0, 10)}U${T1.slice(11)},P`, // a symbol tokens never use
        `${T1},10.0.0.3,P`, // columns swapped
        `10.0.0.4,${T2},${T2}`, // the cluster is a token
        `10.0.0.5,,P`, // no token
        `10.0.0.1:8443,${T2},P`, // the same host as line 2
        `not an address!,${T2},P`,
      ].join('\n'),
    );
    expect(f.problems.map((p) => [p.line, p.code])).toEqual([
      [2, 'TOKEN_FORMAT'],
      [3, 'TOKEN_FORMAT'],
      [4, 'VALIDATION_ERROR'],
      [5, 'VALIDATION_ERROR'],
      [6, 'VALIDATION_ERROR'],
      [8, 'VALIDATION_ERROR'],
    ]);
    // Line 7 is not a duplicate: line 2 was refused, so 10.0.0.1 is listed once.
    expect(f.entries.map((e) => e.line)).toEqual([7]);
    const words = JSON.stringify(f.problems);
    for (const t of [T1, T2, typo]) expect(words.replace(/-/g, '')).not.toContain(flat(t).slice(0, 6));
    expect(words).not.toContain("'U'");
  });

  it('refuses a file that cannot be a host list as a whole', () => {
    expect(() => parseBulkFile('\n# nothing\n')).toThrow(/empty/);
    expect(() => parseBulkFile(`10.0.0.1,${T1},P\n`)).toThrow(/not a header/);
    const many = [
      'address,token,cluster',
      ...Array.from({ length: BULK_MAX_HOSTS + 1 }, (_, i) => `10.1.${i >> 8}.${i & 255},${T1},P`),
    ];
    expect(() => parseBulkFile(many.join('\n'))).toThrow(/at most 1000/);
  });

  it('refuses a line listing a host already listed', () => {
    const f = parseBulkFile(['address,token,cluster', `10.0.0.1,${T1},P`, `10.0.0.1:8443,${T2},Q`].join('\n'));
    expect(f.problems.map((p) => [p.line, p.code, p.message])).toEqual([
      [3, 'VALIDATION_ERROR', '10.0.0.1:8443 is already on line 2.'],
    ]);
  });
});

describe('the bulk screen at 80x24', () => {
  const host = (line: number, over: Partial<BulkHost> = {}): BulkHost => ({
    line,
    address: `10.0.0.${line}:8443`,
    cluster: 'Edge',
    state: 'ready',
    hostname: `qx-${line}`,
    discovery: null,
    nodeId: null,
    reason: null,
    error: null,
    ...over,
  });
  const counts: BulkCounts = { total: 20, added: 0, skipped: 0, failed: 1, ready: 19, remaining: 0 };
  const render = (hosts: BulkHost[], cursor: number) =>
    renderBulk(
      { cols: 80, rows: 24, glyphs: UNICODE_GLYPHS, now: 0, bindings: [], flash: null },
      {
        file: 'hosts.csv',
        phase: 'review',
        run: { hosts, counts: () => counts } as unknown as BulkRun,
        cursor,
        offset: 0,
      },
    ).lines.map(lineText);

  it("shows a failed host's whole error and next step, the table keeping rows", () => {
    const message =
      'The host did not answer on 10.0.0.3:8443 within 5 s: it may be powered off, or a firewall drops the port.';
    const hint =
      'Check that quantix-node runs on the host (F2 on its console shows it) and that port 8443 is open, then load the file again.';
    const hosts = Array.from({ length: 20 }, (_, i) =>
      host(i + 1, i === 2 ? { state: 'failed', error: { code: 'HOST_UNREACHABLE', message, hint } } : {}),
    );
    const screen = render(hosts, 2);
    expect(screen).toHaveLength(24);
    const all = screen.map((l) => l.slice(1, -1).trim()).join(' ');
    expect(all).toContain('HOST_UNREACHABLE');
    expect(all).toContain('Next: Check that quantix-node');
    expect(all).toContain('then load the file again.');
    // At least six rows of the table stay, with the selected one among them.
    expect(screen.filter((l) => /qx-\d+/.test(l)).length).toBeGreaterThanOrEqual(6);
    // A host with nothing to say leaves the table its usual size.
    expect(render(hosts, 0).filter((l) => /qx-\d+/.test(l)).length).toBeGreaterThan(
      screen.filter((l) => /qx-\d+/.test(l)).length,
    );
  });
});
