import { describe, expect, it } from 'vitest';
import type { Inventory } from '../../common/protocol/inventory.js';
import type { DiscoverResponse, NodeDetail, NodeSummary, TrendResponse } from '../../common/protocol/vdc-api.js';
import { formatToken, tokenFromRandom } from '../../common/token/token.js';
import { ASCII_GLYPHS, UNICODE_GLYPHS } from '../../common/tui/glyphs.js';
import type { KeyBinding } from '../../common/tui/keys.js';
import { lineText, textWidth } from '../../common/tui/text.js';
import { statusLines, type Frame } from '../../vdc-console/console/render/frame.js';
import { renderAudit, type AuditViewModel } from '../../vdc-console/console/screens/audit.js';
import { renderDashboard } from '../../vdc-console/console/screens/dashboard.js';
import { renderDetails } from '../../vdc-console/console/screens/details.js';
import { renderWizard } from '../../vdc-console/console/screens/wizard.js';
import { DEFAULT_SORT } from '../../vdc-console/console/sort.js';
import { auditEvent } from '../helpers/audit-event.js';
import { initialWizard, wizardReducer, type WizardState } from '../../vdc-console/console/wizard.js';

const TOKEN = tokenFromRandom(new Uint8Array([9, 8, 7, 6, 5, 4, 3]));
const keys: KeyBinding[] = [
  { keys: ['enter'], label: 'Connect', handler: () => {} },
  { keys: ['escape'], label: 'Cancel', handler: () => {} },
];
const frame = (over: Partial<Frame> = {}): Frame => ({
  cols: 80,
  rows: 24,
  glyphs: UNICODE_GLYPHS,
  now: 0,
  bindings: keys,
  flash: null,
  ...over,
});
const text = (w: WizardState<DiscoverResponse>, f = frame()) => renderWizard(f, w, 0).lines.map(lineText);

const inv = {
  collectedAt: '',
  system: {
    hostname: 'qx-node-07',
    vendor: 'Dell Inc.',
    model: 'PowerEdge R750',
    serial: null,
    biosVendor: null,
    biosVersion: null,
    biosDate: null,
    os: 'Quantix-OS',
    kernel: null,
    uptimeSeconds: null,
    hostId: 'hid-1',
    hostIdSource: 'smbios',
  },
  cpu: {
    model: 'Xeon',
    vendor: null,
    sockets: 2,
    cores: 16,
    threads: 32,
    mhz: null,
    numaNodes: 2,
    virtualization: 'vmx',
    kvmUsable: true,
  },
  memory: { totalBytes: 2 ** 37, availableBytes: null, swapTotalBytes: null, swapFreeBytes: null },
  storage: { disks: [], nfs: [], iscsi: [] },
  network: [],
  gpus: [],
  warnings: [],
} as Inventory;
const discovery: DiscoverResponse = {
  discoveryId: 'd1',
  expiresAt: '',
  host: {
    hostId: 'hid-1',
    hostname: 'qx-node-07',
    address: '10.20.0.17',
    port: 8443,
    certificateFingerprint: 'ab'.repeat(32),
    identityVerified: true,
    agentVersion: '1',
    clockOffsetSeconds: 0,
  },
  inventory: inv,
  warnings: [{ code: 'NO_VIRTUALIZATION', message: 'VT-x is disabled in the BIOS' }],
};

function base(): WizardState<DiscoverResponse> {
  return initialWizard([
    { id: 'c1', name: 'Production', hosts: 8 },
    { id: 'c2', name: 'Staging', hosts: 4 },
  ]);
}

