import { describe, expect, it } from 'vitest';
import { describeVmSupport, vmSupport, type CpuInfo, type Inventory } from '../../common/protocol/inventory.js';
import { ASCII_GLYPHS } from '../../common/tui/glyphs.js';
import {
  cellText,
  layoutColumns,
  renderTableWindow,
  scrollWindow,
  type Cell,
  type DataTable,
} from '../../common/tui/table.js';
import { lineText, textWidth } from '../../common/tui/text.js';
import { formatBytes, formatBytesShort, formatUsedTotal } from '../../common/format/bytes.js';
import { formatAge } from '../../common/format/duration.js';
import { formatPercent } from '../../vdc-console/console/render/format.js';
import { renderDiscoveryTables, renderHostDetails } from '../../vdc-console/console/render/inventory.js';
import { clusterTotals } from '../../vdc-console/console/fleet.js';
import { HOST_COLUMNS, renderClusterRows, renderHostRow } from '../../vdc-console/console/render/rows.js';
import { checkVdcReply, type Cluster, NodeDetail, NodeSummary } from '../../common/protocol/vdc-api.js';
import { hostDetailJson, hostJson } from '../../vdc-console/console/output.js';
import { nodeDetailView, nodeSummaryView } from '../../vdc-console/server/views.js';

const GiB = 1024 ** 3;
const TiB = 1024 ** 4;
const NOW = Date.parse('2026-11-25T14:07:00Z');
const iso = (ms: number) => new Date(ms).toISOString();
const HOSTILE = 'evil\x1b]0;pwned\x07\x1b[31m{red-fg}name';

function inventory(over: Partial<Inventory['system']> = {}): Inventory {
  return {
    collectedAt: '2026-11-25T14:00:00Z',
    system: {
      hostname: 'qx-node-07',
      vendor: 'Dell Inc.',
      model: 'PowerEdge R750',
      serial: 'ABC123',
      biosVendor: 'Dell',
      biosVersion: '1.2',
      biosDate: '2025-01-01',
      os: 'Quantix-OS 1.0',
      kernel: '6.6.1',
      uptimeSeconds: 90_061,
      hostId: '4c4c4544-0042',
      hostIdSource: 'smbios',
      ...over,
    },
    cpu: {
      model: 'Xeon Gold 6338',
      vendor: 'GenuineIntel',
      sockets: 2,
      cores: 64,
      threads: 128,
      mhz: 2000,
      numaNodes: 2,
      virtualization: 'vmx',
      kvmUsable: true,
    },
    memory: { totalBytes: 512 * GiB, availableBytes: 400 * GiB, swapTotalBytes: 0, swapFreeBytes: 0 },
    storage: {
      disks: [
        {
          name: 'nvme0n1',
          model: 'Samsung PM9A3',
          serial: 's1',
          sizeBytes: 2 * TiB,
          kind: 'nvme',
          transport: 'nvme',
          removable: false,
          partitions: [
            {
              name: 'nvme0n1p1',
              sizeBytes: 512 * 1024 ** 2,
              filesystem: {
                type: 'vfat',
                mountPoint: '/boot',
                sizeBytes: 512 * 1024 ** 2,
                usedBytes: 10 * 1024 ** 2,
                availableBytes: 500 * 1024 ** 2,
              },
            },
          ],
          filesystem: null,
        },
        {
          name: 'sdz',
          model: 'USB stick',
          serial: null,
          sizeBytes: 16 * GiB,
          kind: 'unknown',
          transport: 'usb',
          removable: true,
          partitions: [],
          filesystem: null,
        },
      ],
      nfs: [
        {
          server: 'nas1',
          export: '/vm',
          source: 'nas1:/vm',
          mountPoint: '/mnt/vm',
          version: '4.2',
          options: 'rw',
          sizeBytes: 10 * TiB,
          usedBytes: 4 * TiB,
          availableBytes: 6 * TiB,
          responsive: true,
        },
        {
          server: 'nas2',
          export: '/iso',
          source: 'nas2:/iso',
          mountPoint: '/mnt/iso',
          version: '3',
          options: 'ro',
          sizeBytes: null,
          usedBytes: null,
          availableBytes: null,
          responsive: false,
        },
      ],
      iscsi: [
        {
          session: 'session1',
          targetIqn: 'iqn.2020-01.com.example:lun1',
          portalAddress: '10.0.0.5',
          portalPort: 3260,
          state: 'LOGGED_IN',
          devices: [{ name: 'sdb', sizeBytes: 1 * TiB, lun: 0 }],
        },
        {
          session: 'session2',
          targetIqn: 'iqn.1992-08.com.netapp:sn.1',
          portalAddress: 'fd00:30::20',
          portalPort: 3261,
          state: 'LOGGED_IN',
          devices: [],
        },
      ],
    },
    network: [
      {
        name: 'eno1',
        mac: 'aa:bb:cc:dd:ee:ff',
        state: 'up',
        speedMbps: 25_000,
        mtu: 9000,
        driver: 'ice',
        kind: 'physical',
        ipv4: ['10.20.0.17/24'],
        ipv6: [],
        master: null,
        members: [],
        vlanParent: null,
        vlanId: null,
      },
      {
        name: 'bond0',
        mac: null,
        state: 'down',
        speedMbps: null,
        mtu: 1500,
        driver: 'bonding',
        kind: 'bond',
        ipv4: [],
        ipv6: [],
        master: null,
        members: ['eno2', 'eno3'],
        vlanParent: null,
        vlanId: null,
      },
    ],
    gpus: [
      {
        pciAddress: '0000:3b:00.0',
        vendor: 'NVIDIA',
        vendorId: '10de',
        deviceId: '20b5',
        model: 'A100',
        driver: 'vfio-pci',
        iommuGroup: 42,
        memoryBytes: 80 * GiB,
      },
    ],
    warnings: [{ code: 'NFS_UNRESPONSIVE', message: 'nas2:/iso did not answer' }],
  };
}

