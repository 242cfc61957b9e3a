import { describe, expect, it } from 'vitest';
import {
  parseCpuinfo,
  parseCpuList,
  countTopology,
  virtualizationFromFlags,
} from '../../host-console/inventory/cpu.js';
import {
  diskKind,
  isReportedDisk,
  parseSwaps,
  parseUdevData,
  sectorsToBytes,
  serialFromVpd80,
  transportFromDevicePath,
} from '../../host-console/inventory/disks.js';
import { isGpuClass, lookupPciIds, parseNvidiaSmiMemory, pciId } from '../../host-console/inventory/gpus.js';
import { lunFromScsiAddress, parsePort, sessionNumber } from '../../host-console/inventory/iscsi.js';
import { memoryFromMeminfo, parseMeminfo } from '../../host-console/inventory/memory.js';
import { parseMountinfoDevices, parseMounts, unescapeMountField } from '../../host-console/inventory/mounts.js';
import {
  cleanMac,
  formatIpv6,
  parseIfInet6,
  parseSpeed,
  parseVlanConfig,
} from '../../host-console/inventory/network.js';
import { formatNfsSource, nfsMountsFrom, nfsVersion, splitNfsSource } from '../../host-console/inventory/nfs.js';
import { parseIpAddrJson, parseStatfsOutput, spaceFromBlocks } from '../../host-console/inventory/probes.js';
import {
  cleanDmiValue,
  machineIdAsUuid,
  osName,
  parseOsRelease,
  parseUptime,
  usableSmbiosUuid,
} from '../../host-console/inventory/system.js';
import { cpuPercentBetween, parseLoadavg, parseProcStat } from '../../host-console/inventory/usage.js';

describe('system parsers', () => {
  it.each([
    // a real board UUID is used, lower-cased
    ['4C4C4544-0058-4B10-8032-B7C04F514833', '4c4c4544-0058-4b10-8032-b7c04f514833'],
    // all zeros: unset by the firmware
    ['00000000-0000-0000-0000-000000000000', null],
    // all F: erased EEPROM
    ['FFFFFFFF-FFFF-FFFF-FFFF-FFFFFFFFFFFF', null],
    // the AMI default shared by many boards
    ['03000200-0400-0500-0006-000700080009', null],
    // the same default with the first fields byte-swapped
    ['00020003-0004-0005-0006-000700080009', null],
    // not a UUID at all
    ['Not Settable', null],
    // surrounding whitespace and a newline are tolerated
    ['  8e2a4f1c-3b5d-4e6f-9a7b-1c2d3e4f5a6b\n', '8e2a4f1c-3b5d-4e6f-9a7b-1c2d3e4f5a6b'],
    // unreadable file
    [null, null],
  ])('usableSmbiosUuid(%j) = %j', (raw, want) => {
    expect(usableSmbiosUuid(raw)).toBe(want);
  });

  it.each([
    // 32 hex digits become a UUID
    ['5f2d9e0c8a7b4c1d9e3f6a2b1c0d8e7f\n', '5f2d9e0c-8a7b-4c1d-9e3f-6a2b1c0d8e7f'],
    // systemd's first-boot marker is not an id
    ['uninitialized\n', null],
    // all zeros
    ['00000000000000000000000000000000', null],
    // too short
    ['5f2d9e0c', null],
    // missing file
    [null, null],
  ])('machineIdAsUuid(%j) = %j', (raw, want) => {
    expect(machineIdAsUuid(raw)).toBe(want);
  });

  it.each([
    // real value kept, trailing spaces cut
    ['Dell Inc. ', 'Dell Inc.'],
    // the classic unfilled placeholder, any case
    ['To Be Filled By O.E.M.', null],
    ['Default string', null],
    ['System Serial Number', null],
    // empty attribute
    ['', null],
    [null, null],
  ])('cleanDmiValue(%j) = %j', (raw, want) => {
    expect(cleanDmiValue(raw)).toBe(want);
  });

  it('reads os-release quoting and picks PRETTY_NAME, else NAME VERSION', () => {
    const m = parseOsRelease(
      'NAME="Quantix-OS"\nVERSION=\'1.4 (Helix)\'\nID=quantix\n# comment\nBAD LINE\nESCAPED="a \\"b\\""',
    );
    expect(Object.fromEntries(m)).toEqual({
      NAME: 'Quantix-OS',
      VERSION: '1.4 (Helix)',
      ID: 'quantix',
      ESCAPED: 'a "b"',
    });
    expect(osName(m)).toBe('Quantix-OS 1.4 (Helix)');
    expect(osName(parseOsRelease('PRETTY_NAME="Ubuntu 24.04.1 LTS"\nNAME=Ubuntu'))).toBe('Ubuntu 24.04.1 LTS');
    expect(osName(parseOsRelease(''))).toBeNull();
  });

  it.each([
    ['1234567.89 38765432.10\n', 1234567],
    ['0.50 1.00', 0],
    ['up since tuesday', null],
    ['', null],
  ])('parseUptime(%j) = %j', (text, want) => {
    expect(parseUptime(text)).toBe(want);
  });
});