describe('wizard pages at 80x24', () => {
  it('form: fields, token check, cluster list with "+ New cluster…", footer', () => {
    const w = { ...base(), address: '10.20.0.17', tokenTyped: formatToken(TOKEN) };
    const t = text(w);
    expect(t).toHaveLength(24);
    expect(t.every((l) => textWidth(l) === 80)).toBe(true);
    expect(t[0]).toMatch(/^┌ Add host · 1\/4 Connect ─/);
    expect(t.join('\n')).toContain(`[${formatToken(TOKEN)}`);
    expect(t.join('\n')).toContain('✓ well formed');
    expect(t.join('\n')).toMatch(/▶ Production +8 hosts/);
    expect(t.join('\n')).toContain('+ New cluster…');
    expect(t[22]).toMatch(/⏎ Connect {2}Esc Cancel/);
  });

  it('form: problems are whole under their fields, never cut', () => {
    const w = { ...base(), address: '10.0.0.300', tokenTyped: 'QUANTIX-7K3M-9QDX-2BHU', showProblems: true };
    const t = text(w);
    const at = t.findIndex((l) => l.includes('Address'));
    expect(t[at + 1]).toMatch(/^│ {13}✗ "10\.0\.0\.300" is not a valid IPv4 address +│$/);
    expect(t.join('\n')).toContain("✗ symbol 12 ('U') is not used in tokens");
    expect(t.join('\n').replace('New cluster…', '')).not.toContain('…');
  });

  it('status: a long message takes the rows it needs', () => {
    const message =
      'The vDC at 10.20.0.2:9443 did not answer within 15 s while listing the hosts of every cluster (VDC_UNREACHABLE) Next: check that quantix-vdc is running and that this machine can reach it; the console keeps retrying.';
    const lines = statusLines({ kind: 'error', text: message, until: Infinity }, null, UNICODE_GLYPHS, 78).map(
      lineText,
    );
    expect(lines.length).toBe(3);
    expect(lines.map((l) => l.trim()).join(' ')).toBe(`✗ ${message}`);
  });

  it('form: a mistyped symbol is flagged as typed', () => {
    const typo = TOKEN.slice(0, 6) + (TOKEN[6] === 'A' ? 'B' : 'A') + TOKEN.slice(7);
    expect(text({ ...base(), tokenTyped: typo }).join('\n')).toContain('✗ a symbol looks mistyped');
  });

  it('form: with no cluster, the new cluster name is asked for', () => {
    const t = text(initialWizard([])).join('\n');
    expect(t).toContain('+ New cluster…');
    expect(t).toContain('no cluster yet: name the first one');
  });

  it('form: a long cluster list is windowed around the choice', () => {
    const many = Array.from({ length: 30 }, (_, i) => ({
      id: `c${i}`,
      name: `cluster-${String(i).padStart(2, '0')}`,
      hosts: i,
    }));
    const w = { ...initialWizard<DiscoverResponse>(many), clusterIndex: 25, focus: 'cluster' as const };
    const t = text(w);
    expect(t).toHaveLength(24);
    expect(t.join('\n')).toMatch(/▶ cluster-25/);
    expect(t.join('\n')).toContain('26/31');
    expect(t.join('\n')).not.toContain('cluster-00');
  });

  it('connecting: one line per stage, the current one with a spinner', () => {
    let w = wizardReducer({ ...base(), address: '10.20.0.17', tokenTyped: TOKEN }, { type: 'submit' });
    w = wizardReducer(w, { type: 'stage', requestId: 1, stage: 'verifying' });
    const t = text(w).join('\n');
    expect(t).toContain('✓ connecting to 10.20.0.17');
    expect(t).toMatch(/[⠋⠙⠹⠸⠼⠴⠦⠧⠇⠏] verifying the host's identity with the token/);
    expect(t).toContain('collecting hardware');
  });

  it('discovery: headline, tabs and warnings', () => {
    let w = wizardReducer({ ...base(), address: '10.20.0.17', tokenTyped: TOKEN }, { type: 'submit' });
    w = wizardReducer(w, { type: 'discovered', requestId: 1, result: discovery });
    const t = text(w).join('\n');
    expect(t).toContain('qx-node-07 · Dell Inc. PowerEdge R750');
    expect(t).toContain('host ID hid-1 · identity verified by token ✓');
    expect(t).toMatch(/abab abab abab abab abab abab abab abab ✓ verified by token/);
    expect(t).toMatch(/Summary .*CPU\/Memory .*Storage .*Network .*GPUs/);
    expect(t).toContain('VT-x is disabled in the BIOS (NO_VIRTUALIZATION)');
    w = wizardReducer(w, { type: 'tab', delta: 1, count: 5 });
    expect(text(w).join('\n')).toContain('2 sockets, 16 cores, 32 threads');
  });

  it('confirm: asks the question with host, address and cluster', () => {
    let w = wizardReducer({ ...base(), address: '10.20.0.17', tokenTyped: TOKEN }, { type: 'submit' });
    w = wizardReducer(wizardReducer(w, { type: 'discovered', requestId: 1, result: discovery }), { type: 'next' });
    expect(text(w).join('\n')).toContain('Add qx-node-07 (10.20.0.17:8443) to cluster Production?');
  });

  it("confirm counts the warnings the review page listed, not the vDC's raw list", () => {
    // The vDC says NO_VIRTUALIZATION and sums the host's warnings up; the host said the same.
    const d: DiscoverResponse = {
      ...discovery,
      inventory: { ...inv, warnings: [{ code: 'NO_VIRTUALIZATION', message: 'no VT-x', path: '/proc/cpuinfo' }] },
      warnings: [
        { code: 'NO_VIRTUALIZATION', message: 'VT-x is disabled in the BIOS' },
        { code: 'INVENTORY_PARTIAL', message: 'The host could not read everything about itself (1 warning): no VT-x' },
      ],
    };
    let w = wizardReducer({ ...base(), address: '10.20.0.17', tokenTyped: TOKEN }, { type: 'submit' });
    w = wizardReducer(w, { type: 'discovered', requestId: 1, result: d });
    expect(text(w).join('\n')).toContain('Warnings (1)');
    expect(text(wizardReducer(w, { type: 'next' })).join('\n')).toContain('1 warning on the previous page.');
  });

  it('error: message with code, Next: hint, retry and cancel; ASCII under LANG=C', () => {
    let w = wizardReducer({ ...base(), address: '10.20.0.17', tokenTyped: TOKEN }, { type: 'submit' });
    w = wizardReducer(w, {
      type: 'failed',
      requestId: 1,
      error: {
        code: 'TOKEN_EXPIRED',
        message: 'The registration token has expired.',
        hint: 'Generate a new token on the host console: F4, then G.',
      },
    });
    const t = text(w, frame({ glyphs: ASCII_GLYPHS }));
    const all = t.join('\n');
    expect(all).toContain('!! The registration token has expired. (TOKEN_EXPIRED)');
    expect(all).toContain('Next: Generate a new token on the host console: F4, then G.');
    expect(all).toContain('r Retry (fields kept)   Esc Cancel');
    expect(all).not.toMatch(/[^\x00-\x7f]/);
  });
});

describe('dashboard header: replicas', () => {
  const dashboard = (
    replicas: { alive: number; total: number } | null,
    over: Partial<Frame> = {},
    vdcName = 'vdc01',
    role?: 'admin' | 'viewer',
  ) =>
    renderDashboard(
      frame(over),
      {
        clusters: [],
        nodes: [],
        totals: new Map(),
        pane: 'clusters',
        filter: '',
        clusterCursor: { index: 0, offset: 0 },
        hostCursor: { index: 0, offset: 0 },
        loaded: true,
        problem: null,
        sort: { clusters: DEFAULT_SORT, hosts: DEFAULT_SORT },
        vdcName,
        replicas,
        visibleHosts: () => [],
        selectedCluster: () => null,
      },
      { filterEditing: false, ...(role ? { role } : {}) },
    ).lines[0]!;

  it('says nothing of replicas for one process', () => {
    expect(lineText(dashboard(null))).toMatch(/^┌ Quantix vDC · vdc01 ─+ 0 clusters · 0 hosts ┐$/);
  });

  it('shows alive/total, and flags a replica down in words and the warn style', () => {
    const up = dashboard({ alive: 2, total: 2 });
    expect(lineText(up)).toMatch(/^┌ Quantix vDC · vdc01 ─+ replicas 2\/2 · 0 clusters · 0 hosts ┐$/);
    expect(up.some((s) => s.style === 'warn')).toBe(false);
    const down = dashboard({ alive: 1, total: 2 }, { glyphs: ASCII_GLYPHS });
    expect(lineText(down)).toMatch(/^\+ Quantix vDC - vdc01 -+ replicas 1\/2 ! - 0 clusters - 0 hosts \+$/);
    expect(down.find((s) => s.text.includes('replicas'))!.style).toBe('warn');
  });

  it("shows an API token's role, a viewer in the warn style so it reads without colour too", () => {
    expect(lineText(dashboard(null, {}, 'vdc01', 'admin'))).toMatch(
      /^┌ Quantix vDC · vdc01 ─+ admin · 0 clusters · 0 hosts ┐$/,
    );
    const viewer = dashboard({ alive: 2, total: 2 }, { glyphs: ASCII_GLYPHS }, 'vdc01', 'viewer');
    expect(lineText(viewer)).toMatch(/^\+ Quantix vDC - vdc01 -+ viewer - replicas 2\/2 - 0 clusters - 0 hosts \+$/);
    expect(viewer.find((s) => s.text.includes('viewer'))!.style).toBe('warn');
  });

  it('keeps the counts whole in 80 columns by cutting a long vDC name', () => {
    const line = lineText(dashboard({ alive: 9, total: 10 }, {}, 'x'.repeat(64)));
    expect(line).toHaveLength(80);
    expect(line).toMatch(/^┌ Quantix vDC · x+… ─+ replicas 9\/10 ! · 0 clusters · 0 hosts ┐$/);
  });
});

describe('host details with a trend', () => {
  const node: NodeDetail = {
    id: 'n1',
    hostId: 'h1',
    hostname: 'web01',
    address: '10.0.0.5',
    port: 8443,
    clusterId: 'c1',
    clusterName: 'Production',
    certificateFingerprint: 'ab'.repeat(32),
    state: 'connected',
    stateSince: '2026-01-01T00:00:00.000Z',
    registeredAt: '2026-01-01T00:00:00.000Z',
    lastSeenAt: '2026-01-01T00:59:59.000Z',
    lastError: null,
    usage: { cpuPercent: 40, memoryUsedBytes: 2 ** 36, memoryTotalBytes: 2 ** 37, loadAverage: null, uptimeSeconds: 1 },
    capacity: {
      cpuModel: null,
      cpuCores: 8,
      cpuThreads: 16,
      memoryTotalBytes: 2 ** 37,
      localStorageBytes: null,
      nfsMounts: 0,
      iscsiSessions: 0,
      gpus: 0,
    },
    inventory: inv,
    inventoryAt: '2026-01-01T00:00:00.000Z',
    inventoryChange: null,
  };
  const trend: TrendResponse = {
    kind: 'host',
    id: 'n1',
    name: 'web01',
    bucketSeconds: 60,
    points: 60,
    to: '2026-01-01T01:00:00.000Z',
    samples: [0, 20, 40].map((m) => ({
      at: new Date(Date.parse('2026-01-01T00:00:00.000Z') + m * 60_000).toISOString(),
      cpuPercent: m,
      memoryPercent: 50,
      memoryUsedBytes: 2 ** 36,
      memoryTotalBytes: 2 ** 37,
      hosts: 1,
    })),
  };
  const render = (t: TrendResponse | null, g = UNICODE_GLYPHS) =>
    renderDetails(frame({ glyphs: g, now: Date.parse('2026-01-01T01:00:00.000Z') }), {
      node,
      loading: false,
      tab: 0,
      scroll: 0,
      hostname: 'web01',
      trend: t,
    }).lines.map(lineText);

  it('shows CPU and memory rows under the usage and keeps the inventory tabs on the same line', () => {
    const plain = render(null);
    const withTrend = render(trend);
    const tabRow = (lines: string[]) => lines.findIndex((l) => l.includes('Summary') && l.includes('CPU/Memory'));
    expect(tabRow(withTrend)).toBe(tabRow(plain));
    const at = withTrend.findIndex((l) => l.includes('Usage'));
    expect(withTrend[at + 1]).toMatch(/^│ CPU trend +▁ +▂ +▄ +40% min 0% max 40% +│$/);
    expect(withTrend[at + 2]).toMatch(/^│ Memory trend +▅ +▅ +▅ +50% min 50% max 50% +│$/);
    for (const l of withTrend) expect(textWidth(l)).toBe(80);
    const ascii = render(trend, ASCII_GLYPHS);
    expect(ascii[at + 1]).toMatch(/^\| CPU trend +_ +\. +- +40% min 0% max 40% +\|$/);
  });
});

describe('a filter longer than its title has room for', () => {
  const LONG = `${'web-frontend-'.repeat(8)}eu-west-9`;
  const audit = (over: Partial<AuditViewModel>) =>
    lineText(
      renderAudit(frame(), {
        events: Array.from({ length: 40 }, (_, i) => auditEvent(40 - i)),
        next: 1,
        loading: false,
        loaded: true,
        filter: '',
        draft: null,
        cursor: { index: 0, offset: 0 },
        full: () => false,
        ...over,
      }).lines[0]!,
    );

  it('audit: keeps the end being typed and the position in view, at 80 columns', () => {
    const top = audit({ draft: LONG });
    expect(textWidth(top)).toBe(80);
    expect(top).toContain('eu-west-9_');
    expect(top).toContain('filter: …');
    expect(top).toMatch(/ 1\/40\+ ┐$/);
    // Applied, no longer being typed: the end still shows, without the cursor.
    const applied = audit({ filter: LONG });
    expect(applied).toContain('eu-west-9 ');
    expect(applied).toMatch(/ 1\/40\+ ┐$/);
    // A short one is shown whole.
    expect(audit({ draft: 'web' })).toMatch(/^┌ Audit · filter: web_ ─+ 1\/40\+ ┐$/);
  });

  it('dashboard: the hosts title keeps the end being typed and the position', () => {
    const nodes: NodeSummary[] = Array.from({ length: 30 }, (_, i) => ({
      id: `n${i}`,
      hostId: `h${i}`,
      hostname: `web-frontend-${i}`,
      address: `10.0.0.${i}`,
      port: 8443,
      clusterId: 'c1',
      clusterName: 'prod',
      certificateFingerprint: 'f'.repeat(64),
      state: 'connected',
      stateSince: '2026-11-30T08:00:00.000Z',
      registeredAt: '2026-11-30T08:00:00.000Z',
      lastSeenAt: '2026-11-30T08:00:00.000Z',
      lastError: null,
      usage: null,
      capacity: {
        cpuModel: 'Xeon',
        cpuCores: 8,
        cpuThreads: 16,
        memoryTotalBytes: 2 ** 36,
        localStorageBytes: 2 ** 40,
        nfsMounts: 0,
        iscsiSessions: 0,
        gpus: 0,
      },
    }));
    const cluster = { id: 'c1', name: 'prod', description: '', createdAt: '', hosts: 30, connectedHosts: 30 };
    const lines = renderDashboard(
      frame(),
      {
        clusters: [cluster],
        nodes,
        totals: new Map(),
        pane: 'hosts',
        filter: LONG,
        clusterCursor: { index: 0, offset: 0 },
        hostCursor: { index: 0, offset: 0 },
        loaded: true,
        problem: null,
        sort: { clusters: DEFAULT_SORT, hosts: DEFAULT_SORT },
        vdcName: 'vdc01',
        replicas: null,
        visibleHosts: () => nodes,
        selectedCluster: () => cluster,
      },
      { filterEditing: true },
    ).lines.map(lineText);
    const title = lines.find((l) => l.includes('Hosts'))!;
    expect(textWidth(title)).toBe(80);
    expect(title).toContain('Hosts · prod · filter: …');
    expect(title).toContain('eu-west-9_');
    expect(title).toMatch(/ 1\/30 ┤$/);
  });
});