function host(over: Partial<NodeDetail> = {}): NodeDetail {
  return {
    id: 'n1',
    hostname: 'qx-node-07',
    address: '10.20.0.17',
    port: 8443,
    clusterId: 'c1',
    clusterName: 'Production',
    hostId: '4c4c4544-0042',
    certificateFingerprint: '9a2664f509c91cbde8035505ef382b9b5587064378c151f07ba10b3339060210',
    state: 'connected',
    stateSince: iso(NOW - 3_600_000),
    lastSeenAt: iso(NOW - 2_000),
    registeredAt: iso(NOW - 86_400_000),
    lastError: null,
    usage: {
      cpuPercent: 41.4,
      memoryUsedBytes: 410 * GiB,
      memoryTotalBytes: 512 * GiB,
      loadAverage: [1, 2, 3],
      uptimeSeconds: 100,
    },
    capacity: {
      cpuModel: 'Xeon Gold 6338',
      cpuCores: 64,
      cpuThreads: 128,
      memoryTotalBytes: 512 * GiB,
      localStorageBytes: 2 * TiB,
      nfsMounts: 2,
      iscsiSessions: 1,
      gpus: 1,
    },
    inventory: inventory(),
    inventoryAt: iso(NOW - 60_000),
    inventoryChange: null,
    ...over,
  };
}

const texts = (cells: readonly Cell[]) => cells.map(cellText);
const allText = (t: DataTable) => [t.title, ...t.rows.flatMap((r) => r.map(cellText))].join('\n');

describe('formatting', () => {
  it.each<[string, string]>([
    // Binary units with one decimal below 100, none above.
    [formatBytes(512 * GiB), '512 GiB'],
    [formatBytes(1.5 * TiB), '1.5 TiB'],
    [formatBytes(null), '-'],
    [formatBytesShort(61 * TiB), '61T'],
    // Used over total in the total's unit; an unknown used part shows as '-'.
    [formatUsedTotal(4 * TiB, 6 * TiB), '4.0/6.0 TiB'],
    [formatUsedTotal(null, 512 * GiB, true), '-/512G'],
    [formatPercent(37.4), '37%'],
    // Ages in the largest whole unit.
    [formatAge(NOW - 2_000, NOW), '2s'],
    [formatAge(NOW - 180_000, NOW), '3m'],
    [formatAge(NOW - 3 * 86_400_000, NOW), '3d'],
    [formatAge(null, NOW), '-'],
  ])('%s = %s', (got, want) => expect(got).toBe(want));
});