describe('cpu parsers', () => {
  const block = (n: number, phys: number, core: number, flags = 'fpu vmx sse') =>
    `processor\t: ${n}\nvendor_id\t: GenuineIntel\nmodel name\t: Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz\ncpu MHz\t\t: ${2000 + n}.4\nphysical id\t: ${phys}\ncore id\t\t: ${core}\nflags\t\t: ${flags}\n\n`;

  it('counts processors, packages and cores and keeps the highest MHz', () => {
    // two sockets, two cores each, hyperthreaded: the same core id appears twice per socket
    const text = [
      block(0, 0, 0),
      block(1, 0, 1),
      block(2, 1, 0),
      block(3, 1, 1),
      block(4, 0, 0),
      block(5, 0, 1),
      block(6, 1, 0),
      block(7, 1, 1),
    ].join('');
    const s = parseCpuinfo(text);
    expect(s.processors).toBe(8);
    expect(s.packages.size).toBe(2);
    expect(s.cores.size).toBe(4);
    expect(s.model).toBe('Intel(R) Xeon(R) Gold 6338 CPU @ 2.00GHz');
    expect(s.vendor).toBe('Intel');
    expect(s.mhz).toBe(2007);
    expect(virtualizationFromFlags(s.flags)).toBe('vmx');
  });

  it.each([
    // AMD-V
    ['fpu svm sse', 'svm'],
    // neither: a guest without nested virtualization
    ['fpu hypervisor sse', null],
    // a flag that merely starts like vmx does not count
    ['fpu vmx_ept sse', null],
  ])('virtualization from flags %j is %j', (flags, want) => {
    expect(virtualizationFromFlags(parseCpuinfo(block(0, 0, 0, flags)).flags)).toBe(want);
  });

  it('reads non-x86 cpuinfo without physical ids (Features, no vendor_id)', () => {
    const s = parseCpuinfo(
      'processor\t: 0\nBogoMIPS\t: 50.00\nFeatures\t: fp asimd evtstrm\n\nprocessor\t: 1\nFeatures\t: fp asimd\n',
    );
    expect(s.processors).toBe(2);
    expect(s.packages.size).toBe(0);
    expect(s.vendor).toBeNull();
    expect(s.flags.has('asimd')).toBe(true);
  });

  it('finds no processor in garbage', () => {
    expect(parseCpuinfo('\x7fELF garbage\n\0\0').processors).toBe(0);
  });

  it.each([
    ['0-3', [0, 1, 2, 3]],
    ['0-1,8,10-11\n', [0, 1, 8, 10, 11]],
    ['5', [5]],
    ['', []],
    // garbage and reversed ranges
    ['0-x', null],
    ['3-1', null],
  ])('parseCpuList(%j) = %j', (text, want) => {
    expect(parseCpuList(text)).toEqual(want);
  });

  it('counts sockets and cores from sibling sets', () => {
    // two packages; cpu0/cpu2 share a core, cpu1/cpu3 share another, cpu4 alone on package 1
    const cpus = [
      { packageId: '0', siblings: '0,2' },
      { packageId: '0', siblings: '1,3' },
      { packageId: '0', siblings: '0,2' },
      { packageId: '0', siblings: '1,3' },
      { packageId: '1', siblings: '4' },
    ];
    expect(countTopology(cpus)).toEqual({ sockets: 2, cores: 3 });
  });
});

