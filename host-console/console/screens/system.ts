/** The F2 system screen: model, serial, BIOS, OS, CPU, virtualization, memory, storage, GPUs. */
import { vmSupport } from '../../../common/protocol/inventory.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import { plain, seg, type Line } from '../../../common/tui/text.js';
import { formatBytes } from '../../../common/format/bytes.js';
import { formatDuration } from '../../../common/format/duration.js';
import { continued, labelled } from '../render/parts.js';
import type { ConsoleState } from '../types.js';
import type { Screen } from './context.js';
import { infoScreenKeys } from './menu.js';

/** Body of the F2 system screen: everything about the machine in a few rows. */
export function renderSystemBody(state: ConsoleState, g: Glyphs): Line[] {
  const inv = state.inventory;
  if (!inv)
    return [
      [],
      [
        seg(
          state.problem
            ? '  The agent is not reachable; no system information.'
            : `  Collecting system information${g.ellipsis}`,
          'dim',
        ),
      ],
    ];
  const v = (x: string | number | null | undefined): Line => [
    seg(x === null || x === undefined || x === '' ? '-' : plain(String(x))),
  ];
  const sys = inv.system;
  const cpu = inv.cpu;
  const vm = vmSupport(cpu);
  // The short name (`Intel VT-x`): the row has less room than the vDC's CPU tab.
  const ext = vm.extension?.replace(/ \(.*/, '') ?? null;
  const virt = vm.canRunVms
    ? ext
      ? `${ext}, KVM usable`
      : 'KVM usable'
    : ext
      ? `${ext}, KVM not usable (cannot run VMs)`
      : 'none (cannot run VMs)';
  const disks = inv.storage.disks;
  const diskTotal = disks.reduce((n, d) => n + (d.sizeBytes ?? 0), 0);
  const lines: Line[] = [
    [],
    labelled('Model', v([sys.vendor, sys.model].filter(Boolean).join(' '))),
    labelled('Serial', v(sys.serial)),
    labelled('Host ID', v(sys.hostId)),
    labelled('BIOS', v([sys.biosVendor, sys.biosVersion, sys.biosDate].filter(Boolean).join(' '))),
    labelled('OS', v([sys.os, sys.kernel ? `kernel ${sys.kernel}` : null].filter(Boolean).join(', '))),
    labelled('Uptime', v(sys.uptimeSeconds !== null ? formatDuration(sys.uptimeSeconds) : null)),
    [],
    labelled('CPU', v(cpu.model)),
    continued(
      v(
        `${cpu.sockets ?? '?'} socket(s), ${cpu.cores ?? '?'} cores, ${cpu.threads ?? '?'} threads${cpu.mhz ? `, ${Math.round(cpu.mhz)} MHz` : ''}${cpu.numaNodes ? `, ${cpu.numaNodes} NUMA node(s)` : ''}`,
      ),
    ),
    labelled('Virtualize', [seg(vm.canRunVms ? g.ok : g.fail, vm.canRunVms ? 'ok' : 'warn'), seg(' '), ...v(virt)]),
    labelled(
      'Memory',
      v(
        `${formatBytes(inv.memory.totalBytes)} total, ${formatBytes(inv.memory.availableBytes)} available, swap ${formatBytes(inv.memory.swapTotalBytes)}`,
      ),
    ),
    labelled(
      'Storage',
      v(
        `${disks.length} local disk(s), ${formatBytes(diskTotal)}; ${inv.storage.nfs.length} NFS mount(s); ${inv.storage.iscsi.length} iSCSI session(s)`,
      ),
    ),
    labelled('GPUs', v(inv.gpus.length ? inv.gpus.map((x) => x.model ?? x.vendor ?? x.pciAddress).join(', ') : 'none')),
  ];
  if (inv.warnings.length) {
    lines.push([]);
    for (const w of inv.warnings.slice(0, 3)) lines.push([seg('  '), seg(`${g.fail} `, 'warn'), seg(plain(w.message))]);
  }
  return lines;
}

/** The system screen: Esc, the menu, quit. */
export const systemScreen: Screen = {
  title: 'System',
  scrolls: true,
  keys: infoScreenKeys,
  body: ({ state, glyphs }) => renderSystemBody(state, glyphs),
};
