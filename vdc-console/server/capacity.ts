/**
 * The hardware figures the consoles' tables show, taken once from an
 * inventory when it is stored, so listing a thousand hosts never parses a
 * thousand inventories.
 */
import type { Inventory } from '../../common/protocol/inventory.js';
import type { NodeCapacity } from '../../common/protocol/vdc-api.js';

/** Summarises an inventory for the host tables. */
export function capacityOf(inventory: Inventory): NodeCapacity {
  const sizes = inventory.storage.disks.map((d) => d.sizeBytes).filter((s): s is number => typeof s === 'number');
  return {
    cpuModel: inventory.cpu.model ?? null,
    cpuCores: inventory.cpu.cores ?? null,
    cpuThreads: inventory.cpu.threads ?? null,
    memoryTotalBytes: inventory.memory.totalBytes ?? null,
    localStorageBytes: sizes.length ? sizes.reduce((a, b) => a + b, 0) : null,
    nfsMounts: inventory.storage.nfs.length,
    iscsiSessions: inventory.storage.iscsi.length,
    gpus: inventory.gpus.length,
  };
}