describe('memory and usage parsers', () => {
  it('converts kB to bytes and falls back when MemAvailable is missing (kernels before 3.14)', () => {
    const { fields, badLines } = parseMeminfo(
      'MemTotal: 1000 kB\nMemFree: 100 kB\nBuffers: 10 kB\nCached: 50 kB\nSwapTotal: 0 kB\nSwapFree: 0 kB\nHugePages_Total: 4\n',
    );
    expect(badLines).toBe(0);
    expect(fields.get('HugePages_Total')).toBe(4);
    expect(memoryFromMeminfo(fields)).toEqual({
      totalBytes: 1024000,
      availableBytes: 160 * 1024,
      swapTotalBytes: 0,
      swapFreeBytes: 0,
    });
  });

  it('drops a truncated line instead of reading kB as bytes', () => {
    const { fields, badLines } = parseMeminfo('MemTotal:       16318412 kB\nMemFree:        1203');
    expect(badLines).toBe(1);
    expect(fields.has('MemFree')).toBe(false);
  });

  it.each([
    // user nice system idle iowait irq softirq steal guest guest_nice: guest is inside user already
    ['cpu  100 10 50 800 20 5 5 10 30 0\ncpu0 1 2 3 4', { busy: 180, total: 1000 }],
    // old kernels with four fields
    ['cpu 1 2 3 4\n', { busy: 6, total: 10 }],
    ['cpu  not numbers', null],
    ['intr 1 2 3', null],
  ])('parseProcStat(%j) = %j', (text, want) => {
    expect(parseProcStat(text)).toEqual(want);
  });

  it.each([
    // 30 of 100 ticks busy
    [{ busy: 100, total: 1000 }, { busy: 130, total: 1100 }, 30],
    // a third, rounded to one decimal
    [{ busy: 0, total: 0 }, { busy: 1, total: 3 }, 33.3],
    // no time passed
    [{ busy: 5, total: 10 }, { busy: 5, total: 10 }, null],
    // counters reset (wrapped or a different host)
    [{ busy: 50, total: 100 }, { busy: 10, total: 200 }, null],
  ])('cpuPercentBetween(%j, %j) = %j', (a, b, want) => {
    expect(cpuPercentBetween(a, b)).toBe(want);
  });

  it.each([
    ['1.25 0.98 0.71 3/1024 45678\n', [1.25, 0.98, 0.71]],
    ['0.5 0.', null],
    ['', null],
  ])('parseLoadavg(%j) = %j', (text, want) => {
    expect(parseLoadavg(text)).toEqual(want);
  });
});

