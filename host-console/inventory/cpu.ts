/**
 * Processor summary from /proc/cpuinfo and the sysfs CPU topology, NUMA
 * nodes, and whether this host can run virtual machines at all.
 */
import { vmSupport, type CpuInfo } from '../../common/protocol/inventory.js';
import type { HostSource } from './source.js';

/** What /proc/cpuinfo says, before topology is reconciled with sysfs. */
export interface CpuinfoSummary {
  processors: number;
  model: string | null;
  vendor: string | null;
  /** Highest `cpu MHz` seen, rounded. */
  mhz: number | null;
  flags: Set<string>;
  /** Distinct `physical id` values; empty when the file has none (many VMs, non-x86). */
  packages: Set<string>;
  /** Distinct `physical id:core id` pairs. */
  cores: Set<string>;
}

/** CPU vendor ids as people say them. */
const VENDOR_NAMES: Record<string, string> = {
  GenuineIntel: 'Intel',
  AuthenticAMD: 'AMD',
  HygonGenuine: 'Hygon',
  CentaurHauls: 'Centaur',
};

/** Parses /proc/cpuinfo (x86 field names, with the common non-x86 model and feature keys). */
export function parseCpuinfo(text: string): CpuinfoSummary {
  const out: CpuinfoSummary = {
    processors: 0,
    model: null,
    vendor: null,
    mhz: null,
    flags: new Set(),
    packages: new Set(),
    cores: new Set(),
  };
  let physicalId: string | null = null;
  let coreId: string | null = null;
  const endBlock = () => {
    if (physicalId === null) return;
    out.packages.add(physicalId);
    if (coreId !== null) out.cores.add(`${physicalId}:${coreId}`);
  };
  for (const raw of text.split('\n')) {
    const colon = raw.indexOf(':');
    if (colon < 0) continue;
    const key = raw.slice(0, colon).trim().toLowerCase();
    const value = raw.slice(colon + 1).trim();
    switch (key) {
      case 'processor':
        if (/^\d+$/.test(value)) {
          endBlock();
          physicalId = null;
          coreId = null;
          out.processors++;
        }
        break;
      case 'model name':
      case 'cpu model':
        out.model ??= value || null;
        break;
      case 'vendor_id':
        out.vendor ??= VENDOR_NAMES[value] ?? (value || null);
        break;
      case 'cpu mhz': {
        const mhz = Number(value);
        if (value !== '' && Number.isFinite(mhz) && mhz > 0) out.mhz = Math.max(out.mhz ?? 0, Math.round(mhz));
        break;
      }
      case 'flags':
      case 'features':
        for (const f of value.split(/\s+/)) if (f) out.flags.add(f);
        break;
      case 'physical id':
        physicalId = value;
        break;
      case 'core id':
        coreId = value;
        break;
    }
  }
  endBlock();
  return out;
}

/** Parses a kernel CPU or node list (`0-3,8,10-11`) into its members; null on garbage. */
export function parseCpuList(text: string): number[] | null {
  const t = text.trim();
  if (t === '') return [];
  const out: number[] = [];
  for (const part of t.split(',')) {
    const m = /^(\d+)(?:-(\d+))?$/.exec(part.trim());
    if (!m) return null;
    const from = Number(m[1]);
    const to = m[2] === undefined ? from : Number(m[2]);
    if (to < from || to - from > 65536) return null;
    for (let i = from; i <= to; i++) out.push(i);
  }
  return out;
}

/** The virtualization extension the flags show: vmx (Intel VT-x), svm (AMD-V) or null. */
export function virtualizationFromFlags(flags: Set<string>): CpuInfo['virtualization'] {
  if (flags.has('vmx')) return 'vmx';
  if (flags.has('svm')) return 'svm';
  return null;
}

/** Per-CPU topology from sysfs: the package and the set of sibling threads sharing its core. */
export interface CpuTopology {
  packageId: string;
  siblings: string;
}

/** Sockets and cores from sysfs topology (distinct packages, distinct sibling sets). */
export function countTopology(cpus: CpuTopology[]): { sockets: number; cores: number } {
  return {
    sockets: new Set(cpus.map((c) => c.packageId)).size,
    cores: new Set(cpus.map((c) => `${c.packageId}/${c.siblings}`)).size,
  };
}

