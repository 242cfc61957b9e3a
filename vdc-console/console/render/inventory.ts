/**
 * A host's inventory as tables: what the wizard's discovery page and the
 * host details screen show. Plain data (columns and cells), every string
 * from the host made inert, unit-tested without a terminal.
 */
import { UNICODE_GLYPHS, type Glyphs } from '../../../common/tui/glyphs.js';
import type { Cell, DataTable } from '../../../common/tui/table.js';
import { plain, type Segment } from '../../../common/tui/text.js';
import {
  describeVmSupport,
  type DiskInfo,
  type FilesystemInfo,
  type Inventory,
} from '../../../common/protocol/inventory.js';
import type { DiscoveredHost, DiscoverResponse, NodeDetail } from '../../../common/protocol/vdc-api.js';
import { formatBytes, formatUsedTotal } from '../../../common/format/bytes.js';
import { formatAge, formatDuration } from '../../../common/format/duration.js';
import { fingerprintLines } from '../../../common/format/fingerprint.js';
import { counted, formatPercent, formatTimestamp } from './format.js';
import { timeOf } from '../fleet.js';
import { renderHostState } from './rows.js';
import { renderInventoryRead } from './inventory-change.js';
import { formatHostPort } from '../../../common/protocol/host-port.js';

/** What the vDC established about the host's identity during discovery. */
export type HostIdentity = Pick<DiscoveredHost, 'address' | 'port' | 'certificateFingerprint' | 'identityVerified'>;

/** One tab of the discovery page or the details screen. */
export interface InventoryTab {
  title: string;
  tables: DataTable[];
}

/** The discovery page's content. */
export interface DiscoveryView {
  /** One line: `qx-node-07 · Dell PowerEdge R750 · host ID … · identity verified by token ✓`. */
  headline: Cell;
  /** The headline in two parts for narrow screens: `qx-node-07 · Dell PowerEdge R750`, then `host ID … · identity verified by token ✓`. */
  headlineParts: [Cell, Cell];
  tabs: InventoryTab[];
  /** Warnings from the host and the vDC, one line each. */
  warnings: string[];
}

/** Tab titles, in order (←→ switch between them). */
export const INVENTORY_TABS = ['Summary', 'CPU/Memory', 'Storage', 'Network', 'GPUs'] as const;

const KV: DataTable['columns'] = [
  { title: '', width: 14 },
  { title: '', width: 20, grow: 1 },
];

/** `2 sockets`, `1 socket`, `? cores`. */
function count(n: number | null, word: string): string {
  return n === null ? `? ${word}s` : `${n} ${word}${n === 1 ? '' : 's'}`;
}

function text(v: string | number | null | undefined): string {
  return v === null || v === undefined || v === '' ? '-' : plain(String(v));
}

function vendorModel(inv: Inventory): string {
  const parts = [inv.system.vendor, inv.system.model].filter((p): p is string => !!p && p.trim() !== '');
  return parts.length ? plain(parts.join(' ')) : 'unknown hardware';
}

function fsText(fs: FilesystemInfo | null): string {
  if (!fs) return '-';
  const used = fs.sizeBytes !== null ? ` ${formatUsedTotal(fs.usedBytes, fs.sizeBytes, true)}` : '';
  return `${text(fs.type)}${fs.mountPoint ? ` ${plain(fs.mountPoint)}` : ''}${used}`;
}

function diskRows(disks: readonly DiskInfo[]): Cell[][] {
  const rows: Cell[][] = [];
  for (const d of disks) {
    rows.push([
      text(d.name),
      text(d.model),
      d.kind === 'unknown' ? '-' : d.kind.toUpperCase(),
      text(d.transport),
      formatBytes(d.sizeBytes),
      fsText(d.filesystem),
    ]);
    for (const p of d.partitions)
      rows.push([`  ${plain(p.name)}`, '', '', '', formatBytes(p.sizeBytes), fsText(p.filesystem)]);
  }
  return rows;
}

