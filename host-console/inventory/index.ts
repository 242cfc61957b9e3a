/**
 * Host inventory collection: the agent's only view of the machine's
 * hardware. Static facts are collected once and cached; live usage is cheap
 * and read on demand. Collectors read through an injectable root directory
 * (fixture trees in tests) and never touch the network.
 */
import os from 'node:os';
import { resolve, sep } from 'node:path';
import { setTimeout as sleep } from 'node:timers/promises';
import type { Inventory, LiveUsage, SystemInfo } from '../../common/protocol/inventory.js';
import { readCpu } from './cpu.js';
import { readDisks } from './disks.js';
import { readGpus } from './gpus.js';
import { readIscsi } from './iscsi.js';
import { readMemory } from './memory.js';
import { readMountTable } from './mounts.js';
import { readNetwork } from './network.js';
import { readNfs } from './nfs.js';
import type { AddressProbe, CommandRunner, StatfsProbe } from './probes.js';
import {
  createCapturedAddresses,
  createCapturedRunner,
  createCapturedStatfs,
  createCommandRunner,
  createLiveStatfs,
  liveAddresses,
} from './probes.js';
import { createHostSource, createWarningSink, type HostSource } from './source.js';
import { createSpaceReader, DEFAULT_STATFS_TIMEOUT_MS } from './space.js';
import { readSystem, resolveHostId } from './system.js';
import { readUsage, type CpuTimes } from './usage.js';

/** The probe types a caller can inject, re-exported so the agent imports one module. */
export type { AddressProbe, CommandRunner, FsSpace, StatfsProbe } from './probes.js';

/** Options of an inventory collector. */
export interface InventoryOptions {
  /** Root of /proc, /sys, /etc and /dev; `/` on a real host, a fixture tree in tests. */
  root: string;
  /** Where a generated hostId is kept when the machine has none. */
  stateDir: string;
  /** Runs vendor tools (nvidia-smi) and the isolated network statfs; default execa, or a fixture's captures. */
  run?: CommandRunner;
  /** Current time in ms (injectable). */
  now?: () => number;
  /** Filesystem space of a mount point; default statfs (network filesystems in a child process), or a fixture's captures. */
  statfs?: StatfsProbe;
  /** How long a statfs may take before the mount is reported unresponsive (default 1500 ms). */
  statfsTimeoutMs?: number;
  /** Interface addresses; default os.networkInterfaces(), or a fixture's `ip -j addr` capture. */
  addresses?: AddressProbe;
}

/** Collects and caches a host's inventory. */
export interface InventoryCollector {
  /** Collects everything again and replaces the cache. */
  refresh(): Promise<Inventory>;
  /** The cached inventory, collecting it first if there is none yet. */
  get(): Promise<Inventory>;
  /** Live CPU and memory usage. */
  usage(): Promise<LiveUsage>;
}

/** Gap between the two /proc/stat samples of a first usage() call, which has no earlier sample to compare with. */
const FIRST_SAMPLE_GAP_MS = 100;

async function guarded<T>(
  src: HostSource,
  section: string,
  work: Promise<T>,
  fallback: () => T | Promise<T>,
): Promise<T> {
  try {
    return await work;
  } catch (err) {
    // Collectors turn expected failures into warnings; this catches the unexpected so one section cannot sink the rest.
    src.warnings.warn('COLLECTOR_FAILED', `The ${section} section could not be collected: ${(err as Error).message}`);
    return fallback();
  }
}

async function fallbackSystem(stateDir: string): Promise<SystemInfo> {
  return {
    hostname: os.hostname(),
    vendor: null,
    model: null,
    serial: null,
    biosVendor: null,
    biosVersion: null,
    biosDate: null,
    os: null,
    kernel: null,
    uptimeSeconds: null,
    ...(await resolveHostId(null, null, stateDir)),
  };
}

/** Creates a collector reading the machine (root `/`) or a fixture tree (any other root, tools and statfs from its captures). */
export function createInventoryCollector(opts: InventoryOptions): InventoryCollector {
  const now = opts.now ?? Date.now;
  const root = resolve(opts.root);
  const live = root === sep;
  const timeoutMs = opts.statfsTimeoutMs ?? DEFAULT_STATFS_TIMEOUT_MS;
  const run = opts.run ?? (live ? createCommandRunner() : createCapturedRunner(root));
  const statfs = opts.statfs ?? (live ? createLiveStatfs(root, run, timeoutMs) : createCapturedStatfs(root));
  const addresses = opts.addresses ?? (live ? liveAddresses : createCapturedAddresses(root));

  let cache: Inventory | null = null;
  let inflight: Promise<Inventory> | null = null;
  let lastSample: CpuTimes | null = null;
  let lastPercent: number | null = null;

  const collect = async (): Promise<Inventory> => {
    const warnings = createWarningSink();
    const src = createHostSource(root, warnings);
    const space = createSpaceReader(statfs, timeoutMs, warnings);
    const table = readMountTable(src);
    const [system, cpu, memory, disks, nfs, iscsi, network, gpus, usage] = await Promise.all([
      guarded(src, 'system', readSystem(src, opts.stateDir), () => fallbackSystem(opts.stateDir)),
      guarded(src, 'cpu', readCpu(src), () => ({
        model: null,
        vendor: null,
        sockets: null,
        cores: null,
        threads: null,
        mhz: null,
        numaNodes: null,
        virtualization: null,
        kvmUsable: false,
      })),
      guarded(src, 'memory', readMemory(src), () => ({
        totalBytes: null,
        availableBytes: null,
        swapTotalBytes: null,
        swapFreeBytes: null,
      })),
      guarded(
        src,
        'disks',
        table.then((t) => readDisks(src, t, space)),
        () => [],
      ),
      guarded(
        src,
        'nfs',
        table.then((t) => readNfs(t, space)),
        () => [],
      ),
      guarded(src, 'iscsi', readIscsi(src), () => []),
      guarded(src, 'network', readNetwork(src, addresses), () => []),
      guarded(src, 'gpus', readGpus(src, run), () => []),
      // A baseline for the first usage() call, taken while the disk cache is warm anyway.
      readUsage(createHostSource(root), null).catch(() => null),
    ]);
    if (usage?.sample) lastSample = usage.sample;
    return {
      collectedAt: new Date(now()).toISOString(),
      system,
      cpu,
      memory,
      storage: { disks, nfs, iscsi },
      network,
      gpus,
      // Sections finish in any order; sorting keeps two collections of the same host identical.
      warnings: warnings
        .list()
        .sort((a, b) => (a.path ?? '').localeCompare(b.path ?? '') || a.code.localeCompare(b.code)),
    };
  };

  const refresh = (): Promise<Inventory> => {
    inflight ??= collect()
      .then((inv) => (cache = inv))
      .finally(() => {
        inflight = null;
      });
    return inflight;
  };

  return {
    refresh,
    async get() {
      return cache ?? inflight ?? refresh();
    },
    async usage() {
      // Usage warnings would repeat every heartbeat; the inventory already reports unreadable files.
      const src = createHostSource(root);
      if (lastSample === null) {
        lastSample = (await readUsage(src, null)).sample;
        await sleep(FIRST_SAMPLE_GAP_MS);
      }
      const { usage, sample } = await readUsage(src, lastSample);
      // Two calls within one clock tick see no CPU time pass: repeat the last figure rather than report nothing.
      if (usage.cpuPercent === null) return { ...usage, cpuPercent: lastPercent };
      lastSample = sample;
      lastPercent = usage.cpuPercent;
      return usage;
    },
  };
}
