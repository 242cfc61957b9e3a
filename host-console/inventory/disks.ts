/**
 * Local block devices from /sys/block with their partitions and the
 * filesystems on them. Left out: loop, ram and zram (memory or file backed,
 * not storage), dm-* (device-mapper views of disks already listed; counting
 * them would count capacity twice) and nbd (network block devices).
 */
import type { DiskInfo, FilesystemInfo, PartitionInfo } from '../../common/protocol/inventory.js';
import type { MountEntry, MountTable } from './mounts.js';
import type { HostSource } from './source.js';
import type { SpaceReader } from './space.js';

/** Block device names that are not local storage. */
const SKIPPED = /^(loop|ram|zram|dm-|nbd)\d*/;

/** Whether a /sys/block entry is reported as a disk. */
export function isReportedDisk(name: string): boolean {
  return !SKIPPED.test(name);
}

/**
 * The transport of a block device from where its sysfs node sits in the
 * device tree (`/sys/devices/.../ata1/host0/...`): the path is what the
 * kernel knows about how the disk is attached.
 */
export function transportFromDevicePath(devicePath: string | null, name: string): string | null {
  if (name.startsWith('nvme')) return 'nvme';
  if (devicePath === null) return null;
  const rules: Array<[RegExp, string]> = [
    [/\/nvme\d*\//, 'nvme'],
    [/\/session\d+\/target\d+:/, 'iscsi'],
    [/\/usb\d+\//, 'usb'],
    [/\/virtio\d+\//, 'virtio'],
    [/\/(end_device-|expander-|port-\d+:)/, 'sas'],
    [/\/ata\d+\//, 'sata'],
    [/\/mmc_host\//, 'mmc'],
    [/\/host\d+\/(rport-[^/]+\/)?target\d+:/, 'scsi'],
  ];
  for (const [re, transport] of rules) if (re.test(devicePath)) return transport;
  return null;
}

/** Disk kind: NVMe by name or transport, else the rotational flag; virtio's flag is a default, not a fact. */
export function diskKind(name: string, transport: string | null, rotational: string | null): DiskInfo['kind'] {
  if (name.startsWith('nvme') || transport === 'nvme') return 'nvme';
  if (transport === 'virtio') return 'unknown';
  if (rotational === '0') return 'ssd';
  if (rotational === '1') return 'hdd';
  return 'unknown';
}

/** The unit serial number from a SCSI VPD page 0x80 (4-byte header, then ASCII), or null. */
export function serialFromVpd80(page: Buffer): string | null {
  if (page.length < 4 || page[1] !== 0x80) return null;
  const len = page.readUInt16BE(2);
  const serial = page
    .subarray(4, 4 + len)
    .toString('latin1')
    .replace(/[^\x20-\x7e]/g, '')
    .trim();
  return serial === '' ? null : serial;
}

/** Parses a udev database entry (`E:KEY=value` lines) into its properties. */
export function parseUdevData(text: string): Map<string, string> {
  const out = new Map<string, string>();
  for (const line of text.split('\n')) {
    const m = /^E:([A-Z0-9_]+)=(.*)$/.exec(line);
    if (m) out.set(m[1]!, m[2]!);
  }
  return out;
}

/** One line of /proc/swaps: a swap device and its use in bytes. */
export interface SwapEntry {
  device: string;
  sizeBytes: number;
  usedBytes: number;
}

/** Parses /proc/swaps (sizes in kB). */
export function parseSwaps(text: string): SwapEntry[] {
  const out: SwapEntry[] = [];
  for (const line of text.split('\n').slice(1)) {
    const f = line.trim().split(/\s+/);
    if (f.length < 4 || !/^\d+$/.test(f[2]!) || !/^\d+$/.test(f[3]!)) continue;
    out.push({ device: f[0]!.replace(/\\040/g, ' '), sizeBytes: Number(f[2]) * 1024, usedBytes: Number(f[3]) * 1024 });
  }
  return out;
}

/** 512-byte sectors (sysfs `size`, whatever the logical block size) to bytes; null when not a number. */
export function sectorsToBytes(size: string | null): number | null {
  return size !== null && /^\d+$/.test(size) ? Number(size) * 512 : null;
}

/** Where each block device is used: by device number (mountinfo), by source name (/proc/mounts), as swap. */
interface UseIndex {
  byDev: Map<string, MountEntry>;
  byName: Map<string, MountEntry>;
  swaps: Map<string, SwapEntry>;
}

function buildUseIndex(table: MountTable, swaps: SwapEntry[]): UseIndex {
  const byDev = new Map<string, MountEntry>();
  const byName = new Map<string, MountEntry>();
  // First mount wins: a device bind-mounted elsewhere later keeps its primary mount point.
  for (const m of table.mounts) {
    const dev = table.deviceOf.get(m.mountPoint);
    if (dev !== undefined && !byDev.has(dev) && m.source.startsWith('/dev/')) byDev.set(dev, m);
    if (m.source.startsWith('/dev/') && !byName.has(m.source.slice(5))) byName.set(m.source.slice(5), m);
  }
  const swapMap = new Map<string, SwapEntry>();
  for (const s of swaps) if (s.device.startsWith('/dev/')) swapMap.set(s.device.slice(5), s);
  return { byDev, byName, swaps: swapMap };
}

async function filesystemOf(
  src: HostSource,
  name: string,
  sysPath: string,
  uses: UseIndex,
  space: SpaceReader,
): Promise<FilesystemInfo | null> {
  const dev = await src.attr(`${sysPath}/dev`);
  const mount = (dev !== null ? uses.byDev.get(dev) : undefined) ?? uses.byName.get(name);
  if (mount) {
    const s = await space(mount.mountPoint, mount.fsType);
    const known = s !== null && s !== 'timeout';
    return {
      type: mount.fsType,
      mountPoint: mount.mountPoint,
      sizeBytes: known ? s.sizeBytes : null,
      usedBytes: known ? s.usedBytes : null,
      availableBytes: known ? s.availableBytes : null,
    };
  }
  const swap = uses.swaps.get(name);
  if (swap)
    return {
      type: 'swap',
      mountPoint: null,
      sizeBytes: swap.sizeBytes,
      usedBytes: swap.usedBytes,
      availableBytes: swap.sizeBytes - swap.usedBytes,
    };
  // Unmounted: udev's probe of the superblock still names the filesystem.
  const udev = dev === null ? null : await src.text(`/run/udev/data/b${dev}`);
  const type = udev === null ? undefined : parseUdevData(udev).get('ID_FS_TYPE');
  return type ? { type, mountPoint: null, sizeBytes: null, usedBytes: null, availableBytes: null } : null;
}

async function readDisk(src: HostSource, name: string, uses: UseIndex, space: SpaceReader): Promise<DiskInfo> {
  const base = `/sys/block/${name}`;
  const [realPath, size, removable, rotational, model, ctrlSerial, blockSerial, vpd, dev, entries] = await Promise.all([
    src.realHostPath(base),
    src.attr(`${base}/size`, { required: true }),
    src.attr(`${base}/removable`),
    src.attr(`${base}/queue/rotational`),
    src.attr(`${base}/device/model`),
    src.attr(`${base}/device/serial`),
    src.attr(`${base}/serial`),
    src.bytes(`${base}/device/vpd_pg80`),
    src.attr(`${base}/dev`),
    src.list(base),
  ]);
  const sizeBytes = sectorsToBytes(size);
  if (size !== null && sizeBytes === null)
    src.warnings.warn('PARSE_FAILED', `${base}/size is not a number`, `${base}/size`);
  let serial = ctrlSerial ?? blockSerial ?? (vpd === null ? null : serialFromVpd80(vpd));
  if (serial === null && dev !== null) {
    const udev = await src.text(`/run/udev/data/b${dev}`);
    serial = (udev === null ? undefined : parseUdevData(udev).get('ID_SERIAL_SHORT')) ?? null;
  }
  const transport = transportFromDevicePath(realPath, name);

  const partitionNames = (
    await Promise.all(
      entries
        .filter((e) => e.startsWith(name))
        .map(async (e) => ((await src.exists(`${base}/${e}/partition`)) ? e : null)),
    )
  ).filter((e): e is string => e !== null);
  const [partitions, filesystem] = await Promise.all([
    Promise.all(
      partitionNames.map(async (p): Promise<PartitionInfo> => {
        const [psize, fs] = await Promise.all([
          src.attr(`${base}/${p}/size`),
          filesystemOf(src, p, `${base}/${p}`, uses, space),
        ]);
        return { name: p, sizeBytes: sectorsToBytes(psize), filesystem: fs };
      }),
    ),
    filesystemOf(src, name, base, uses, space),
  ]);
  return {
    name,
    model,
    serial,
    sizeBytes,
    kind: diskKind(name, transport, rotational),
    transport,
    removable: removable === '1',
    partitions: partitions.sort((a, b) => a.name.localeCompare(b.name, 'en', { numeric: true })),
    filesystem,
  };
}

/** Reads every reported disk under /sys/block. */
export async function readDisks(src: HostSource, table: MountTable, space: SpaceReader): Promise<DiskInfo[]> {
  const [names, swapsText] = await Promise.all([src.list('/sys/block', { required: true }), src.text('/proc/swaps')]);
  const uses = buildUseIndex(table, swapsText === null ? [] : parseSwaps(swapsText));
  return Promise.all(names.filter(isReportedDisk).map((n) => readDisk(src, n, uses, space)));
}