/** The summary table: identity first, then hardware and software at a glance. */
function summaryTable(inv: Inventory, id: HostIdentity | null, g: Pick<Glyphs, 'ok' | 'fail'>): DataTable {
  const rows: Cell[][] = [
    ['Hostname', text(inv.system.hostname)],
    ['Hardware', vendorModel(inv)],
    ['Serial', text(inv.system.serial)],
    ['Host ID', `${text(inv.system.hostId)} (${inv.system.hostIdSource})`],
    ['OS', `${text(inv.system.os)}${inv.system.kernel ? `, kernel ${plain(inv.system.kernel)}` : ''}`],
    [
      'BIOS',
      [inv.system.biosVendor, inv.system.biosVersion, inv.system.biosDate]
        .filter(Boolean)
        .map((s) => plain(s))
        .join(' ') || '-',
    ],
    ['Uptime', formatDuration(inv.system.uptimeSeconds)],
  ];
  if (id) {
    rows.unshift(['Address', plain(formatHostPort(id.address, id.port))]);
    const [first = '', ...rest] = fingerprintLines(plain(id.certificateFingerprint));
    const verdict: Segment = id.identityVerified
      ? { text: ` ${g.ok} verified by token`, style: 'ok' }
      : { text: ` ${g.fail} not verified`, style: 'error' };
    rows.push(['Certificate', rest.length ? first : [{ text: first }, verdict]]);
    rest.forEach((r, i) => rows.push(['', i === rest.length - 1 ? [{ text: r }, verdict] : r]));
  }
  const storage = inv.storage;
  // Two rows: on one, a large host's counts ran past 80 columns and the GPUs were cut off.
  const cpus = inv.cpu.threads ?? inv.cpu.cores;
  rows.push([
    'Resources',
    `${typeof cpus !== 'number' ? '? CPUs' : counted(cpus, 'CPU')}, ${formatBytes(inv.memory.totalBytes)} memory, ${counted(inv.gpus.length, 'GPU')}`,
  ]);
  rows.push([
    '',
    `${counted(storage.disks.length, 'disk')}, ${storage.nfs.length} NFS, ${storage.iscsi.length} iSCSI, ${counted(inv.network.length, 'NIC')}`,
  ]);
  return { title: 'Summary', columns: KV, rows };
}

function cpuTable(inv: Inventory): DataTable {
  const c = inv.cpu;
  return {
    title: 'CPU',
    columns: KV,
    rows: [
      ['Model', text(c.model)],
      ['Vendor', text(c.vendor)],
      ['Topology', `${count(c.sockets, 'socket')}, ${count(c.cores, 'core')}, ${count(c.threads, 'thread')}`],
      ['Frequency', c.mhz === null ? '-' : `${Math.round(c.mhz)} MHz`],
      ['NUMA nodes', text(c.numaNodes)],
      ['Virtualization', describeVmSupport(c)],
    ],
  };
}

function memoryTable(inv: Inventory): DataTable {
  const m = inv.memory;
  return {
    title: 'Memory',
    columns: KV,
    rows: [
      ['Total', formatBytes(m.totalBytes)],
      ['Available', formatBytes(m.availableBytes)],
      [
        'Swap',
        m.swapTotalBytes ? formatUsedTotal(m.swapTotalBytes - (m.swapFreeBytes ?? 0), m.swapTotalBytes) : 'none',
      ],
    ],
  };
}

function storageTables(inv: Inventory): DataTable[] {
  return [
    {
      title: 'Local disks',
      columns: [
        { title: 'DEVICE', width: 8 },
        { title: 'MODEL', width: 12, grow: 2 },
        { title: 'KIND', width: 4 },
        { title: 'BUS', width: 6 },
        { title: 'SIZE', width: 9, align: 'right' },
        { title: 'FILESYSTEM', width: 14, grow: 1 },
      ],
      rows: diskRows(inv.storage.disks),
      empty: 'no local disks',
    },
    {
      title: 'NFS mounts',
      columns: [
        { title: 'SOURCE', width: 14, grow: 2 },
        { title: 'MOUNT', width: 10, grow: 1 },
        { title: 'VER', width: 3 },
        { title: 'USED/SIZE', width: 12 },
        { title: 'STATE', width: 8 },
      ],
      rows: inv.storage.nfs.map((m) => [
        text(m.source),
        text(m.mountPoint),
        text(m.version),
        formatUsedTotal(m.usedBytes, m.sizeBytes, true),
        m.responsive ? { text: 'ok', style: 'ok' } : { text: 'hung', style: 'error' },
      ]),
      empty: 'no NFS mounts',
    },
    {
      title: 'iSCSI sessions',
      columns: [
        { title: 'TARGET', width: 18, grow: 2 },
        { title: 'PORTAL', width: 14, grow: 1 },
        { title: 'STATE', width: 9 },
        { title: 'LUNS', width: 16, grow: 1 },
      ],
      rows: inv.storage.iscsi.map((s) => [
        text(s.targetIqn),
        s.portalAddress ? plain(formatHostPort(s.portalAddress, s.portalPort)) : '-',
        text(s.state),
        s.devices.map((d) => `${plain(d.name)} ${formatBytes(d.sizeBytes)}`).join(', ') || '-',
      ]),
      empty: 'no iSCSI sessions',
    },
  ];
}

