import { mkdtemp, readFile, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterEach, beforeEach, describe, expect, it } from 'vitest';
import type { Inventory } from '../../common/protocol/inventory.js';
import { createInventoryCollector } from '../../host-console/inventory/index.js';

const hosts = fileURLToPath(new URL('../fixtures/hosts/', import.meta.url));
const NOW = Date.UTC(2025, 0, 15, 12, 0, 0);
const KiB = 1024;
const MiB = 1024 * KiB;
const sectors = (n: number) => n * 512;
const blocks = (bsize: number, total: number, free: number, avail: number) => ({
  sizeBytes: bsize * total,
  usedBytes: bsize * (total - free),
  availableBytes: bsize * avail,
});
const iface = (o: Partial<Inventory['network'][number]> & { name: string }): Inventory['network'][number] => ({
  mac: null,
  state: null,
  speedMbps: null,
  mtu: null,
  driver: null,
  kind: 'physical',
  ipv4: [],
  ipv6: [],
  master: null,
  members: [],
  vlanParent: null,
  vlanId: null,
  ...o,
});

let stateDir: string;
beforeEach(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'qx-inv-'));
});
afterEach(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

const collect = (tree: string, extra: Partial<Parameters<typeof createInventoryCollector>[0]> = {}) =>
  createInventoryCollector({ root: join(hosts, tree), stateDir, now: () => NOW, ...extra }).refresh();

describe('server-2s: two-socket server', () => {
  it('reports the system, with the SMBIOS UUID as hostId', async () => {
    const inv = await collect('server-2s');
    expect(inv.collectedAt).toBe('2025-01-15T12:00:00.000Z');
    expect(inv.system).toEqual({
      hostname: 'qx-node-07',
      vendor: 'Dell Inc.',
      model: 'PowerEdge R750',
      serial: '7XK2QH3',
      biosVendor: 'Dell Inc.',
      biosVersion: '1.10.2',
      biosDate: '03/14/2023',
      os: 'Quantix-OS 1.4 (Helix)',
      kernel: '6.6.32-quantix',
      uptimeSeconds: 1234567,
      // upper case in SMBIOS, lower case as an id
      hostId: '4c4c4544-0058-4b10-8032-b7c04f514833',
      hostIdSource: 'smbios',
    });
  });

  it('counts sockets, cores and threads from sysfs topology, MHz from cpufreq, two NUMA nodes, usable KVM', async () => {
    const inv = await collect('server-2s');
    expect(inv.cpu).toEqual({
      model: 'Intel(R) Xeon(R) Silver 4309Y CPU @ 2.80GHz',
      vendor: 'Intel',
      sockets: 2,
      cores: 16,
      threads: 32,
      // cpuinfo_max_freq 3400000 kHz, not the momentary 2800/3391 MHz of cpuinfo
      mhz: 3400,
      numaNodes: 2,
      virtualization: 'vmx',
      kvmUsable: true,
    });
    expect(inv.memory).toEqual({
      totalBytes: 527938748 * KiB,
      availableBytes: 498765432 * KiB,
      swapTotalBytes: 16777212 * KiB,
      swapFreeBytes: 16777212 * KiB,
    });
  });

  it('lists the four local disks and the iSCSI LUNs, not loop0 or dm-0, with partitions and filesystems', async () => {
    const inv = await collect('server-2s');
    expect(inv.storage.disks).toEqual([
      {
        name: 'nvme0n1',
        model: 'SAMSUNG MZQL23T8HCLS-00A07',
        serial: 'S64HNE0T500123',
        sizeBytes: sectors(7501476528),
        kind: 'nvme',
        transport: 'nvme',
        removable: false,
        partitions: [
          {
            name: 'nvme0n1p1',
            sizeBytes: sectors(7501476528 - 2048),
            filesystem: {
              type: 'xfs',
              mountPoint: '/var/lib/quantix/vms',
              ...blocks(4096, 937684566, 512000000, 512000000),
            },
          },
        ],
        filesystem: null,
      },
      {
        name: 'nvme1n1',
        model: 'INTEL SSDPE2KX040T8',
        serial: 'PHLJ912000AB4P0DGN',
        sizeBytes: sectors(7814037168),
        kind: 'nvme',
        transport: 'nvme',
        removable: false,
        partitions: [],
        // filesystem on the whole disk; the later bind mount at /srv/images does not replace the first mount point
        filesystem: {
          type: 'ext4',
          mountPoint: '/var/lib/quantix/images',
          ...blocks(4096, 976754646, 900000000, 850000000),
        },
      },
      {
        name: 'sda',
        model: 'Samsung SSD 870 EVO 1TB',
        // from the SCSI VPD unit serial page
        serial: 'S6PTNM0T512345K',
        sizeBytes: sectors(1953525168),
        kind: 'ssd',
        transport: 'sata',
        removable: false,
        partitions: [
          {
            name: 'sda1',
            sizeBytes: sectors(1048576),
            filesystem: { type: 'vfat', mountPoint: '/boot/efi', ...blocks(4096, 130812, 128000, 128000) },
          },
          // mounted as /dev/root: matched through the device number in mountinfo
          {
            name: 'sda2',
            sizeBytes: sectors(1918918656),
            filesystem: { type: 'ext4', mountPoint: '/', ...blocks(4096, 235978916, 201234567, 189432109) },
          },
          // swap from /proc/swaps
          {
            name: 'sda3',
            sizeBytes: sectors(33554432),
            filesystem: {
              type: 'swap',
              mountPoint: null,
              sizeBytes: 16777212 * KiB,
              usedBytes: 1024 * KiB,
              availableBytes: (16777212 - 1024) * KiB,
            },
          },
        ],
        filesystem: null,
      },
      {
        name: 'sdb',
        model: 'ST8000NM001A-2KE',
        // no VPD page: the serial comes from the udev database
        serial: 'ZA1G5K7M',
        sizeBytes: sectors(15628053168),
        kind: 'hdd',
        transport: 'sas',
        removable: false,
        // unmounted: udev still names the filesystem
        partitions: [
          {
            name: 'sdb1',
            sizeBytes: sectors(15628050432),
            filesystem: { type: 'xfs', mountPoint: null, sizeBytes: null, usedBytes: null, availableBytes: null },
          },
        ],
        filesystem: null,
      },
      ...[
        ['sdc', 'iSCSI Disk', 4294967296],
        ['sdd', 'iSCSI Disk', 1048576000],
        ['sde', 'LUN C-Mode', 209715200],
      ].map(([name, model, n]) => ({
        name: name as string,
        model: model as string,
        serial: null,
        sizeBytes: sectors(n as number),
        kind: 'ssd' as const,
        transport: 'iscsi',
        removable: false,
        partitions: [],
        filesystem: null,
      })),
    ]);
  });

  it('reports NFS v3 and v4.2 mounts, the IPv6 server in brackets, the escaped space undone', async () => {
    const inv = await collect('server-2s');
    expect(inv.storage.nfs).toEqual([
      {
        server: 'nas01.lab.example',
        export: '/export/isos',
        source: 'nas01.lab.example:/export/isos',
        mountPoint: '/mnt/isos',
        version: '3',
        options:
          'rw,relatime,vers=3,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp,timeo=600,retrans=2,sec=sys,mountaddr=10.20.0.5,mountvers=3,mountport=20048,mountproto=tcp,local_lock=none,addr=10.20.0.5',
        ...blocks(MiB, 1907348, 1000000, 1000000),
        responsive: true,
      },
      {
        server: 'fd00:20::5',
        export: '/export/vm backups',
        source: '[fd00:20::5]:/export/vm backups',
        mountPoint: '/mnt/vm backups',
        version: '4.2',
        options:
          'rw,relatime,vers=4.2,rsize=1048576,wsize=1048576,namlen=255,hard,proto=tcp6,timeo=600,retrans=2,sec=sys,clientaddr=fd00:20::11,local_lock=none,addr=fd00:20::5',
        ...blocks(MiB, 9536743, 4000000, 4000000),
        responsive: true,
      },
    ]);
  });

  it('reports both iSCSI sessions with portal, state and LUNs', async () => {
    const inv = await collect('server-2s');
    expect(inv.storage.iscsi).toEqual([
      {
        session: 'session1',
        targetIqn: 'iqn.2005-10.org.freenas.ctl:vmstore',
        portalAddress: '10.30.0.10',
        portalPort: 3260,
        state: 'LOGGED_IN',
        devices: [
          { name: 'sdc', sizeBytes: sectors(4294967296), lun: 0 },
          { name: 'sdd', sizeBytes: sectors(1048576000), lun: 1 },
        ],
      },
      {
        session: 'session2',
        targetIqn: 'iqn.1992-08.com.netapp:sn.4082367740',
        portalAddress: 'fd00:30::20',
        portalPort: 3261,
        state: 'LOGGED_IN',
        devices: [{ name: 'sde', sizeBytes: sectors(209715200), lun: 3 }],
      },
    ]);
  });

  it('reports the bond, the bridge, the VLAN and their members with addresses', async () => {
    const inv = await collect('server-2s');
    const mac1 = '3c:fd:fe:12:34:01';
    expect(inv.network).toEqual([
      iface({
        name: 'bond0',
        mac: mac1,
        state: 'up',
        speedMbps: 20000,
        mtu: 9000,
        driver: 'bonding',
        kind: 'bond',
        master: 'br0',
        members: ['eno1', 'eno2'],
      }),
      iface({
        name: 'bond0.100',
        mac: mac1,
        state: 'up',
        speedMbps: 20000,
        mtu: 9000,
        driver: '8021q',
        kind: 'vlan',
        // a secondary address is an address too
        ipv4: ['10.30.0.11', '10.30.0.12'],
        ipv6: ['fd00:30::11', 'fe80::3efd:feff:fe12:3401'],
        vlanParent: 'bond0',
        vlanId: 100,
      }),
      iface({
        name: 'br0',
        mac: mac1,
        state: 'up',
        mtu: 9000,
        driver: 'bridge',
        kind: 'bridge',
        ipv4: ['10.20.0.11'],
        ipv6: ['fd00:20::11', 'fe80::3efd:feff:fe12:3401'],
        members: ['bond0', 'vnet0'],
      }),
      iface({ name: 'eno1', mac: mac1, state: 'up', speedMbps: 10000, mtu: 9000, driver: 'i40e', master: 'bond0' }),
      iface({
        name: 'eno2',
        mac: '3c:fd:fe:12:34:02',
        state: 'up',
        speedMbps: 10000,
        mtu: 9000,
        driver: 'i40e',
        master: 'bond0',
      }),
      // down: speed -1 reads as unknown
      iface({ name: 'eno3', mac: 'b4:96:91:aa:bb:03', state: 'down', mtu: 1500, driver: 'igb' }),
      iface({ name: 'lo', state: 'unknown', mtu: 65536, kind: 'loopback', ipv4: ['127.0.0.1'], ipv6: ['::1'] }),
      iface({
        name: 'vnet0',
        mac: 'fe:54:00:6d:2a:10',
        state: 'unknown',
        speedMbps: 10,
        mtu: 1500,
        kind: 'virtual',
        master: 'br0',
      }),
    ]);
  });

  it('reports the BMC VGA, two NVIDIA GPUs and the AMD GPU with names, drivers, IOMMU groups and memory', async () => {
    const inv = await collect('server-2s');
    expect(inv.gpus).toEqual([
      // not in the fixture's pci.ids: named from the built-in table
      {
        pciAddress: '0000:03:00.0',
        vendor: 'ASPEED',
        vendorId: '1a03',
        deviceId: '2000',
        model: 'ASPEED Graphics Family',
        driver: 'ast',
        iommuGroup: 11,
        memoryBytes: null,
      },
      // memory from the nvidia-smi capture
      {
        pciAddress: '0000:3b:00.0',
        vendor: 'NVIDIA',
        vendorId: '10de',
        deviceId: '20b5',
        model: 'GA100 [A100 PCIe 80GB]',
        driver: 'nvidia',
        iommuGroup: 27,
        memoryBytes: 81920 * MiB,
      },
      // bound to vfio-pci for passthrough: nvidia-smi does not see it
      {
        pciAddress: '0000:af:00.0',
        vendor: 'NVIDIA',
        vendorId: '10de',
        deviceId: '2236',
        model: 'GA102GL [A10]',
        driver: 'vfio-pci',
        iommuGroup: 91,
        memoryBytes: null,
      },
      // class 0x0380, memory from amdgpu's mem_info_vram_total
      {
        pciAddress: '0000:d8:00.0',
        vendor: 'AMD',
        vendorId: '1002',
        deviceId: '740f',
        model: 'Aldebaran/MI200 [Instinct MI210]',
        driver: 'amdgpu',
        iommuGroup: 120,
        memoryBytes: 68702699520,
      },
    ]);
  });

  it('has nothing to warn about', async () => {
    expect((await collect('server-2s')).warnings).toEqual([]);
  });

  it('asks nvidia-smi only for what it needs and tolerates a host without it', async () => {
    const calls: string[] = [];
    const inv = await collect('server-2s', {
      run: async (file, args) => {
        calls.push([file, ...args].join(' '));
        throw Object.assign(new Error('not found'), { code: 'ENOENT' });
      },
    });
    expect(calls).toEqual(['nvidia-smi --query-gpu=pci.bus_id,memory.total --format=csv,noheader,nounits']);
    expect(inv.gpus.map((g) => g.memoryBytes)).toEqual([null, null, null, 68702699520]);
    // a missing tool is normal, not a warning
    expect(inv.warnings).toEqual([]);
  });

  it('warns when nvidia-smi fails (driver not loaded)', async () => {
    const inv = await collect('server-2s', { run: async () => ({ stdout: 'NVIDIA-SMI has failed', exitCode: 9 }) });
    expect(inv.warnings.map((w) => w.code)).toEqual(['GPU_TOOL_FAILED']);
  });
});

describe('vm-minimal: small VM', () => {
  it('reports exactly what a VM without virtualization extensions has', async () => {
    const inv = await collect('vm-minimal');
    expect(inv).toEqual({
      collectedAt: '2025-01-15T12:00:00.000Z',
      system: {
        hostname: 'vm-small',
        vendor: 'QEMU',
        model: 'Standard PC (Q35 + ICH9, 2009)',
        // "Not Specified" is a placeholder
        serial: null,
        biosVendor: 'SeaBIOS',
        biosVersion: '1.16.3-debian-1.16.3-2',
        biosDate: '04/01/2014',
        // only /usr/lib/os-release exists
        os: 'Ubuntu 24.04.1 LTS',
        kernel: '6.8.0-45-generic',
        uptimeSeconds: 3600,
        // the all-zero SMBIOS UUID gives way to machine-id
        hostId: '0a1b2c3d-4e5f-6071-8293-a4b5c6d7e8f9',
        hostIdSource: 'machine-id',
      },
      cpu: {
        model: 'QEMU Virtual CPU version 2.5+',
        vendor: 'Intel',
        // no sysfs topology: sockets and cores from cpuinfo's physical and core ids
        sockets: 1,
        cores: 2,
        threads: 2,
        // no cpufreq: cpuinfo's MHz, rounded
        mhz: 2295,
        numaNodes: null,
        virtualization: null,
        kvmUsable: false,
      },
      memory: {
        totalBytes: 4010636 * KiB,
        // no MemAvailable line: free + buffers + cached
        availableBytes: (215432 + 45000 + 1200000) * KiB,
        swapTotalBytes: 0,
        swapFreeBytes: 0,
      },
      storage: {
        disks: [
          {
            name: 'vda',
            model: null,
            serial: 'vm-100-disk-0',
            sizeBytes: sectors(41943040),
            kind: 'unknown',
            transport: 'virtio',
            removable: false,
            partitions: [
              {
                name: 'vda1',
                sizeBytes: sectors(41719775),
                filesystem: { type: 'ext4', mountPoint: '/', ...blocks(4096, 5182205, 3000000, 2735000) },
              },
              // BIOS boot partition: no filesystem
              { name: 'vda14', sizeBytes: sectors(8192), filesystem: null },
              {
                name: 'vda15',
                sizeBytes: sectors(217088),
                filesystem: { type: 'vfat', mountPoint: '/boot/efi', ...blocks(512, 213716, 200000, 200000) },
              },
            ],
            filesystem: null,
          },
        ],
        nfs: [],
        iscsi: [],
      },
      network: [
        iface({
          name: 'ens3',
          mac: '52:54:00:12:34:56',
          state: 'up',
          mtu: 1500,
          driver: 'virtio_net',
          ipv4: ['192.168.122.50'],
          ipv6: ['fe80::5054:ff:fe12:3456'],
        }),
        iface({ name: 'lo', state: 'unknown', mtu: 65536, kind: 'loopback', ipv4: ['127.0.0.1'], ipv6: ['::1'] }),
      ],
      // QEMU's standard VGA is in no name table
      gpus: [
        {
          pciAddress: '0000:00:01.0',
          vendor: null,
          vendorId: '1234',
          deviceId: '1111',
          model: null,
          driver: 'bochs-drm',
          iommuGroup: null,
          memoryBytes: null,
        },
      ],
      warnings: [
        {
          code: 'NO_VIRTUALIZATION',
          message:
            'The CPU shows neither VT-x (vmx) nor AMD-V (svm): this host cannot run virtual machines. Enable nested virtualization for this virtual machine on its hypervisor.',
          path: '/proc/cpuinfo',
        },
        {
          code: 'HOST_ID_PLACEHOLDER',
          message: 'The SMBIOS UUID is a firmware placeholder shared by many boards; it is not used as the hostId',
          path: '/sys/class/dmi/id/product_uuid',
        },
      ],
    });
  });
});

describe('broken: unreadable, truncated and garbage files', () => {
  it('gives a partial inventory with one warning per problem', async () => {
    const inv = await collect('broken', { statfsTimeoutMs: 50 });
    expect(inv.warnings.map((w) => [w.code, w.path ?? null])).toEqual([
      ['ADDRESSES_FAILED', null],
      ['NFS_UNRESPONSIVE', '/mnt/hung'],
      ['PARSE_FAILED', '/proc/cpuinfo'],
      ['PARSE_FAILED', '/proc/meminfo'],
      ['PARSE_FAILED', '/proc/mounts'],
      ['PARSE_FAILED', '/proc/net/if_inet6'],
      // a dangling symlink
      ['READ_FAILED', '/proc/self/mountinfo'],
      ['READ_FAILED', '/proc/sys/kernel/osrelease'],
      ['PARSE_FAILED', '/proc/uptime'],
      ['READ_FAILED', '/sys/block/sda/device/model'],
      ['PARSE_FAILED', '/sys/block/sda/size'],
      // a directory where a file belongs
      ['READ_FAILED', '/sys/block/sdb/size'],
      ['PARSE_FAILED', '/sys/bus/pci/devices/0000:01:00.0/vendor'],
      ['READ_FAILED', '/sys/class/dmi/id/product_uuid'],
      ['READ_FAILED', '/sys/class/iscsi_session/session1/targetname'],
      ['READ_FAILED', '/sys/class/net/eth0/address'],
      ['PARSE_FAILED', '/sys/class/net/eth0/mtu'],
      ['PARSE_FAILED', '/sys/devices/system/cpu/online'],
    ]);
    expect(inv.system).toMatchObject({
      hostname: 'broken-host',
      vendor: null,
      model: null,
      kernel: null,
      uptimeSeconds: null,
      hostIdSource: 'generated',
    });
    expect(inv.cpu).toMatchObject({
      model: null,
      sockets: null,
      cores: null,
      threads: null,
      virtualization: null,
      kvmUsable: false,
      numaNodes: 1,
    });
    // MemTotal survives the truncation; the cut MemFree line is not read as 1203 bytes
    expect(inv.memory).toEqual({
      totalBytes: 16318412 * KiB,
      availableBytes: null,
      swapTotalBytes: null,
      swapFreeBytes: null,
    });
    expect(inv.storage.disks.map((d) => [d.name, d.sizeBytes, d.model])).toEqual([
      ['sda', null, null],
      ['sdb', null, null],
    ]);
    // without mountinfo the root is still matched by its /dev name
    expect(inv.storage.disks[0]?.partitions[0]?.filesystem).toEqual({
      type: 'ext4',
      mountPoint: '/',
      ...blocks(4096, 1000, 500, 400),
    });
    expect(inv.storage.nfs).toEqual([
      {
        server: 'filer',
        export: '/vol/hung',
        source: 'filer:/vol/hung',
        mountPoint: '/mnt/hung',
        version: '3',
        options: 'rw,hard,vers=3,addr=10.9.9.9',
        sizeBytes: null,
        usedBytes: null,
        availableBytes: null,
        responsive: false,
      },
    ]);
    expect(inv.storage.iscsi).toEqual([
      { session: 'session1', targetIqn: null, portalAddress: null, portalPort: null, state: 'FAILED', devices: [] },
    ]);
    // the dangling driver link still names the driver
    expect(inv.network).toEqual([iface({ name: 'eth0', state: 'up', speedMbps: 1000, driver: 'e1000e' })]);
    expect(inv.gpus).toEqual([
      {
        pciAddress: '0000:01:00.0',
        vendor: null,
        vendorId: '',
        deviceId: '1111',
        model: null,
        driver: null,
        iommuGroup: null,
        memoryBytes: null,
      },
    ]);
  });

  it('generates a hostId once, keeps it in the state dir, and reuses it', async () => {
    const first = await collect('broken', { statfsTimeoutMs: 50 });
    expect(first.system.hostId).toMatch(/^[0-9a-f]{8}-[0-9a-f]{4}-4[0-9a-f]{3}-[89ab][0-9a-f]{3}-[0-9a-f]{12}$/);
    expect((await readFile(join(stateDir, 'host-id'), 'utf8')).trim()).toBe(first.system.hostId);
    const second = await collect('broken', { statfsTimeoutMs: 50 });
    expect(second.system.hostId).toBe(first.system.hostId);
  });

  it('answers live usage with nulls where files are garbage', async () => {
    const usage = await createInventoryCollector({ root: join(hosts, 'broken'), stateDir }).usage();
    expect(usage).toEqual({
      cpuPercent: null,
      memoryUsedBytes: null,
      memoryTotalBytes: 16318412 * KiB,
      loadAverage: null,
      uptimeSeconds: null,
    });
  });
});
