/**
 * What changed between two inventories of one host, as plain-language lines
 * an administrator reads in the host details, `hosts show` and the audit:
 * memory added, a disk gone, a NIC down. Pure: no clock, no I/O.
 *
 * Every string in an inventory came from the host, so each one that goes
 * into a line is made inert (control characters shown as escapes) and cut
 * short, and the list itself is bounded: a host cannot make the vDC store
 * or show more than INVENTORY_CHANGES_MAX lines of INVENTORY_CHANGE_LINE_MAX
 * characters, however much its hardware changed.
 */
import { formatBytes } from '../../common/format/bytes.js';
import type {
  DiskInfo,
  GpuInfo,
  Inventory,
  IscsiSession,
  NetworkInterface,
  NfsMount,
} from '../../common/protocol/inventory.js';
import { INVENTORY_CHANGE_LINE_MAX, INVENTORY_CHANGES_MAX } from '../../common/protocol/vdc-api.js';
import { neutralizeControls } from '../../common/tui/sanitize.js';

/** Longest piece of host text (a disk model, an interface name) inside a change line. */
const FIELD_MAX = 48;

/** A host's string as it may appear in a line: inert and at most FIELD_MAX characters. */
function field(s: string | null | undefined): string {
  if (s === null || s === undefined || s === '') return '?';
  const t = neutralizeControls(s);
  return t.length > FIELD_MAX ? `${t.slice(0, FIELD_MAX - 3)}...` : t;
}

function line(s: string): string {
  return s.length > INVENTORY_CHANGE_LINE_MAX ? `${s.slice(0, INVENTORY_CHANGE_LINE_MAX - 3)}...` : s;
}

function num(n: number | null | undefined): string {
  return n === null || n === undefined || !Number.isFinite(n) ? 'unknown' : String(n);
}

/** `from A to B` for one value that changed, or nothing. */
function changed<T>(what: string, a: T, b: T, show: (v: T) => string): string[] {
  return a === b ? [] : [`${what} changed from ${show(a)} to ${show(b)}`];
}

function systemChanges(a: Inventory['system'], b: Inventory['system']): string[] {
  return [
    ...changed('Host name', a.hostname, b.hostname, field),
    ...changed('Operating system', a.os, b.os, field),
    ...changed('Kernel', a.kernel, b.kernel, field),
    ...changed('BIOS version', a.biosVersion, b.biosVersion, field),
  ];
}

function cpuChanges(a: Inventory['cpu'], b: Inventory['cpu']): string[] {
  const out = [
    ...changed('CPU model', a.model, b.model, field),
    ...changed('CPU sockets', a.sockets, b.sockets, num),
    ...changed('CPU cores', a.cores, b.cores, num),
    ...changed('CPU threads', a.threads, b.threads, num),
    ...changed('NUMA nodes', a.numaNodes, b.numaNodes, num),
  ];
  if (a.kvmUsable !== b.kvmUsable)
    out.push(
      b.kvmUsable
        ? 'KVM became usable: virtual machines can run'
        : 'KVM is no longer usable: virtual machines cannot run',
    );
  return out;
}

function memoryChanges(a: Inventory['memory'], b: Inventory['memory']): string[] {
  const x = a.totalBytes;
  const y = b.totalBytes;
  if (x === y) return [];
  if (x !== null && y !== null) {
    const verb = y > x ? 'added' : 'removed';
    return [`Memory ${verb}: ${formatBytes(Math.abs(y - x))} (from ${formatBytes(x)} to ${formatBytes(y)})`];
  }
  return [`Memory changed from ${formatBytes(x, 'unknown')} to ${formatBytes(y, 'unknown')}`];
}

/**
 * Items of one kind matched by a key, in key order: what was added, what is
 * gone, and what the `both` function says about each item present in both.
 */
function matchBy<T>(
  before: readonly T[],
  after: readonly T[],
  key: (t: T) => string,
  words: { added: (t: T) => string; gone: (t: T) => string; both?: (a: T, b: T) => string[] },
): string[] {
  const old = new Map(before.map((t) => [key(t), t]));
  const now = new Map(after.map((t) => [key(t), t]));
  const keys = [...new Set([...old.keys(), ...now.keys()])].sort();
  const out: string[] = [];
  for (const k of keys) {
    const a = old.get(k);
    const b = now.get(k);
    if (a && !b) out.push(words.gone(a));
    else if (!a && b) out.push(words.added(b));
    else if (a && b && words.both) out.push(...words.both(a, b));
  }
  return out;
}

function diskLabel(d: DiskInfo): string {
  const bits = [d.model ? field(d.model) : null, d.sizeBytes !== null ? formatBytes(d.sizeBytes) : null].filter(
    (s): s is string => s !== null,
  );
  return `${field(d.name)}${bits.length ? ` (${bits.join(', ')})` : ''}`;
}

function diskChanges(a: readonly DiskInfo[], b: readonly DiskInfo[]): string[] {
  return matchBy(a, b, (d) => `${d.name}\u0000${d.serial ?? ''}`, {
    added: (d) => `Disk added: ${diskLabel(d)}`,
    gone: (d) => `Disk gone: ${diskLabel(d)}`,
    both: (x, y) => changed(`Disk ${field(x.name)} size`, x.sizeBytes, y.sizeBytes, (v) => formatBytes(v, 'unknown')),
  });
}