describe('host rows', () => {
  it.each<[string, NodeDetail, string[]]>([
    // A connected host: cores and use, memory used/total, storage without the removable stick, GPUs, last seen.
    ['connected', host(), ['qx-node-07', '10.20.0.17', '● connected', '128c 41%', '410/512G', '2T', '1', '2s']],
    // A host that is down says for how long and shows no live use.
    [
      'down',
      host({ state: 'disconnected', stateSince: iso(NOW - 180_000), lastSeenAt: iso(NOW - 180_000) }),
      ['qx-node-07', '10.20.0.17', '○ down 3m', '128c -', '-/512G', '2T', '1', '3m'],
    ],
    // A non-default port is shown with the address.
    [
      'port',
      host({ port: 9443 }),
      ['qx-node-07', '10.20.0.17:9443', '● connected', '128c 41%', '410/512G', '2T', '1', '2s'],
    ],
    // A host still joining, with unknown hardware, shows dashes.
    [
      'joining',
      host({
        usage: null,
        state: 'pending',
        capacity: {
          cpuModel: null,
          cpuCores: null,
          cpuThreads: null,
          memoryTotalBytes: null,
          localStorageBytes: null,
          nfsMounts: 0,
          iscsiSessions: 0,
          gpus: 0,
        },
      }),
      ['qx-node-07', '10.20.0.17', '○ joining', '-', '-', '-', '0', '2s'],
    ],
  ])('%s', (_name, h, want) => expect(texts(renderHostRow(h, NOW))).toEqual(want));

  it('escape sequences in a hostname are inert', () => {
    const row = renderHostRow(host({ hostname: HOSTILE }), NOW);
    const name = cellText(row[0]!);
    expect(name).not.toMatch(/[\x00-\x1f\x7f]/);
    expect(name).toContain('^[]0;pwned^G^[[31m');
  });

  it('uses ASCII dots under an ASCII locale', () => {
    expect(cellText(renderHostRow(host(), NOW, ASCII_GLYPHS)[2]!)).toBe('* connected');
  });
});

describe('cluster rows', () => {
  const clusters: Cluster[] = [
    { id: 'c1', name: 'Production', description: '', createdAt: iso(NOW), hosts: 2, connectedHosts: 1 },
    { id: 'c2', name: 'Edge', description: '', createdAt: iso(NOW), hosts: 0, connectedHosts: 0 },
  ];
  it('adds up hosts: connected/total, cores and weighted use, memory, storage, GPUs', () => {
    const hosts = [
      host(),
      host({ id: 'n2', state: 'disconnected', usage: null }),
      host({ id: 'n3', clusterId: 'other' }),
    ];
    const rows = renderClusterRows(clusters, hosts).map(texts);
    expect(rows[0]).toEqual(['Production', '1/2 ●', '256 c  41%', '0.4/1.0 TiB', '4T', '2']);
    // An empty cluster shows dashes, not zeros that look like measurements.
    expect(rows[1]).toEqual(['Edge', '0/0', '-', '-', '-', '-']);
  });
  it('weights CPU use by cores', () => {
    const small = host({
      capacity: { ...host().capacity, cpuThreads: 8 },
      usage: { ...host().usage!, cpuPercent: 100 },
    });
    const big = host({ usage: { ...host().usage!, cpuPercent: 0 } });
    expect(Math.round(clusterTotals([small, big]).cpuPercent!)).toBe(Math.round((8 * 100) / 136));
  });
  it('a hostile cluster name is inert', () => {
    const rows = renderClusterRows([{ ...clusters[0]!, name: HOSTILE }], []);
    expect(cellText(rows[0]![0]!)).not.toMatch(/[\x00-\x1f]/);
  });
});