function networkTable(inv: Inventory): DataTable {
  return {
    title: 'Network interfaces',
    columns: [
      { title: 'NAME', width: 8 },
      { title: 'KIND', width: 8 },
      { title: 'STATE', width: 7 },
      { title: 'SPEED', width: 6, align: 'right' },
      { title: 'MTU', width: 5, align: 'right' },
      { title: 'MAC', width: 17 },
      { title: 'ADDRESSES', width: 12, grow: 1 },
    ],
    rows: inv.network.map((n) => {
      const kind = n.kind === 'vlan' && n.vlanId !== null ? `vlan ${n.vlanId}` : n.kind;
      const via = n.master
        ? `in ${plain(n.master)}`
        : n.members.length
          ? `of ${n.members.map((m) => plain(m)).join('+')}`
          : '';
      const addrs = [...n.ipv4, ...n.ipv6].map((a) => plain(a)).join(' ');
      return [
        text(n.name),
        kind,
        n.state === 'up' ? { text: 'up', style: 'ok' } : text(n.state),
        n.speedMbps === null ? '-' : n.speedMbps >= 1000 ? `${n.speedMbps / 1000}G` : `${n.speedMbps}M`,
        text(n.mtu),
        text(n.mac),
        [addrs, via].filter(Boolean).join(' ') || '-',
      ];
    }),
    empty: 'no network interfaces',
  };
}

function gpuTable(inv: Inventory): DataTable {
  return {
    title: 'GPUs',
    columns: [
      { title: 'PCI', width: 12 },
      { title: 'VENDOR', width: 8 },
      { title: 'MODEL', width: 16, grow: 1 },
      { title: 'DRIVER', width: 8 },
      { title: 'MEMORY', width: 8, align: 'right' },
      { title: 'IOMMU', width: 5, align: 'right' },
    ],
    rows: inv.gpus.map((gpu) => [
      text(gpu.pciAddress),
      text(gpu.vendor ?? gpu.vendorId),
      text(gpu.model ?? `device ${gpu.deviceId}`),
      text(gpu.driver),
      formatBytes(gpu.memoryBytes),
      text(gpu.iommuGroup),
    ]),
    empty: 'no GPUs',
  };
}

/** The inventory in the five tabs Summary, CPU/Memory, Storage, Network, GPUs. */
export function renderInventoryTabs(
  inv: Inventory,
  id: HostIdentity | null,
  g: Pick<Glyphs, 'ok' | 'fail'> = UNICODE_GLYPHS,
): InventoryTab[] {
  const [summary, cpuMemory, storage, network, gpus] = INVENTORY_TABS;
  return [
    { title: summary, tables: [summaryTable(inv, id, g)] },
    { title: cpuMemory, tables: [cpuTable(inv), memoryTable(inv)] },
    { title: storage, tables: storageTables(inv) },
    { title: network, tables: [networkTable(inv)] },
    { title: gpus, tables: [gpuTable(inv)] },
  ];
}

/** Warning lines: the host's own, then those the vDC added. */
export function renderWarnings(
  inv: Inventory,
  extra: ReadonlyArray<{ code?: string; message: string }> = [],
): string[] {
  return [...inv.warnings, ...extra].map((w) => (w.code ? `${plain(w.message)} (${plain(w.code)})` : plain(w.message)));
}

/** vDC warning codes that state a fact the host also reports under its own code. */
const SAME_FACT: Record<string, readonly string[]> = { VIRTUALIZATION_DISABLED: ['KVM_UNAVAILABLE'] };

/**
 * The warnings of a discovery, counted and worded once for every page
 * that mentions them (review, confirm, the CLI's summary): the vDC's own
 * first; its INVENTORY_PARTIAL summary is replaced by the host's warnings
 * in full, minus those the vDC already said in its words.
 */
export function discoveryWarnings(
  d: DiscoverResponse,
  extra: ReadonlyArray<{ code?: string; message: string }> = [],
): string[] {
  const vdc = d.warnings.filter((w) => w.code !== 'INVENTORY_PARTIAL');
  const said = new Set(vdc.flatMap((w) => [w.code as string, ...(SAME_FACT[w.code] ?? [])]));
  const own = d.inventory.warnings.filter((w) => !said.has(w.code));
  return renderWarnings({ ...d.inventory, warnings: [] }, [...vdc, ...own, ...extra]);
}

