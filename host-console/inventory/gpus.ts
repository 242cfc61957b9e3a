/**
 * GPUs: PCI display controllers (class 0x03: VGA 0x0300, 3D 0x0302, other
 * 0x0380, which is where compute cards such as AMD Instinct sit) from
 * /sys/bus/pci/devices. Names come from pci.ids when the host has it, else a
 * small built-in table; memory from nvidia-smi for NVIDIA and from amdgpu's
 * sysfs counters for AMD.
 */
import type { GpuInfo } from '../../common/protocol/inventory.js';
import type { CommandRunner } from './probes.js';
import type { HostSource } from './source.js';

/** PCI class prefixes (class code and subclass) of display controllers. */
const GPU_CLASSES = new Set(['0300', '0302', '0380']);

/** Whether a sysfs `class` value (`0x030200`) is a display controller reported as a GPU. */
export function isGpuClass(pciClass: string | null): boolean {
  const m = /^0x([0-9a-f]{6})$/i.exec(pciClass ?? '');
  return m !== null && GPU_CLASSES.has(m[1]!.slice(0, 4).toLowerCase());
}

/** Short vendor names for the GPU makers seen in servers. */
export const GPU_VENDORS: Readonly<Record<string, string>> = {
  '10de': 'NVIDIA',
  '1002': 'AMD',
  '8086': 'Intel',
  '1a03': 'ASPEED',
  '102b': 'Matrox',
  '1b36': 'Red Hat',
  '1af4': 'Red Hat',
  '15ad': 'VMware',
  '1013': 'Cirrus Logic',
};

/** Device names (as pci.ids spells them) for common server GPUs, used when the host has no pci.ids. */
export const GPU_MODELS: Readonly<Record<string, string>> = {
  '10de:1db4': 'GV100GL [Tesla V100 PCIe 16GB]',
  '10de:1db6': 'GV100GL [Tesla V100 PCIe 32GB]',
  '10de:1eb8': 'TU104GL [Tesla T4]',
  '10de:20b0': 'GA100 [A100 SXM4 40GB]',
  '10de:20b2': 'GA100 [A100 SXM4 80GB]',
  '10de:20b5': 'GA100 [A100 PCIe 80GB]',
  '10de:20b7': 'GA100GL [A30 PCIe]',
  '10de:20f1': 'GA100 [A100 PCIe 40GB]',
  '10de:2230': 'GA102GL [RTX A6000]',
  '10de:2235': 'GA102GL [A40]',
  '10de:2236': 'GA102GL [A10]',
  '10de:25b6': 'GA107GL [A2 / A16]',
  '10de:26b5': 'AD102GL [L40]',
  '10de:26b9': 'AD102GL [L40S]',
  '10de:27b8': 'AD104GL [L4]',
  '10de:2330': 'GH100 [H100 SXM5 80GB]',
  '10de:2331': 'GH100 [H100 PCIe]',
  '1002:738c': 'Arcturus GL-XL [Instinct MI100]',
  '1002:740c': 'Aldebaran/MI200 [Instinct MI250X/MI250]',
  '1002:740f': 'Aldebaran/MI200 [Instinct MI210]',
  '1002:7448': 'Navi 31 [Radeon Pro W7900]',
  '1002:74a1': 'Aqua Vanjaram [Instinct MI300X]',
  '8086:56c0': 'ATS-M [Data Center GPU Flex 170]',
  '8086:56c1': 'ATS-M [Data Center GPU Flex 140]',
  '8086:3e92': 'CoffeeLake-S GT2 [UHD Graphics 630]',
  '1a03:2000': 'ASPEED Graphics Family',
  '1b36:0100': 'QXL paravirtual graphic card',
  '15ad:0405': 'SVGA II Adapter',
  '1013:00b8': 'GD 5446',
};

function endOfLine(text: string, from: number): number {
  const end = text.indexOf('\n', from);
  return end < 0 ? text.length : end;
}

/**
 * Looks up vendor and device names in pci.ids text without parsing the whole
 * 1.4 MB file: a few indexOf calls keep the event loop free.
 */