describe('mount parsers', () => {
  it('parses /proc/mounts with octal escapes and counts malformed lines', () => {
    const { mounts, badLines } = parseMounts(
      '/dev/sda1 / ext4 rw 0 0\n[fd00::5]:/a\\040b /mnt/a\\040b nfs4 rw,vers=4.2 0 0\ngarbage\n\n',
    );
    expect(badLines).toBe(1);
    expect(mounts).toEqual([
      { source: '/dev/sda1', mountPoint: '/', fsType: 'ext4', options: 'rw' },
      { source: '[fd00::5]:/a b', mountPoint: '/mnt/a b', fsType: 'nfs4', options: 'rw,vers=4.2' },
    ]);
  });

  it.each([
    ['a\\040b', 'a b'],
    ['tab\\011here', 'tab\there'],
    ['back\\134slash', 'back\\slash'],
    ['plain', 'plain'],
  ])('unescapeMountField(%j) = %j', (field, want) => {
    expect(unescapeMountField(field)).toBe(want);
  });

  it('maps mount points to device numbers from mountinfo', () => {
    const m = parseMountinfoDevices(
      '28 1 8:2 / / rw,relatime shared:1 - ext4 /dev/root rw\n36 28 0:51 / /mnt/vm\\040backups rw - nfs4 x rw\nbad',
    );
    expect(Object.fromEntries(m)).toEqual({ '/': '8:2', '/mnt/vm backups': '0:51' });
  });

  it.each([
    // hostname server
    ['nas01:/export/isos', { server: 'nas01', export: '/export/isos' }],
    // IPv6 server in brackets
    ['[fd00:20::5]:/export/vm', { server: 'fd00:20::5', export: '/export/vm' }],
    // IPv6 without brackets: split where the export path starts
    ['fd00:20::5:/export/vm', { server: 'fd00:20::5', export: '/export/vm' }],
    // NFSv4 pseudo-root
    ['10.0.0.5:/', { server: '10.0.0.5', export: '/' }],
    // not a server:path source
    ['nfsd', null],
    ['[fd00::5]', null],
  ])('splitNfsSource(%j) = %j', (source, want) => {
    expect(splitNfsSource(source)).toEqual(want);
  });

  it('formats IPv6 sources with brackets', () => {
    expect(formatNfsSource('fd00:20::5', '/x')).toBe('[fd00:20::5]:/x');
    expect(formatNfsSource('nas01', '/x')).toBe('nas01:/x');
  });

  it.each([
    ['nfs', 'rw,vers=3,hard', '3'],
    ['nfs4', 'rw,vers=4.2', '4.2'],
    ['nfs', 'rw,nfsvers=4.1', '4.1'],
    // nfs4 without a version option is still version 4
    ['nfs4', 'rw', '4'],
    // plain nfs without an option: unknown, not guessed
    ['nfs', 'rw', null],
  ])('nfsVersion(%j, %j) = %j', (type, options, want) => {
    expect(nfsVersion(type, options)).toBe(want);
  });

  it('keeps only nfs and nfs4 mounts', () => {
    const { mounts } = parseMounts(
      'a:/x /x nfs rw,vers=3 0 0\nb:/y /y nfs4 rw 0 0\n//srv/s /s cifs rw 0 0\n/dev/sda1 / ext4 rw 0 0',
    );
    expect(nfsMountsFrom(mounts).map((m) => [m.source, m.version])).toEqual([
      ['a:/x', '3'],
      ['b:/y', '4'],
    ]);
  });

  it.each([
    ['4096 100 40 30\n', { sizeBytes: 409600, usedBytes: 245760, availableBytes: 122880 }],
    ['4096 100 40', null],
    ['stat: cannot read file system information', null],
  ])('parseStatfsOutput(%j) = %j', (text, want) => {
    expect(parseStatfsOutput(text)).toEqual(want);
  });

  it('computes used like df (total minus free, not minus available)', () => {
    expect(spaceFromBlocks(1024, 10, 4, 2)).toEqual({ sizeBytes: 10240, usedBytes: 6144, availableBytes: 2048 });
  });
});