describe('discovery tables', () => {
  const id = {
    address: '10.20.0.17',
    port: 8443,
    certificateFingerprint: '9a2664f509c91cbde8035505ef382b9b5587064378c151f07ba10b3339060210',
    identityVerified: true,
  };
  it('headline names host, hardware, host ID and the verified identity', () => {
    const v = renderDiscoveryTables(inventory(), id);
    expect(cellText(v.headline)).toBe(
      'qx-node-07 · Dell Inc. PowerEdge R750 · host ID 4c4c4544-0042 · identity verified by token ✓',
    );
  });
  it('has the five tabs with every section', () => {
    const v = renderDiscoveryTables(inventory(), id);
    expect(v.tabs.map((t) => t.title)).toEqual(['Summary', 'CPU/Memory', 'Storage', 'Network', 'GPUs']);
    const summary = allText(v.tabs[0]!.tables[0]!);
    expect(summary).toContain('9a26 64f5 09c9 1cbd');
    expect(summary).toContain('verified by token');
    expect(summary).toContain('Quantix-OS 1.0, kernel 6.6.1');
    expect(summary).toMatch(/Uptime\s*1d 01h\b/);
    const cpu = v.tabs[1]!.tables.map(allText).join('\n');
    expect(cpu).toContain('2 sockets, 64 cores, 128 threads');
    expect(cpu).toContain('Intel VT-x (vmx), KVM usable');
    expect(cpu).toContain('512 GiB');
    const storage = v.tabs[2]!.tables.map(allText).join('\n');
    expect(storage).toContain('Samsung PM9A3');
    expect(storage).toContain('nvme0n1p1');
    expect(storage).toContain('nas1:/vm');
    expect(storage).toContain('hung');
    expect(storage).toContain('iqn.2020-01.com.example:lun1');
    expect(storage).toContain('10.0.0.5:3260');
    expect(storage).toContain('[fd00:30::20]:3261');
    const net = allText(v.tabs[3]!.tables[0]!);
    expect(net).toContain('25G');
    expect(net).toContain('of eno2+eno3');
    expect(allText(v.tabs[4]!.tables[0]!)).toContain('A100');
    expect(v.warnings).toEqual(['nas2:/iso did not answer (NFS_UNRESPONSIVE)']);
  });
  it('counts in the summary read as words: one disk, one GPU, one NIC', () => {
    const inv = inventory();
    inv.storage.disks = inv.storage.disks.slice(0, 1);
    inv.gpus = inv.gpus.slice(0, 1);
    inv.network = inv.network.slice(0, 1);
    const summary = allText(renderDiscoveryTables(inv, id).tabs[0]!.tables[0]!);
    expect(summary).toMatch(/\b1 GPU\b(?!s)/);
    expect(summary).toMatch(/\b1 disk, .*\b1 NIC\b(?!s)/);
  });
  it('an unverified identity is said plainly', () => {
    const v = renderDiscoveryTables(inventory(), { ...id, identityVerified: false });
    expect(cellText(v.headline)).toContain('identity NOT verified');
  });
  it("takes a whole discovery result: vDC warnings first, the host's in full instead of its summary, no repeats", () => {
    const v = renderDiscoveryTables({
      discoveryId: 'd1',
      expiresAt: iso(NOW),
      host: { ...id, hostId: 'h', hostname: 'qx-node-07', agentVersion: '1', clockOffsetSeconds: 0 },
      inventory: inventory(),
      warnings: [
        { code: 'NO_VIRTUALIZATION', message: 'VT-x is off' },
        { code: 'INVENTORY_PARTIAL', message: 'The host could not read everything (1 warning): nas2…' },
      ],
    });
    expect(cellText(v.headline)).toContain('identity verified by token');
    expect(v.warnings).toEqual(['VT-x is off (NO_VIRTUALIZATION)', 'nas2:/iso did not answer (NFS_UNRESPONSIVE)']);
  });
  it('extra warnings follow the host warnings', () => {
    expect(
      renderDiscoveryTables(inventory(), id, [{ code: 'NO_VIRTUALIZATION', message: 'no VT-x' }]).warnings,
    ).toHaveLength(2);
  });
  it('hostile strings anywhere in the inventory are inert', () => {
    const inv = inventory({ hostname: HOSTILE, vendor: HOSTILE });
    inv.storage.disks[0]!.model = HOSTILE;
    inv.warnings.push({ code: 'X', message: HOSTILE });
    const v = renderDiscoveryTables(inv, id);
    const everything = [cellText(v.headline), ...v.tabs.flatMap((t) => t.tables.map(allText)), ...v.warnings].join(
      '\n',
    );
    expect(everything).not.toMatch(/[\x00-\x09\x0b-\x1f\x7f-\x9f]/);
  });
});