function nfsChanges(a: readonly NfsMount[], b: readonly NfsMount[]): string[] {
  const label = (m: NfsMount) => `${field(m.source)} on ${field(m.mountPoint)}`;
  return matchBy(a, b, (m) => `${m.mountPoint}\u0000${m.source}`, {
    added: (m) => `NFS mount added: ${label(m)}`,
    gone: (m) => `NFS mount gone: ${label(m)}`,
    both: (x, y) =>
      x.responsive === y.responsive
        ? []
        : [y.responsive ? `NFS mount ${label(y)} responds again` : `NFS mount ${label(y)} stopped responding`],
  });
}

function iscsiChanges(a: readonly IscsiSession[], b: readonly IscsiSession[]): string[] {
  const label = (s: IscsiSession) =>
    `${field(s.targetIqn ?? s.session)}${s.portalAddress ? ` at ${field(s.portalAddress)}` : ''}`;
  return matchBy(a, b, (s) => `${s.targetIqn ?? s.session}\u0000${s.portalAddress ?? ''}`, {
    added: (s) => `iSCSI session added: ${label(s)}`,
    gone: (s) => `iSCSI session gone: ${label(s)}`,
    both: (x, y) => [
      ...changed(`iSCSI session ${label(y)} state`, x.state, y.state, field),
      ...changed(`iSCSI session ${label(y)} LUNs`, x.devices.length, y.devices.length, num),
    ],
  });
}

/** Virtual interfaces (taps, veths) come and go with virtual machines; only the host's own are followed. */
const FOLLOWED_NICS = new Set<NetworkInterface['kind']>(['physical', 'bond', 'bridge', 'vlan']);

function nicChanges(a: readonly NetworkInterface[], b: readonly NetworkInterface[]): string[] {
  const followed = (l: readonly NetworkInterface[]) => l.filter((n) => FOLLOWED_NICS.has(n.kind));
  return matchBy(followed(a), followed(b), (n) => n.name, {
    added: (n) => `Network interface added: ${field(n.name)}${n.mac ? ` (${field(n.mac)})` : ''}`,
    gone: (n) => `Network interface gone: ${field(n.name)}`,
    both: (x, y) => {
      const out: string[] = [];
      if (x.state !== y.state) {
        const was = x.state ? ` (was ${field(x.state)})` : '';
        out.push(`Network interface ${field(y.name)} is now ${field(y.state ?? 'unknown')}${was}`);
      }
      if (x.state === y.state && x.speedMbps !== y.speedMbps)
        out.push(
          `Network interface ${field(y.name)} speed changed from ${num(x.speedMbps)} to ${num(y.speedMbps)} Mbit/s`,
        );
      return out;
    },
  });
}

function gpuChanges(a: readonly GpuInfo[], b: readonly GpuInfo[]): string[] {
  const label = (g: GpuInfo) =>
    `${field(g.model ?? g.vendor ?? `${g.vendorId}:${g.deviceId}`)} at ${field(g.pciAddress)}`;
  return matchBy(a, b, (g) => g.pciAddress, {
    added: (g) => `GPU added: ${label(g)}`,
    gone: (g) => `GPU gone: ${label(g)}`,
    both: (x, y) => changed(`GPU at ${field(y.pciAddress)} driver`, x.driver, y.driver, field),
  });
}

/**
 * The changes from `before` to `after`, in a fixed order (system, CPU,
 * memory, disks, NFS, iSCSI, network, GPUs), at most INVENTORY_CHANGES_MAX
 * lines: beyond that the last line counts the rest. Empty when nothing an
 * administrator cares about changed (usage figures and times never count).
 */
export function diffInventory(before: Inventory, after: Inventory): string[] {
  const all = [
    ...systemChanges(before.system, after.system),
    ...cpuChanges(before.cpu, after.cpu),
    ...memoryChanges(before.memory, after.memory),
    ...diskChanges(before.storage.disks, after.storage.disks),
    ...nfsChanges(before.storage.nfs, after.storage.nfs),
    ...iscsiChanges(before.storage.iscsi, after.storage.iscsi),
    ...nicChanges(before.network, after.network),
    ...gpuChanges(before.gpus, after.gpus),
  ].map(line);
  if (all.length <= INVENTORY_CHANGES_MAX) return all;
  const kept = all.slice(0, INVENTORY_CHANGES_MAX - 1);
  const rest = all.length - kept.length;
  return [...kept, `and ${rest} more changes`];
}

/** Longest change summary in an audit record. */
export const AUDIT_SUMMARY_MAX = 500;

/** The change lines as one audit detail of at most AUDIT_SUMMARY_MAX characters. */
export function summariseChanges(changes: readonly string[]): string {
  if (changes.length === 0) return 'no change';
  const s = changes.join('; ');
  return s.length > AUDIT_SUMMARY_MAX ? `${s.slice(0, AUDIT_SUMMARY_MAX - 3)}...` : s;
}