describe('disk parsers', () => {
  it.each([
    ['sda', true],
    ['nvme0n1', true],
    ['vda', true],
    // memory and file backed devices, device-mapper views and network block devices
    ['loop0', false],
    ['ram0', false],
    ['zram0', false],
    ['dm-3', false],
    ['nbd0', false],
  ])('isReportedDisk(%j) = %j', (name, want) => {
    expect(isReportedDisk(name)).toBe(want);
  });

  it.each([
    // SATA behind AHCI
    ['/sys/devices/pci0000:00/0000:00:17.0/ata1/host0/target0:0:0/0:0:0:0/block/sda', 'sda', 'sata'],
    // SAS HBA with an end device
    [
      '/sys/devices/pci0000:16/0000:16:02.0/0000:18:00.0/host2/port-2:0/end_device-2:0/target2:0:0/2:0:0:0/block/sdb',
      'sdb',
      'sas',
    ],
    // iSCSI LUN under a session
    ['/sys/devices/platform/host7/session1/target7:0:0/7:0:0:0/block/sdc', 'sdc', 'iscsi'],
    // USB stick
    ['/sys/devices/pci0000:00/0000:00:14.0/usb2/2-1/2-1:1.0/host6/target6:0:0/6:0:0:0/block/sdf', 'sdf', 'usb'],
    // virtio disk
    ['/sys/devices/pci0000:00/0000:00:04.0/virtio2/block/vda', 'vda', 'virtio'],
    // NVMe by name even without a path
    [null, 'nvme0n1', 'nvme'],
    // virtio-scsi or another SCSI HBA
    ['/sys/devices/pci0000:00/0000:00:05.0/virtio3/host1/target1:0:0/1:0:0:0/block/sdg', 'sdg', 'virtio'],
    ['/sys/devices/pci0000:00/0000:00:10.0/host3/target3:0:0/3:0:0:0/block/sdh', 'sdh', 'scsi'],
    // eMMC
    ['/sys/devices/platform/soc/mmc_host/mmc0/mmc0:0001/block/mmcblk0', 'mmcblk0', 'mmc'],
    // unknown placement
    ['/sys/devices/virtual/block/md0', 'md0', null],
  ])('transportFromDevicePath(%j, %j) = %j', (path, name, want) => {
    expect(transportFromDevicePath(path, name)).toBe(want);
  });

  it.each([
    ['nvme0n1', 'nvme', '0', 'nvme'],
    ['sda', 'sata', '0', 'ssd'],
    ['sdb', 'sas', '1', 'hdd'],
    // virtio's rotational flag is a kernel default, not a property of the disk
    ['vda', 'virtio', '1', 'unknown'],
    ['sdc', 'sata', null, 'unknown'],
  ] as const)('diskKind(%j, %j, %j) = %j', (name, transport, rotational, want) => {
    expect(diskKind(name, transport, rotational)).toBe(want);
  });

  it.each([
    // header (peripheral, page 0x80, length) then ASCII padded with spaces
    [Buffer.from([0x00, 0x80, 0x00, 0x0a, ...Buffer.from('  S6PTNM0T')]), 'S6PTNM0T'],
    // a different page
    [Buffer.from([0x00, 0x83, 0x00, 0x02, 0x41, 0x42]), null],
    // truncated header
    [Buffer.from([0x00, 0x80]), null],
    // empty serial
    [Buffer.from([0x00, 0x80, 0x00, 0x02, 0x20, 0x20]), null],
  ])('serialFromVpd80(%#)', (page, want) => {
    expect(serialFromVpd80(page)).toBe(want);
  });

  it('reads udev properties, /proc/swaps and sector counts', () => {
    expect(
      Object.fromEntries(parseUdevData('S:disk/by-id/x\nE:ID_FS_TYPE=xfs\nE:ID_SERIAL_SHORT=ZA1\nG:systemd')),
    ).toEqual({ ID_FS_TYPE: 'xfs', ID_SERIAL_SHORT: 'ZA1' });
    expect(
      parseSwaps(
        'Filename Type Size Used Priority\n/dev/sda3  partition\t16777212\t1024\t-2\n/swapfile file 100 0 -3\ntruncated',
      ),
    ).toEqual([
      { device: '/dev/sda3', sizeBytes: 16777212 * 1024, usedBytes: 1024 * 1024 },
      { device: '/swapfile', sizeBytes: 100 * 1024, usedBytes: 0 },
    ]);
    expect(sectorsToBytes('1953525168')).toBe(1000204886016);
    expect(sectorsToBytes('lots')).toBeNull();
  });
});

describe('iSCSI parsers', () => {
  it('reads SCSI addresses, session names and ports', () => {
    expect(lunFromScsiAddress('7:0:0:12')).toBe(12);
    expect(lunFromScsiAddress('target7:0:0')).toBeNull();
    expect(sessionNumber('session12')).toBe('12');
    expect(sessionNumber('sessionX')).toBeNull();
    expect(parsePort('3260')).toBe(3260);
    expect(parsePort('70000')).toBeNull();
    expect(parsePort(null)).toBeNull();
  });
});