describe('one verdict on virtualization', () => {
  it.each<[CpuInfo['virtualization'], boolean, boolean, string | null, string]>([
    // Usable KVM decides: VMs run, whatever the flags name (ARM has no vmx/svm flag).
    ['vmx', true, true, null, 'Intel VT-x (vmx), KVM usable'],
    [null, true, true, null, 'KVM usable'],
    // Not usable: the flag says which fix applies.
    ['svm', false, false, 'KVM_UNAVAILABLE', 'AMD-V (svm), KVM not usable: virtual machines cannot run'],
    [null, false, false, 'NO_VIRTUALIZATION', 'none: virtual machines cannot run'],
  ])('%s with KVM usable %s: runs VMs %s, problem %s', (virtualization, kvmUsable, can, problem, words) => {
    expect(vmSupport({ virtualization, kvmUsable })).toMatchObject({ canRunVms: can, problem });
    expect(describeVmSupport({ virtualization, kvmUsable })).toBe(words);
    const inv = inventory();
    inv.cpu = { ...inv.cpu, virtualization, kvmUsable };
    expect(allText(renderDiscoveryTables(inv, null).tabs[1]!.tables[0]!)).toContain(words);
  });
  it('the vDC\'s "KVM not usable" and the host\'s own warning for it are one warning', () => {
    const inv = inventory();
    inv.warnings = [{ code: 'KVM_UNAVAILABLE', message: '/dev/kvm is not usable', path: '/dev/kvm' }];
    const v = renderDiscoveryTables({
      discoveryId: 'd1',
      expiresAt: iso(NOW),
      host: {
        address: '10.20.0.17',
        port: 8443,
        certificateFingerprint: 'ab'.repeat(32),
        identityVerified: true,
        hostId: 'h',
        hostname: 'qx-node-07',
        agentVersion: '1',
        clockOffsetSeconds: 0,
      },
      inventory: inv,
      warnings: [{ code: 'VIRTUALIZATION_DISABLED', message: 'The CPU supports VT-x but /dev/kvm is not usable' }],
    });
    expect(v.warnings).toEqual(['The CPU supports VT-x but /dev/kvm is not usable (VIRTUALIZATION_DISABLED)']);
  });
});

describe('host details', () => {
  it('shows state, last error and the inventory tabs', () => {
    const d = renderHostDetails(
      host({
        state: 'disconnected',
        lastError: { code: 'HOST_UNREACHABLE', message: 'connection refused', at: iso(NOW) },
      }),
      NOW,
    );
    const status = allText(d.status);
    expect(status).toContain('○ down');
    expect(status).toContain('connection refused (HOST_UNREACHABLE)');
    expect(status).toContain('Production');
    expect(d.tabs).toHaveLength(5);
  });
  it("names the node ID (the vDC's) and the host ID (the machine's) apart", () => {
    const status = allText(renderHostDetails(host({ id: 'node-7', hostId: '4c4c4544-0042' }), NOW).status);
    expect(status).toMatch(/Node ID\nnode-7/);
    expect(status).toMatch(/Host ID\n4c4c4544-0042/);
  });
  it('shows an IPv6 host address with its port in brackets', () => {
    expect(allText(renderHostDetails(host({ address: 'fd00:20::17', port: 8443 }), NOW).status)).toContain(
      '[fd00:20::17]:8443',
    );
  });
  it('without an inventory there are no tabs', () => {
    expect(renderHostDetails(host({ inventory: null }), NOW).tabs).toEqual([]);
  });
});

