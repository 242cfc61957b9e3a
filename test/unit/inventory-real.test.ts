import { mkdtemp, rm } from 'node:fs/promises';
import os from 'node:os';
import { join } from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { vmSupport, type Inventory } from '../../common/protocol/inventory.js';
import { createInventoryCollector } from '../../host-console/inventory/index.js';

const UUID = /^[0-9a-f]{8}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{4}-[0-9a-f]{12}$/;
const nullableNumber = (v: unknown) => v === null || (typeof v === 'number' && Number.isFinite(v) && v >= 0);
const nullableString = (v: unknown) => v === null || (typeof v === 'string' && v.length > 0);

let stateDir: string;
let inv: Inventory;
beforeAll(async () => {
  stateDir = await mkdtemp(join(os.tmpdir(), 'qx-inv-real-'));
  inv = await createInventoryCollector({ root: '/', stateDir }).refresh();
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

describe('this machine', () => {
  it('identifies the system as the OS does', () => {
    expect(inv.system.hostname).toBe(os.hostname());
    expect(inv.system.kernel).toBe(os.release());
    expect(inv.system.hostId).toMatch(UUID);
    expect(['smbios', 'machine-id', 'generated']).toContain(inv.system.hostIdSource);
    expect(Math.abs((inv.system.uptimeSeconds ?? -1) - os.uptime())).toBeLessThan(60);
    for (const k of ['vendor', 'model', 'serial', 'biosVendor', 'biosVersion', 'biosDate', 'os'] as const)
      expect(nullableString(inv.system[k])).toBe(true);
  });

  it('counts the CPUs Node sees and the memory the kernel reports', () => {
    expect(inv.cpu.threads).toBe(os.cpus().length);
    expect(inv.cpu.cores).toBeGreaterThanOrEqual(1);
    expect(inv.cpu.cores).toBeLessThanOrEqual(inv.cpu.threads ?? 0);
    expect(inv.cpu.sockets).toBeGreaterThanOrEqual(1);
    expect(typeof inv.cpu.model).toBe('string');
    expect(nullableNumber(inv.cpu.mhz)).toBe(true);
    expect([null, 'vmx', 'svm']).toContain(inv.cpu.virtualization);
    expect(typeof inv.cpu.kvmUsable).toBe('boolean');
    // a host that cannot run virtual machines says so in a warning the operator will see
    const problem = vmSupport(inv.cpu).problem;
    if (problem) expect(inv.warnings.map((w) => w.code)).toContain(problem);
    else expect(inv.warnings.map((w) => w.code)).not.toContain('NO_VIRTUALIZATION');
    expect(inv.memory.totalBytes).toBe(os.totalmem());
    expect(inv.memory.availableBytes).toBeGreaterThan(0);
    expect(inv.memory.availableBytes).toBeLessThanOrEqual(os.totalmem());
  });

  it('lists disks with a kind, and the root filesystem with its usage', () => {
    expect(inv.storage.disks.length).toBeGreaterThan(0);
    for (const d of inv.storage.disks) {
      expect(d.name).not.toMatch(/^(loop|ram|zram|dm-)/);
      expect(['nvme', 'ssd', 'hdd', 'unknown']).toContain(d.kind);
      expect(nullableNumber(d.sizeBytes)).toBe(true);
      expect(typeof d.removable).toBe('boolean');
    }
    const filesystems = inv.storage.disks
      .flatMap((d) => [d.filesystem, ...d.partitions.map((p) => p.filesystem)])
      .filter((f) => f !== null);
    const root = filesystems.find((f) => f.mountPoint === '/');
    if (root) {
      expect(root.sizeBytes).toBeGreaterThan(0);
      expect((root.usedBytes ?? 0) + (root.availableBytes ?? 0)).toBeLessThanOrEqual(root.sizeBytes ?? 0);
    }
    for (const m of inv.storage.nfs) expect(typeof m.responsive).toBe('boolean');
    expect(Array.isArray(inv.storage.iscsi)).toBe(true);
  });

  it('lists every interface Node sees, with its addresses', () => {
    const names = inv.network.map((n) => n.name);
    for (const [name, addrs] of Object.entries(os.networkInterfaces())) {
      expect(names).toContain(name);
      const mine = inv.network.find((n) => n.name === name)!;
      for (const a of addrs ?? []) expect(a.family === 'IPv4' ? mine.ipv4 : mine.ipv6).toContain(a.address);
    }
    for (const n of inv.network) {
      expect(['physical', 'bond', 'bridge', 'vlan', 'virtual', 'loopback']).toContain(n.kind);
      expect(nullableNumber(n.mtu)).toBe(true);
      if (n.mac !== null) expect(n.mac).toMatch(/^[0-9a-f]{2}(:[0-9a-f]{2}){5}$/);
    }
    expect(inv.network.find((n) => n.name === 'lo')?.kind).toBe('loopback');
  });

  it('reports GPUs as PCI devices, and every warning with a code', () => {
    for (const g of inv.gpus) {
      expect(g.pciAddress).toMatch(/^[0-9a-f]{4}:[0-9a-f]{2}:[0-9a-f]{2}\.[0-7]$/);
      expect(g.vendorId).toMatch(/^[0-9a-f]{4}$/);
    }
    for (const w of inv.warnings) expect(w.code).toMatch(/^[A-Z_]+$/);
  });

  it('reads live usage', async () => {
    const usage = await createInventoryCollector({ root: '/', stateDir }).usage();
    expect(usage.cpuPercent === null || (usage.cpuPercent >= 0 && usage.cpuPercent <= 100)).toBe(true);
    expect(usage.memoryTotalBytes).toBe(os.totalmem());
    expect(usage.memoryUsedBytes).toBeGreaterThan(0);
    expect(usage.loadAverage).toHaveLength(3);
    expect(usage.uptimeSeconds).toBeGreaterThan(0);
  });
});