describe('network parsers', () => {
  it('reads /proc/net/vlan/config', () => {
    const text =
      'VLAN Dev name\t | VLAN ID\nName-Type: VLAN_NAME_TYPE_RAW_PLUS_VID_NO_PAD\nbond0.100      | 100  | bond0\neth1.7 | 7 | eth1\n';
    expect(Object.fromEntries(parseVlanConfig(text))).toEqual({
      'bond0.100': { parent: 'bond0', id: 100 },
      'eth1.7': { parent: 'eth1', id: 7 },
    });
  });

  it.each([
    ['00000000000000000000000000000001', '::1'],
    ['fe800000000000003efdfefffe123401', 'fe80::3efd:feff:fe12:3401'],
    ['fd000020000000000000000000000011', 'fd00:20::11'],
    // a single zero group is not compressed (RFC 5952)
    ['20010db8000000010001000100010001', '2001:db8:0:1:1:1:1:1'],
    // the longest run wins, the first on a tie
    ['20010db8000000000001000000000001', '2001:db8::1:0:0:1'],
    ['00000000000000000000000000000000', '::'],
    ['fe800000000000000211', null],
  ])('formatIpv6(%j) = %j', (hex, want) => {
    expect(formatIpv6(hex)).toBe(want);
  });

  it('groups if_inet6 by interface and counts malformed lines', () => {
    const { addresses, badLines } = parseIfInet6(
      '00000000000000000000000000000001 01 80 10 80       lo\nfe800000000000003efdfefffe123401 07 40 20 80      br0\nfe800000000000000211\n',
    );
    expect(Object.fromEntries(addresses)).toEqual({ lo: ['::1'], br0: ['fe80::3efd:feff:fe12:3401'] });
    expect(badLines).toBe(1);
  });

  it.each([
    ['3C:FD:FE:12:34:01', '3c:fd:fe:12:34:01'],
    // loopback and tunnels have an all-zero address
    ['00:00:00:00:00:00', null],
    ['garbage', null],
    [null, null],
  ])('cleanMac(%j) = %j', (mac, want) => {
    expect(cleanMac(mac)).toBe(want);
  });

  it.each([
    ['10000', 10000],
    // unknown speed as the kernel reports it
    ['-1', null],
    ['4294967295', null],
    ['0', null],
    [null, null],
  ])('parseSpeed(%j) = %j', (text, want) => {
    expect(parseSpeed(text)).toBe(want);
  });

  it('reads `ip -j addr` output and rejects garbage', () => {
    const map = parseIpAddrJson(
      JSON.stringify([
        {
          ifname: 'br0',
          addr_info: [
            { family: 'inet', local: '10.0.0.1' },
            { family: 'inet6', local: 'fd00::1' },
          ],
        },
        { ifname: 'eno1' },
      ]),
    );
    expect(map && Object.fromEntries(map)).toEqual({
      br0: { ipv4: ['10.0.0.1'], ipv6: ['fd00::1'] },
      eno1: { ipv4: [], ipv6: [] },
    });
    expect(parseIpAddrJson('{"truncated": [')).toBeNull();
    expect(parseIpAddrJson('{}')).toBeNull();
  });
});

describe('GPU parsers', () => {
  it.each([
    ['0x030000', true],
    ['0x030200', true],
    // display controller "other": where AMD Instinct and some NVIDIA compute cards sit
    ['0x038000', true],
    // Ethernet, NVMe, audio on a GPU
    ['0x020000', false],
    ['0x010802', false],
    ['0x040300', false],
    ['garbage', false],
    [null, false],
  ])('isGpuClass(%j) = %j', (cls, want) => {
    expect(isGpuClass(cls)).toBe(want);
  });

  const pciIds = [
    '# comment 10de  fake',
    '10de  NVIDIA Corporation',
    '\t1eb8  TU104GL [Tesla T4]',
    '\t\t10de 2236  subsystem line that must not match',
    '\t20b5  GA100 [A100 PCIe 80GB]',
    '10df  Emulex Corporation',
    '\t2236  Not a GPU',
    '1002  Advanced Micro Devices, Inc. [AMD/ATI]',
    '\t740f  Aldebaran/MI200 [Instinct MI210]',
    'C 03  Display controller',
    '\t02  3D controller',
  ].join('\n');

  it.each([
    ['10de', '20b5', { vendor: 'NVIDIA Corporation', device: 'GA100 [A100 PCIe 80GB]' }],
    // device id present only under another vendor and as a subsystem id: not a match
    ['10de', '2236', { vendor: 'NVIDIA Corporation', device: null }],
    // last vendor before the class section
    ['1002', '740f', { vendor: 'Advanced Micro Devices, Inc. [AMD/ATI]', device: 'Aldebaran/MI200 [Instinct MI210]' }],
    // unknown vendor
    ['1234', '1111', { vendor: null, device: null }],
  ])('lookupPciIds(%j, %j)', (vendor, device, want) => {
    expect(lookupPciIds(pciIds, vendor, device)).toEqual(want);
  });

  it('maps nvidia-smi bus ids to sysfs addresses', () => {
    const m = parseNvidiaSmiMemory('00000000:3B:00.0, 81920\n00000000:AF:00.0, 24576\nNo devices were found\n');
    expect(Object.fromEntries(m)).toEqual({ '0000:3b:00.0': 81920 * 1024 * 1024, '0000:af:00.0': 24576 * 1024 * 1024 });
  });

  it('reads PCI ids', () => {
    expect(pciId('0x10DE')).toBe('10de');
    expect(pciId('0xZZZZ')).toBeNull();
  });
});