const CPU = '/sys/devices/system/cpu';

async function readTopology(src: HostSource): Promise<{ online: number[] | null; topology: CpuTopology[] | null }> {
  const onlineText = await src.attr(`${CPU}/online`);
  const online = onlineText === null ? null : parseCpuList(onlineText);
  if (onlineText !== null && online === null)
    src.warnings.warn('PARSE_FAILED', `${CPU}/online is not a CPU list`, `${CPU}/online`);
  if (online === null || online.length === 0) return { online, topology: null };
  const topology = await Promise.all(
    online.map(async (n) => {
      const [packageId, siblings] = await Promise.all([
        src.attr(`${CPU}/cpu${n}/topology/physical_package_id`),
        src.attr(`${CPU}/cpu${n}/topology/thread_siblings_list`),
      ]);
      return packageId !== null && siblings !== null && /^-?\d+$/.test(packageId) ? { packageId, siblings } : null;
    }),
  );
  // Topology counts only when every online CPU reported it; a partial count would understate the host.
  return { online, topology: topology.every((t) => t !== null) ? topology : null };
}

/** Reads the CPU section; warns when the host cannot run virtual machines. */
export async function readCpu(src: HostSource): Promise<CpuInfo> {
  const [cpuinfoText, topo, maxFreq, nodes, kvmUsable] = await Promise.all([
    src.text('/proc/cpuinfo', { required: true }),
    readTopology(src),
    src.attr(`${CPU}/cpu0/cpufreq/cpuinfo_max_freq`),
    src.list('/sys/devices/system/node'),
    src.usableCharDevice('/dev/kvm'),
  ]);
  const info = cpuinfoText === null ? null : parseCpuinfo(cpuinfoText);
  if (info !== null && info.processors === 0)
    src.warnings.warn('PARSE_FAILED', '/proc/cpuinfo lists no processor', '/proc/cpuinfo');
  const fromCpuinfo = info !== null && info.processors > 0;

  const counted = topo.topology === null ? null : countTopology(topo.topology);
  const threads = topo.online?.length || (fromCpuinfo ? info.processors : null);
  const sockets = counted?.sockets ?? (info && info.packages.size > 0 ? info.packages.size : null);
  const cores = counted?.cores ?? (info && info.cores.size > 0 ? info.cores.size : null);
  const maxKhz = maxFreq !== null && /^\d+$/.test(maxFreq) ? Number(maxFreq) : null;
  const numaNodes = nodes.filter((n) => /^node\d+$/.test(n)).length;
  const virtualization = info === null ? null : virtualizationFromFlags(info.flags);

  const verdict = vmSupport({ virtualization, kvmUsable });
  if (fromCpuinfo && verdict.problem === 'NO_VIRTUALIZATION') {
    // A guest without nested virtualization is fixed on its hypervisor, not in this machine's firmware.
    const fix = info.flags.has('hypervisor')
      ? 'Enable nested virtualization for this virtual machine on its hypervisor.'
      : 'Enable VT-x or AMD-V in the firmware setup.';
    src.warnings.warn(
      'NO_VIRTUALIZATION',
      `The CPU shows neither VT-x (vmx) nor AMD-V (svm): this host cannot run virtual machines. ${fix}`,
      '/proc/cpuinfo',
    );
  } else if (verdict.problem === 'KVM_UNAVAILABLE') {
    src.warnings.warn(
      'KVM_UNAVAILABLE',
      `The CPU supports ${virtualization} but /dev/kvm is not usable: load the kvm_${virtualization === 'vmx' ? 'intel' : 'amd'} module or enable virtualization in the firmware setup.`,
      '/dev/kvm',
    );
  }
  return {
    model: info?.model ?? null,
    vendor: info?.vendor ?? null,
    sockets,
    cores,
    threads,
    mhz: maxKhz !== null && maxKhz > 0 ? Math.round(maxKhz / 1000) : (info?.mhz ?? null),
    numaNodes: numaNodes > 0 ? numaNodes : null,
    virtualization,
    kvmUsable,
  };
}
