import { mkdtemp, rm } from 'node:fs/promises';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import type { Inventory } from '../../common/protocol/inventory.js';
import { INVENTORY_CHANGE_LINE_MAX, INVENTORY_CHANGES_MAX } from '../../common/protocol/vdc-api.js';
import { createInventoryCollector } from '../../host-console/inventory/index.js';
import { AUDIT_SUMMARY_MAX, diffInventory, summariseChanges } from '../../vdc-console/server/inventory-diff.js';

const hosts = fileURLToPath(new URL('../fixtures/hosts/', import.meta.url));
const GiB = 1024 ** 3;

let stateDir: string;
/** The two-socket fixture server as its agent collects it: the "before" of every case. */
let server: Inventory;

beforeAll(async () => {
  stateDir = await mkdtemp(join(tmpdir(), 'qx-diff-'));
  server = await createInventoryCollector({ root: join(hosts, 'server-2s'), stateDir, now: () => 0 }).refresh();
});
afterAll(async () => {
  await rm(stateDir, { recursive: true, force: true });
});

/** A deep copy of the fixture server, changed by `edit`. */
function changed(edit: (inv: Inventory) => void): Inventory {
  const inv = structuredClone(server);
  edit(inv);
  return inv;
}

describe('diffInventory: one line per change an administrator cares about', () => {
  const cases: Record<string, { edit: (inv: Inventory) => void; lines: Array<string | RegExp> }> = {
    // Nothing changed but the collection time and usage figures: no line.
    'a new collection of the same hardware': {
      edit: (inv) => {
        inv.collectedAt = '2030-01-01T00:00:00.000Z';
        inv.memory.availableBytes = 1;
        inv.system.uptimeSeconds = 99;
      },
      lines: [],
    },
    // Memory grows: how much, and from what to what.
    'memory added': {
      edit: (inv) => (inv.memory.totalBytes = server.memory.totalBytes! + 64 * GiB),
      lines: [/^Memory added: 64 GiB \(from .+ to .+\)$/],
    },
    'memory removed': {
      edit: (inv) => (inv.memory.totalBytes = server.memory.totalBytes! - 16 * GiB),
      lines: [/^Memory removed: 16 GiB \(from /],
    },
    // A disk pulled, named with its model and size.
    'a disk gone': {
      edit: (inv) => (inv.storage.disks = inv.storage.disks.filter((d) => d.name !== 'sdb')),
      lines: [/^Disk gone: sdb \(.+, .+\)$/],
    },
    // The same device name with another serial is another disk.
    'a disk swapped under the same name': {
      edit: (inv) => (inv.storage.disks.find((d) => d.name === 'sda')!.serial = 'NEWSERIAL'),
      lines: [/^Disk added: sda /, /^Disk gone: sda /],
    },
    'a NIC down': {
      edit: (inv) => (inv.network.find((n) => n.name === 'eno1')!.state = 'down'),
      lines: ['Network interface eno1 is now down (was up)'],
    },
    'a NIC up again': {
      edit: (inv) => (inv.network.find((n) => n.name === 'eno3')!.state = 'up'),
      lines: ['Network interface eno3 is now up (was down)'],
    },
    // Taps and veths come and go with virtual machines: not hardware.
    'a virtual interface gone': {
      edit: (inv) => (inv.network = inv.network.filter((n) => n.kind !== 'virtual')),
      lines: [],
    },
    'a NIC added': {
      edit: (inv) => inv.network.push({ ...inv.network.find((n) => n.name === 'eno1')!, name: 'eno9', mac: 'aa:bb' }),
      lines: ['Network interface added: eno9 (aa:bb)'],
    },
    'CPU changed': {
      edit: (inv) => {
        inv.cpu.model = 'Xeon Platinum 8480+';
        inv.cpu.cores = 112;
      },
      lines: [/^CPU model changed from .+ to Xeon Platinum 8480\+$/, /^CPU cores changed from 16 to 112$/],
    },
    'KVM no longer usable': {
      edit: (inv) => (inv.cpu.kvmUsable = false),
      lines: ['KVM is no longer usable: virtual machines cannot run'],
    },
    'a GPU gone': {
      edit: (inv) => (inv.gpus = inv.gpus.filter((g) => g.pciAddress !== server.gpus[1]!.pciAddress)),
      lines: [/^GPU gone: .+ at 0000:/],
    },
    'an NFS mount gone and one not answering': {
      edit: (inv) => {
        inv.storage.nfs = inv.storage.nfs.slice(1);
        inv.storage.nfs[0]!.responsive = !inv.storage.nfs[0]!.responsive;
      },
      lines: [/^NFS mount gone: /, /^NFS mount .+ (stopped responding|responds again)$/],
    },
    'an iSCSI session gone': {
      edit: (inv) => (inv.storage.iscsi = inv.storage.iscsi.slice(1)),
      lines: [/^iSCSI session gone: iqn\./],
    },
    'a kernel upgrade': {
      edit: (inv) => (inv.system.kernel = '6.12.0-quantix'),
      lines: [/^Kernel changed from .+ to 6\.12\.0-quantix$/],
    },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const lines = diffInventory(server, changed(c.edit));
      expect(lines).toHaveLength(c.lines.length);
      c.lines.forEach((want, i) => {
        if (typeof want === 'string') expect(lines[i]).toBe(want);
        else expect(lines[i]).toMatch(want);
      });
    });
  }
});

describe('diffInventory: what the host says is hostile input', () => {
  it('shows control characters of host strings as escapes and cuts long ones', () => {
    const lines = diffInventory(
      server,
      changed((inv) => {
        inv.network.push({ ...inv.network[0]!, kind: 'physical', name: `evil\u001b]0;pwned\u0007${'x'.repeat(500)}` });
      }),
    );
    expect(lines).toHaveLength(1);
    expect(lines[0]).not.toMatch(/[\u0000-\u001f\u007f-\u009f]/);
    expect(lines[0]).toContain('evil^[]0;pwned^G');
    expect(lines[0]!.length).toBeLessThanOrEqual(INVENTORY_CHANGE_LINE_MAX);
  });

  it('bounds the list, the last line counting the rest', () => {
    const lines = diffInventory(
      server,
      changed((inv) => {
        for (let i = 0; i < 300; i++)
          inv.storage.disks.push({ ...inv.storage.disks[0]!, name: `sdz${i}`, model: 'm'.repeat(1000) });
      }),
    );
    expect(lines).toHaveLength(INVENTORY_CHANGES_MAX);
    expect(lines.at(-1)).toBe(`and ${300 - INVENTORY_CHANGES_MAX + 1} more changes`);
    for (const l of lines) expect(l.length).toBeLessThanOrEqual(INVENTORY_CHANGE_LINE_MAX);
  });
});

describe('summariseChanges: the audit detail', () => {
  it('says "no change", joins lines, and stays within its bound', () => {
    expect(summariseChanges([])).toBe('no change');
    expect(summariseChanges(['a', 'b'])).toBe('a; b');
    const long = summariseChanges(Array.from({ length: 20 }, () => 'y'.repeat(150)));
    expect(long.length).toBe(AUDIT_SUMMARY_MAX);
    expect(long.endsWith('...')).toBe(true);
  });
});
