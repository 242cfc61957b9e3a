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
