/**
 * The host inventory: what discovery, `node/inventory` and the local
 * `inventory` endpoint return, and what the consoles display. Sizes are
 * bytes, speeds Mbit/s, frequencies MHz; a value the host could not read is
 * null, never guessed. Each shape is a schema (TypeBox): the agent's routes
 * serialise with it and the clients check answers against it.
 */
import { type Static, Type } from './typebox.js';

const NullableString = Type.Union([Type.String(), Type.Null()]);
const NullableNumber = Type.Union([Type.Number(), Type.Null()]);

/** System identity and software. */
export const SystemInfo = Type.Object({
  hostname: Type.String(),
  vendor: NullableString,
  model: NullableString,
  serial: NullableString,
  biosVendor: NullableString,
  biosVersion: NullableString,
  biosDate: NullableString,
  os: NullableString,
  kernel: NullableString,
  uptimeSeconds: NullableNumber,
  /** SMBIOS UUID when usable, else /etc/machine-id, else a UUID kept in the state dir. */
  hostId: Type.String(),
  hostIdSource: Type.Union([Type.Literal('smbios'), Type.Literal('machine-id'), Type.Literal('generated')]),
});
export type SystemInfo = Static<typeof SystemInfo>;

/** Processor summary. */
export const CpuInfo = Type.Object({
  model: NullableString,
  vendor: NullableString,
  sockets: NullableNumber,
  cores: NullableNumber,
  threads: NullableNumber,
  mhz: NullableNumber,
  numaNodes: NullableNumber,
  /** 'vmx' (Intel VT-x), 'svm' (AMD-V) or null when the CPU shows neither. */
  virtualization: Type.Union([Type.Literal('vmx'), Type.Literal('svm'), Type.Null()]),
  /** /dev/kvm exists and is a character device this host can use. */
  kvmUsable: Type.Boolean(),
  flags: Type.Optional(Type.Array(Type.String())),
});
export type CpuInfo = Static<typeof CpuInfo>;

/** Whether a host can run virtual machines, and what stands in the way. */
export interface VmSupport {
  /** True when /dev/kvm is usable: the kernel's own answer (it appears only once kvm_intel, kvm_amd or an ARM host's KVM has loaded). */
  canRunVms: boolean;
  /** The CPU's extension by name, or null when its flags name none (also on ARM, which has no such flag). */
  extension: 'Intel VT-x (vmx)' | 'AMD-V (svm)' | null;
  /** The warning code when virtual machines cannot run: no extension at all, or an extension KVM cannot use. */
  problem: 'NO_VIRTUALIZATION' | 'KVM_UNAVAILABLE' | null;
}

/**
 * The one verdict on virtualization every screen and warning uses, so a
 * CPU row never says "KVM usable" next to a warning that virtual machines
 * cannot run: usable KVM decides; the CPU flag only names the extension
 * and, when KVM is not usable, tells which fix applies.
 */
export function vmSupport(cpu: Pick<CpuInfo, 'virtualization' | 'kvmUsable'>): VmSupport {
  const extension =
    cpu.virtualization === 'vmx' ? 'Intel VT-x (vmx)' : cpu.virtualization === 'svm' ? 'AMD-V (svm)' : null;
  if (cpu.kvmUsable) return { canRunVms: true, extension, problem: null };
  return { canRunVms: false, extension, problem: extension ? 'KVM_UNAVAILABLE' : 'NO_VIRTUALIZATION' };
}

/** The verdict as one phrase: `Intel VT-x (vmx), KVM usable`, `none: virtual machines cannot run`. */
export function describeVmSupport(cpu: Pick<CpuInfo, 'virtualization' | 'kvmUsable'>): string {
  const v = vmSupport(cpu);
  if (v.canRunVms) return v.extension ? `${v.extension}, KVM usable` : 'KVM usable';
  return v.extension
    ? `${v.extension}, KVM not usable: virtual machines cannot run`
    : 'none: virtual machines cannot run';
}

/** Memory summary. */
export const MemoryInfo = Type.Object({
  totalBytes: NullableNumber,
  availableBytes: NullableNumber,
  swapTotalBytes: NullableNumber,
  swapFreeBytes: NullableNumber,
});
export type MemoryInfo = Static<typeof MemoryInfo>;

/** A filesystem on a partition or whole disk. */
export const FilesystemInfo = Type.Object({
  type: NullableString,
  mountPoint: NullableString,
  sizeBytes: NullableNumber,
  usedBytes: NullableNumber,
  availableBytes: NullableNumber,
});
export type FilesystemInfo = Static<typeof FilesystemInfo>;

const NullableFilesystem = Type.Union([FilesystemInfo, Type.Null()]);