export function lookupPciIds(
  pciIds: string,
  vendorId: string,
  deviceId: string,
): { vendor: string | null; device: string | null } {
  const head = `${vendorId}  `;
  const found = pciIds.startsWith(head) ? 0 : pciIds.indexOf(`\n${head}`);
  if (found < 0) return { vendor: null, device: null };
  const vendorStart = found === 0 && pciIds.startsWith(head) ? 0 : found + 1;
  const vendorEnd = endOfLine(pciIds, vendorStart);
  const vendor = pciIds.slice(vendorStart + head.length, vendorEnd).trim() || null;
  // The vendor's block ends at the next line that starts with neither a tab nor a comment.
  const boundary = /\n[^\t#\n]/g;
  boundary.lastIndex = vendorEnd;
  const blockEnd = boundary.exec(pciIds)?.index ?? pciIds.length;
  // One tab: a device line; two tabs would be a subsystem line.
  const deviceAt = pciIds.indexOf(`\n\t${deviceId}  `, vendorEnd);
  if (deviceAt < 0 || deviceAt >= blockEnd) return { vendor, device: null };
  const nameStart = deviceAt + 2 + deviceId.length + 2;
  return { vendor, device: pciIds.slice(nameStart, endOfLine(pciIds, nameStart)).trim() || null };
}

/** Parses `nvidia-smi --query-gpu=pci.bus_id,memory.total --format=csv,noheader,nounits` into PCI address → bytes. */
export function parseNvidiaSmiMemory(text: string): Map<string, number> {
  const out = new Map<string, number>();
  for (const line of text.split('\n')) {
    const m = /^\s*([0-9a-f]{4,8}):([0-9a-f]{2}):([0-9a-f]{2})\.([0-7])\s*,\s*(\d+)\s*$/i.exec(line);
    if (!m) continue;
    // nvidia-smi prints an 8-digit domain; sysfs uses 4.
    const domain = m[1]!.slice(-4).toLowerCase();
    out.set(`${domain}:${m[2]!.toLowerCase()}:${m[3]!.toLowerCase()}.${m[4]}`, Number(m[5]) * 1024 * 1024);
  }
  return out;
}

/** Hex id of a sysfs `vendor`/`device` value (`0x10de` → `10de`), or null. */
export function pciId(value: string | null): string | null {
  const m = /^0x([0-9a-f]{4})$/i.exec(value ?? '');
  return m ? m[1]!.toLowerCase() : null;
}

const PCI = '/sys/bus/pci/devices';
const PCI_IDS_PATHS = ['/usr/share/misc/pci.ids', '/usr/share/hwdata/pci.ids'];

async function readPciIds(src: HostSource): Promise<string | null> {
  for (const p of PCI_IDS_PATHS) {
    if (!(await src.exists(p))) continue;
    const text = await src.text(p);
    if (text !== null) return text;
  }
  return null;
}

async function nvidiaMemory(run: CommandRunner, src: HostSource): Promise<Map<string, number>> {
  try {
    const { stdout, exitCode } = await run(
      'nvidia-smi',
      ['--query-gpu=pci.bus_id,memory.total', '--format=csv,noheader,nounits'],
      { timeoutMs: 5000 },
    );
    if (exitCode !== 0) {
      src.warnings.warn(
        'GPU_TOOL_FAILED',
        `nvidia-smi exited with ${exitCode}; NVIDIA GPU memory is unknown (is the driver loaded?)`,
      );
      return new Map();
    }
    return parseNvidiaSmiMemory(stdout);
  } catch (err) {
    // No nvidia-smi is normal: GPUs bound to vfio-pci for passthrough, or no NVIDIA driver installed.
    if ((err as { code?: string }).code !== 'ENOENT')
      src.warnings.warn('GPU_TOOL_FAILED', `nvidia-smi could not run: ${(err as Error).message}`);
    return new Map();
  }
}

/** Reads every GPU; nvidia-smi runs only when an NVIDIA GPU is present. */
export async function readGpus(src: HostSource, run: CommandRunner): Promise<GpuInfo[]> {
  const addresses = await src.list(PCI);
  const classes = await Promise.all(addresses.map((a) => src.attr(`${PCI}/${a}/class`)));
  const gpuAddresses = addresses.filter((_, i) => isGpuClass(classes[i] ?? null));
  if (gpuAddresses.length === 0) return [];
  const devices = await Promise.all(
    gpuAddresses.map(async (address) => {
      const base = `${PCI}/${address}`;
      const [vendor, device, driver, group, vram] = await Promise.all([
        src.attr(`${base}/vendor`),
        src.attr(`${base}/device`),
        src.linkName(`${base}/driver`),
        src.linkName(`${base}/iommu_group`),
        src.attr(`${base}/mem_info_vram_total`),
      ]);
      const vendorId = pciId(vendor);
      const deviceId = pciId(device);
      if (vendor !== null && vendorId === null)
        src.warnings.warn('PARSE_FAILED', `${base}/vendor is not a PCI id`, `${base}/vendor`);
      if (device !== null && deviceId === null)
        src.warnings.warn('PARSE_FAILED', `${base}/device is not a PCI id`, `${base}/device`);
      return { address, vendorId, deviceId, driver, group, vram };
    }),
  );
  const [pciIds, nvidia] = await Promise.all([
    readPciIds(src),
    devices.some((d) => d.vendorId === '10de') ? nvidiaMemory(run, src) : Promise.resolve(new Map<string, number>()),
  ]);
  return devices.map((d) => {
    const names =
      pciIds !== null && d.vendorId !== null && d.deviceId !== null
        ? lookupPciIds(pciIds, d.vendorId, d.deviceId)
        : null;
    const key = `${d.vendorId}:${d.deviceId}`;
    const vram = d.vram !== null && /^\d+$/.test(d.vram) ? Number(d.vram) : null;
    return {
      pciAddress: d.address,
      vendor: (d.vendorId !== null ? GPU_VENDORS[d.vendorId] : undefined) ?? names?.vendor ?? null,
      vendorId: d.vendorId ?? '',
      deviceId: d.deviceId ?? '',
      model: names?.device ?? GPU_MODELS[key] ?? null,
      driver: d.driver,
      iommuGroup: d.group !== null && /^\d+$/.test(d.group) ? Number(d.group) : null,
      memoryBytes: nvidia.get(d.address) ?? vram,
    };
  });
}
