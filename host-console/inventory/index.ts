/**
 * Host inventory collection: the agent's only view of the machine's
 * hardware. Static facts are collected once and cached; live usage is cheap
 * and read on demand. Collectors read through an injectable root directory
 * (fixture trees in tests) and never touch the network.
 */
import { randomUUID } from 'node:crypto';
import os from 'node:os';
import type { Inventory, LiveUsage } from '../../common/protocol/inventory.js';

/** Runs an external command (injectable so tests need no real tools). */
export type CommandRunner = (file: string, args: string[], opts?: { timeoutMs?: number }) => Promise<{ stdout: string; exitCode: number }>;

/** Options of an inventory collector. */
export interface InventoryOptions {
  /** Root of /proc, /sys, /etc and /dev; `/` on a real host, a fixture tree in tests. */
  root: string;
  /** Where a generated hostId is kept when the machine has none. */
  stateDir: string;
  run?: CommandRunner;
  /** Current time in ms (injectable). */
  now?: () => number;
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

/** Creates a collector. This first version reads only what Node reports. */
export function createInventoryCollector(opts: InventoryOptions): InventoryCollector {
  const now = opts.now ?? Date.now;
  let cache: Inventory | null = null;
  const hostId = randomUUID();
  const collect = async (): Promise<Inventory> => {
    const cpus = os.cpus();
    return {
      collectedAt: new Date(now()).toISOString(),
      system: {
        hostname: os.hostname(),
        vendor: null,
        model: null,
        serial: null,
        biosVendor: null,
        biosVersion: null,
        biosDate: null,
        os: `${os.type()} ${os.release()}`,
        kernel: os.release(),
        uptimeSeconds: Math.round(os.uptime()),
        hostId,
        hostIdSource: 'generated',
      },
      cpu: {
        model: cpus[0]?.model ?? null,
        vendor: null,
        sockets: null,
        cores: null,
        threads: cpus.length,
        mhz: cpus[0]?.speed ?? null,
        numaNodes: null,
        virtualization: null,
        kvmUsable: false,
      },
      memory: { totalBytes: os.totalmem(), availableBytes: os.freemem(), swapTotalBytes: null, swapFreeBytes: null },
      storage: { disks: [], nfs: [], iscsi: [] },
      network: [],
      gpus: [],
      warnings: [],
    };
  };
  return {
    async refresh() {
      cache = await collect();
      return cache;
    },
    async get() {
      return cache ?? (cache = await collect());
    },
    async usage() {
      return {
        cpuPercent: null,
        memoryUsedBytes: os.totalmem() - os.freemem(),
        memoryTotalBytes: os.totalmem(),
        loadAverage: os.loadavg() as [number, number, number],
        uptimeSeconds: Math.round(os.uptime()),
      };
    },
  };
}