/**
 * Everything the discovery page shows: the headline, the tabs, the
 * warnings. Takes the inventory with the identity the vDC verified, or a
 * whole discovery result (its host and warnings included).
 */
export function renderDiscoveryTables(
  input: Inventory | DiscoverResponse,
  identity: HostIdentity | null = null,
  extraWarnings: ReadonlyArray<{ code?: string; message: string }> = [],
  g: Pick<Glyphs, 'ok' | 'fail' | 'middot'> = UNICODE_GLYPHS,
): DiscoveryView {
  const isResult = 'discoveryId' in input;
  const inv = isResult ? input.inventory : input;
  const id = isResult ? input.host : identity;
  const lines = isResult ? discoveryWarnings(input, extraWarnings) : renderWarnings(inv, extraWarnings);
  const who = `${text(inv.system.hostname)} ${g.middot} ${vendorModel(inv)}`;
  const hostId = `host ID ${text(inv.system.hostId)}`;
  const verified: Segment[] = id
    ? [
        { text: ` ${g.middot} ` },
        id.identityVerified
          ? { text: `identity verified by token ${g.ok}`, style: 'ok' }
          : { text: `identity NOT verified ${g.fail}`, style: 'error' },
      ]
    : [];
  const headline: Cell = [{ text: `${who} ${g.middot} ${hostId}` }, ...verified];
  return {
    headline,
    headlineParts: [who, [{ text: hostId }, ...verified]],
    tabs: renderInventoryTabs(inv, id, g),
    warnings: lines,
  };
}

/** The host details screen: state lines, then the inventory tabs. */
export function renderHostDetails(
  h: NodeDetail,
  now: number,
  g: Pick<Glyphs, 'ok' | 'fail' | 'middot' | 'dotOn' | 'dotOff'> = UNICODE_GLYPHS,
): { status: DataTable; tabs: InventoryTab[]; warnings: string[] } {
  const u = h.usage;
  const rows: Cell[][] = [
    ['Host', text(h.hostname)],
    ['Address', plain(formatHostPort(h.address, h.port))],
    ['Cluster', plain(h.clusterName)],
    [
      'State',
      [
        renderHostState({ ...h, maintenance: false }, now, g),
        { text: timeOf(h.stateSince) !== null ? ` since ${formatTimestamp(timeOf(h.stateSince))}` : '' },
      ],
    ],
    // Only while it is on: the inventory tabs below keep their rows on an 80x24 screen.
    ...(h.maintenance === true
      ? [
          [
            'Maintenance',
            {
              text: `on${timeOf(h.maintenanceSince) !== null ? ` since ${formatTimestamp(timeOf(h.maintenanceSince))}` : ''}, not in capacity totals`,
              style: 'warn' as const,
            },
          ],
        ]
      : []),
    [
      'Last seen',
      timeOf(h.lastSeenAt) !== null
        ? `${formatAge(timeOf(h.lastSeenAt), now)} ago (${formatTimestamp(timeOf(h.lastSeenAt))})`
        : 'never',
    ],
    [
      'Last error',
      h.lastError ? { text: `${plain(h.lastError.message)} (${plain(h.lastError.code)})`, style: 'error' } : 'none',
    ],
    [
      'Usage',
      u
        ? `CPU ${formatPercent(u.cpuPercent)}, memory ${formatUsedTotal(u.memoryUsedBytes, u.memoryTotalBytes)}${u.loadAverage ? `, load ${u.loadAverage.map((n) => n.toFixed(2)).join(' ')}` : ''}`
        : '-',
    ],
    // The inventory's age shares a row: at 80x24 one more row pushes the inventory tabs' tables out of sight.
    ['Registered', `${formatTimestamp(timeOf(h.registeredAt))} ${g.middot} inventory ${renderInventoryRead(h, now)}`],
    ['Node ID', plain(h.id)],
    ['Host ID', plain(h.hostId)],
  ];
  fingerprintLines(plain(h.certificateFingerprint)).forEach((r, i) => rows.push([i === 0 ? 'Certificate' : '', r]));
  const status: DataTable = { title: 'State', columns: KV, rows };
  if (!h.inventory) return { status, tabs: [], warnings: [] };
  return {
    status,
    tabs: renderInventoryTabs(h.inventory, null, g),
    warnings: renderWarnings(h.inventory),
  };
}
