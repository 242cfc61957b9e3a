/**
 * The host inventory: what discovery, `node/inventory` and the local
 * `inventory` endpoint return, and what the consoles display. Sizes are
 * bytes, speeds Mbit/s, frequencies MHz; a value the host could not read is
 * null, never guessed.
 */

/** System identity and software. */
export interface SystemInfo {
  hostname: string;
  vendor: string | null;
  model: string | null;
  serial: string | null;
  biosVendor: string | null;
  biosVersion: string | null;
  biosDate: string | null;
  os: string | null;
  kernel: string | null;
  uptimeSeconds: number | null;
  /** SMBIOS UUID when usable, else /etc/machine-id, else a UUID kept in the state dir. */
  hostId: string;
  hostIdSource: 'smbios' | 'machine-id' | 'generated';
}

/** Processor summary. */
export interface CpuInfo {
  model: string | null;
  vendor: string | null;
  sockets: number | null;
  cores: number | null;
  threads: number | null;
  mhz: number | null;
  numaNodes: number | null;
  /** 'vmx' (Intel VT-x), 'svm' (AMD-V) or null when the CPU shows neither. */
  virtualization: 'vmx' | 'svm' | null;
  /** /dev/kvm exists and is a character device this host can use. */
  kvmUsable: boolean;
  flags?: string[];
}

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
  const extension = cpu.virtualization === 'vmx' ? 'Intel VT-x (vmx)' : cpu.virtualization === 'svm' ? 'AMD-V (svm)' : null;
  if (cpu.kvmUsable) return { canRunVms: true, extension, problem: null };
  return { canRunVms: false, extension, problem: extension ? 'KVM_UNAVAILABLE' : 'NO_VIRTUALIZATION' };
}

/** The verdict as one phrase: `Intel VT-x (vmx), KVM usable`, `none: virtual machines cannot run`. */
export function describeVmSupport(cpu: Pick<CpuInfo, 'virtualization' | 'kvmUsable'>): string {
  const v = vmSupport(cpu);
  if (v.canRunVms) return v.extension ? `${v.extension}, KVM usable` : 'KVM usable';
  return v.extension ? `${v.extension}, KVM not usable: virtual machines cannot run` : 'none: virtual machines cannot run';
}

/** Memory summary. */
export interface MemoryInfo {
  totalBytes: number | null;
  availableBytes: number | null;
  swapTotalBytes: number | null;
  swapFreeBytes: number | null;
}

/** A filesystem on a partition or whole disk. */
export interface FilesystemInfo {
  type: string | null;
  mountPoint: string | null;
  sizeBytes: number | null;
  usedBytes: number | null;
  availableBytes: number | null;
}

/** A partition of a local disk. */
export interface PartitionInfo {
  name: string;
  sizeBytes: number | null;
  filesystem: FilesystemInfo | null;
}

/** A local block device. */
export interface DiskInfo {
  name: string;
  model: string | null;
  serial: string | null;
  sizeBytes: number | null;
  kind: 'nvme' | 'ssd' | 'hdd' | 'unknown';
  /** sata, sas, nvme, usb, virtio, scsi, iscsi… */
  transport: string | null;
  removable: boolean;
  partitions: PartitionInfo[];
  /** Filesystem directly on the disk, without partitions. */
  filesystem: FilesystemInfo | null;
}

/** An NFS mount. */
export interface NfsMount {
  server: string;
  export: string;
  /** `server:/export`, IPv6 servers in brackets. */
  source: string;
  mountPoint: string;
  version: string | null;
  options: string;
  sizeBytes: number | null;
  usedBytes: number | null;
  availableBytes: number | null;
  /** False when statfs did not answer within the timeout (hung server). */
  responsive: boolean;
}

/** An iSCSI session and its LUNs. */
export interface IscsiSession {
  session: string;
  targetIqn: string | null;
  portalAddress: string | null;
  portalPort: number | null;
  state: string | null;
  devices: Array<{ name: string; sizeBytes: number | null; lun: number | null }>;
}

/** A network interface. */
export interface NetworkInterface {
  name: string;
  mac: string | null;
  state: string | null;
  /** Mbit/s, null when unknown or down. */
  speedMbps: number | null;
  mtu: number | null;
  driver: string | null;
  kind: 'physical' | 'bond' | 'bridge' | 'vlan' | 'virtual' | 'loopback';
  ipv4: string[];
  ipv6: string[];
  /** Name of the bond or bridge this interface is enslaved to. */
  master: string | null;
  /** Members of a bond or bridge. */
  members: string[];
  /** For VLANs: the parent device and the VLAN id. */
  vlanParent: string | null;
  vlanId: number | null;
}

/** A PCI display or 3D controller. */
export interface GpuInfo {
  pciAddress: string;
  vendor: string | null;
  vendorId: string;
  deviceId: string;
  model: string | null;
  driver: string | null;
  iommuGroup: number | null;
  memoryBytes: number | null;
}

/** A problem met while collecting; the inventory is partial, not failed. */
export interface InventoryWarning {
  /** Stable identifier, e.g. `NO_VIRTUALIZATION`, `READ_FAILED`, `NFS_UNRESPONSIVE`. */
  code: string;
  message: string;
  /** The file or mount concerned, when one is. */
  path?: string;
}

/** Everything a host reports about itself. */
export interface Inventory {
  collectedAt: string;
  system: SystemInfo;
  cpu: CpuInfo;
  memory: MemoryInfo;
  storage: {
    disks: DiskInfo[];
    nfs: NfsMount[];
    iscsi: IscsiSession[];
  };
  network: NetworkInterface[];
  gpus: GpuInfo[];
  warnings: InventoryWarning[];
}

/** Live usage reported by `node/status` and polled by the vDC. */
export interface LiveUsage {
  cpuPercent: number | null;
  memoryUsedBytes: number | null;
  memoryTotalBytes: number | null;
  loadAverage: [number, number, number] | null;
  uptimeSeconds: number | null;
}