describe('virtualised table', () => {
  it.each<[number, number, number, number, number]>([
    // [selected, offset, height, count] → offset: the window moves only as far as needed.
    [0, 0, 10, 100, 0],
    [9, 0, 10, 100, 0],
    [10, 0, 10, 100, 1],
    [50, 45, 10, 100, 45],
    [44, 45, 10, 100, 44],
    [99, 0, 10, 100, 90],
    // A shrinking list pulls the window back.
    [4, 90, 10, 5, 0],
    [0, 0, 10, 0, 0],
  ])('select %i from offset %i (height %i, %i rows) → %i', (sel, off, h, n, want) =>
    expect(scrollWindow(sel, off, h, n)).toBe(want),
  );

  it('asks only for the visible rows of 5,000', () => {
    const asked: number[] = [];
    const { lines, offset } = renderTableWindow({
      columns: HOST_COLUMNS,
      width: 78,
      height: 8,
      count: 5_000,
      rowAt: (i) => {
        asked.push(i);
        return [`host-${i}`];
      },
      selected: 4_321,
      offset: 0,
      focused: true,
      glyphs: ASCII_GLYPHS,
    });
    expect(asked).toEqual([4_315, 4_316, 4_317, 4_318, 4_319, 4_320, 4_321]);
    expect(offset).toBe(4_315);
    expect(lines).toHaveLength(8);
    expect(lineText(lines[7]!)).toMatch(/^>host-4321 /);
    expect(lines.every((l) => textWidth(lineText(l)) === 78)).toBe(true);
  });

  it('column layout fills the width exactly and shrinks when narrow', () => {
    const w = layoutColumns(HOST_COLUMNS, 120);
    expect(1 + w.reduce((a, b) => a + b, 0) + HOST_COLUMNS.length - 1).toBe(120);
    const narrow = layoutColumns(HOST_COLUMNS, 60);
    expect(narrow.every((x) => x >= 3)).toBe(true);
  });
});

describe("a host's fields, listed once for the vDC's answers and the console's --json", () => {
  const { maintenance: _m, ...answered } = host({ maintenanceSince: iso(NOW - 5_000) });
  // A stored row may hold more than a host's answer ever shows.
  const stored = { ...answered, maintenanceSince: answered.maintenanceSince!, tokenHash: 'secret' };
  const keys = (o: object) => Object.keys(o).sort();

  it('the vDC answers exactly the schema fields of a stored row, maintenance derived from its start', () => {
    expect(keys(nodeSummaryView(stored))).toEqual(keys(NodeSummary.properties));
    expect(keys(nodeDetailView(stored))).toEqual(keys(NodeDetail.properties));
    expect(nodeSummaryView(stored)).toMatchObject({ maintenance: true, maintenanceSince: stored.maintenanceSince });
    expect(nodeSummaryView({ ...stored, maintenanceSince: null }).maintenance).toBe(false);
  });

  it('the console prints the answer unchanged, without what a newer vDC adds', () => {
    const answer = checkVdcReply(NodeDetail, { ...nodeDetailView(stored), addedLater: 1 }, 'node');
    expect(hostDetailJson(answer)).toEqual(nodeDetailView(stored));
    expect(hostJson(answer)).toEqual(nodeSummaryView(stored));
  });

  it('reads a vDC from before maintenance existed as not in maintenance', () => {
    const { maintenance: _n, maintenanceSince: _s, ...old } = nodeSummaryView(stored);
    expect(hostJson(checkVdcReply(NodeSummary, old, 'node'))).toMatchObject({
      maintenance: false,
      maintenanceSince: null,
    });
  });
});