/** A partition of a local disk. */
export const PartitionInfo = Type.Object({
  name: Type.String(),
  sizeBytes: NullableNumber,
  filesystem: NullableFilesystem,
});
export type PartitionInfo = Static<typeof PartitionInfo>;

/** A local block device. */
export const DiskInfo = Type.Object({
  name: Type.String(),
  model: NullableString,
  serial: NullableString,
  sizeBytes: NullableNumber,
  kind: Type.Union([Type.Literal('nvme'), Type.Literal('ssd'), Type.Literal('hdd'), Type.Literal('unknown')]),
  /** sata, sas, nvme, usb, virtio, scsi, iscsi… */
  transport: NullableString,
  removable: Type.Boolean(),
  partitions: Type.Array(PartitionInfo),
  /** Filesystem directly on the disk, without partitions. */
  filesystem: NullableFilesystem,
});
export type DiskInfo = Static<typeof DiskInfo>;

/** An NFS mount. */
export const NfsMount = Type.Object({
  server: Type.String(),
  export: Type.String(),
  /** `server:/export`, IPv6 servers in brackets. */
  source: Type.String(),
  mountPoint: Type.String(),
  version: NullableString,
  options: Type.String(),
  sizeBytes: NullableNumber,
  usedBytes: NullableNumber,
  availableBytes: NullableNumber,
  /** False when statfs did not answer within the timeout (hung server). */
  responsive: Type.Boolean(),
});
export type NfsMount = Static<typeof NfsMount>;

/** An iSCSI session and its LUNs. */
export const IscsiSession = Type.Object({
  session: Type.String(),
  targetIqn: NullableString,
  portalAddress: NullableString,
  portalPort: NullableNumber,
  state: NullableString,
  devices: Type.Array(Type.Object({ name: Type.String(), sizeBytes: NullableNumber, lun: NullableNumber })),
});
export type IscsiSession = Static<typeof IscsiSession>;

/** A network interface. */
export const NetworkInterface = Type.Object({
  name: Type.String(),
  mac: NullableString,
  state: NullableString,
  /** Mbit/s, null when unknown or down. */
  speedMbps: NullableNumber,
  mtu: NullableNumber,
  driver: NullableString,
  kind: Type.Union([
    Type.Literal('physical'),
    Type.Literal('bond'),
    Type.Literal('bridge'),
    Type.Literal('vlan'),
    Type.Literal('virtual'),
    Type.Literal('loopback'),
  ]),
  ipv4: Type.Array(Type.String()),
  ipv6: Type.Array(Type.String()),
  /** Name of the bond or bridge this interface is enslaved to. */
  master: NullableString,
  /** Members of a bond or bridge. */
  members: Type.Array(Type.String()),
  /** For VLANs: the parent device and the VLAN id. */
  vlanParent: NullableString,
  vlanId: NullableNumber,
});
export type NetworkInterface = Static<typeof NetworkInterface>;

/** A PCI display or 3D controller. */
export const GpuInfo = Type.Object({
  pciAddress: Type.String(),
  vendor: NullableString,
  vendorId: Type.String(),
  deviceId: Type.String(),
  model: NullableString,
  driver: NullableString,
  iommuGroup: NullableNumber,
  memoryBytes: NullableNumber,
});
export type GpuInfo = Static<typeof GpuInfo>;

/** A problem met while collecting; the inventory is partial, not failed. */
export const InventoryWarning = Type.Object({
  /** Stable identifier, e.g. `NO_VIRTUALIZATION`, `READ_FAILED`, `NFS_UNRESPONSIVE`. */
  code: Type.String(),
  message: Type.String(),
  /** The file or mount concerned, when one is. */
  path: Type.Optional(Type.String()),
});
export type InventoryWarning = Static<typeof InventoryWarning>;

/** Everything a host reports about itself. */
export const Inventory = Type.Object({
  collectedAt: Type.String(),
  system: SystemInfo,
  cpu: CpuInfo,
  memory: MemoryInfo,
  storage: Type.Object({
    disks: Type.Array(DiskInfo),
    nfs: Type.Array(NfsMount),
    iscsi: Type.Array(IscsiSession),
  }),
  network: Type.Array(NetworkInterface),
  gpus: Type.Array(GpuInfo),
  warnings: Type.Array(InventoryWarning),
});
export type Inventory = Static<typeof Inventory>;

/** Live usage reported by `node/status` and polled by the vDC. */
export const LiveUsage = Type.Object({
  cpuPercent: NullableNumber,
  memoryUsedBytes: NullableNumber,
  memoryTotalBytes: NullableNumber,
  loadAverage: Type.Union([Type.Tuple([Type.Number(), Type.Number(), Type.Number()]), Type.Null()]),
  uptimeSeconds: NullableNumber,
});
export type LiveUsage = Static<typeof LiveUsage>;
