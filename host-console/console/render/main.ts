/**
 * The main screen and the information screens (F2 system, F3 network):
 * pure functions from console state and a clock value to lines.
 */
import { describeError } from '../../../common/cli/error-line.js';
import { vmSupport, type Inventory } from '../../../common/protocol/inventory.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import { plain, seg, wrapText, type Line } from '../../../common/tui/text.js';
import type { ConsoleState, HostStatusView, ManagementAddress } from '../types.js';
import { agentUrl, ago, bytes, clockUtc, dateTimeUtc, timeOf } from './format.js';

const LABEL_WIDTH = 13;

/** A labelled row: two-space indent, label column, value. */
export function labelled(label: string, value: Line): Line {
  return [seg('  '), seg(label.padEnd(LABEL_WIDTH), 'label'), ...value];
}

/** A continuation row under a labelled one. */
export function continued(value: Line): Line {
  return [seg('  ' + ' '.repeat(LABEL_WIDTH)), ...value];
}

/** Management addresses as `https://addr:port   iface` rows. */
export function renderAddresses(addresses: readonly ManagementAddress[], port: number, label = 'Management'): Line[] {
  if (addresses.length === 0) return [labelled(label, [seg('no address yet (waiting for the network)', 'warn')])];
  const urls = addresses.map((a) => plain(agentUrl(a.address, port)));
  const w = Math.max(...urls.map((u) => u.length)) + 4;
  return addresses.map((a, i) => {
    const row: Line = [seg(urls[i]!.padEnd(w), 'value'), seg(plain(a.interface ?? ''), 'dim')];
    return i === 0 ? labelled(label, row) : continued(row);
  });
}

/** Hardware summary in two rows: model and CPU, then memory and storage counts. */
export function renderHardware(inv: Inventory | null, g: Glyphs): Line[] {
  if (!inv) return [labelled('Hardware', [seg(`collecting${g.ellipsis}`, 'dim')])];
  const sep = ` ${g.middot} `;
  const model = [inv.system.vendor, inv.system.model].filter(Boolean).join(' ') || 'unknown model';
  const sockets = inv.cpu.sockets ?? 1;
  const cpu = inv.cpu.model ? `${sockets > 1 ? `${sockets}${g.times} ` : ''}${inv.cpu.model}` : 'unknown CPU';
  const threads = inv.cpu.threads !== null ? `${inv.cpu.threads} threads` : null;
  const first = [model, cpu, threads].filter(Boolean).map((s) => plain(s)).join(sep);
  const s = inv.storage;
  const parts = [
    `${bytes(inv.memory.totalBytes)} memory`,
    `${s.disks.length} disk${s.disks.length === 1 ? '' : 's'}`,
    ...(s.nfs.length ? [`${s.nfs.length} NFS`] : []),
    ...(s.iscsi.length ? [`${s.iscsi.length} iSCSI`] : []),
    `${inv.gpus.length} GPU${inv.gpus.length === 1 ? '' : 's'}`,
  ];
  return [labelled('Hardware', [seg(first)]), continued([seg(parts.join(sep))])];
}

/** The membership rows: standalone, or managed by vDC X in cluster Y since T, with the last contact. */
export function renderMembership(status: HostStatusView, now: number, g: Glyphs): Line[] {
  const m = status.membership;
  if (!m) return [labelled('Status', [seg(g.dotOff, 'dim'), seg(' Standalone: not managed by a vDC')])];
  const joined = timeOf(m.joinedAt);
  const contact = timeOf(m.lastContactAt);
  const first: Line = [seg(g.dotOn, 'ok'), seg(' Managed by vDC '), seg(plain(m.vdcName), 'value')];
  if (m.vdcUrl) first.push(seg(` (${plain(m.vdcUrl)})`));
  const second: Line = [seg('  cluster '), seg(plain(m.clusterName), 'value')];
  if (joined !== null) second.push(seg(`, since ${dateTimeUtc(joined)}`));
  return [labelled('Status', first), continued(second), continued(renderLastContact(contact, joined, now))];
}

/** Seconds without a call from the vDC after which the console points it out (the vDC checks every 15 s by default). */
export const CONTACT_STALE_SECONDS = 90;

/**
 * When the vDC last called this host over mutual TLS. A vDC that went away
 * stops calling; once that is well past its polling period the row says so,
 * with the clock time, so the operator at the console knows since when.
 */
export function renderLastContact(contactMs: number | null, joinedMs: number | null, now: number): Line {
  const since = contactMs ?? joinedMs;
  const stale = since !== null && now - since >= CONTACT_STALE_SECONDS * 1000;
  if (contactMs === null) {
    return [seg(stale ? `  no contact from the vDC since the join (${clockUtc(joinedMs!)})` : '  no contact from the vDC yet', stale ? 'warn' : 'dim')];
  }
  if (!stale) return [seg(`  last contact ${ago(contactMs, now)}`, 'dim')];
  return [seg(`  last contact ${ago(contactMs, now)} (${clockUtc(contactMs)}), vDC not heard from`, 'warn')];
}

/** What the console tried and why it failed, while the agent is unreachable. */
export function renderProblem(state: ConsoleState, now: number, g: Glyphs, width = 78): Line[] {
  const p = state.problem;
  if (!p) return [];
  const wait = Math.max(0, Math.ceil((p.nextAttemptAt - now) / 1000));
  const headline = p.code === 'PERMISSION_DENIED' ? "permission denied on quantix-node's socket" : 'quantix-node is not answering';
  return [
    labelled('Agent', [seg(`${g.fail} `, 'error'), seg(headline, 'error')]),
    continued([seg(`Tried ${plain(p.target)}:`)]),
    ...wrapText(describeError({ code: p.code, message: p.message, hint: p.hint ?? undefined }), width - 17).map((t) => continued([seg(t)])),
    continued([seg(`Retrying ${wait > 0 ? `in ${wait} s` : 'now'}; attempt ${p.attempts} since ${dateTimeUtc(p.since)}.`, 'dim')]),
  ];
}

/** Body of the main screen. */
export function renderMainBody(state: ConsoleState, now: number, g: Glyphs, width = 78): Line[] {
  const s = state.status;
  const lines: Line[] = [[]];
  if (!s) {
    const unknown = state.problem?.code === 'PERMISSION_DENIED' ? 'unknown (no permission to ask the agent)' : 'unknown (agent not reachable)';
    lines.push(labelled('Host', [seg(state.problem ? unknown : `asking quantix-node${g.ellipsis}`, 'dim')]));
  } else {
    lines.push(labelled('Host', [seg(plain(s.hostname), 'title')]));
    lines.push(...renderAddresses(s.addresses, s.port));
    lines.push(...renderHardware(state.inventory, g));
    lines.push(...renderMembership(s, now, g));
  }
  if (state.problem) {
    lines.push([]);
    lines.push(...renderProblem(state, now, g, width));
  } else if (s) {
    lines.push([]);
    lines.push(
      s.membership
        ? [seg('  To move this host to another vDC, leave the cluster first: press '), seg('F9', 'key'), seg(' (or 9).')]
        : [seg('  To add this host to a cluster press '), seg('F4', 'key'), seg(' (or 4) for a registration token.')],
    );
  }
  return lines;
}

/** Status-line text when no message is showing: agent state and token state. */
export function renderAgentSummary(state: ConsoleState, now: number, g: Glyphs): Line {
  const agent = seg(' quantix-node: ', 'label');
  if (state.problem) return [agent, seg(state.problem.code === 'PERMISSION_DENIED' ? 'permission denied' : 'unreachable', 'error'), seg(`, retrying (${plain(state.problem.code)})`)];
  if (!state.status) return [agent, seg('connecting')];
  const t = state.token;
  const exp = t ? timeOf(t.expiresAt) : null;
  let token = 'none';
  if (state.status.membership) token = 'not needed (managed)';
  else if (t && exp !== null && exp > now) token = `active, ${Math.ceil((exp - now) / 60_000)} min left`;
  else if (t) token = 'expired';
  else if (state.tokenLost === 'restarted') token = 'gone (the agent restarted)';
  else if (state.status.tokenEnded === 'revoked') token = 'revoked (F4 says why)';
  return [agent, seg('running'), seg(` ${g.middot} `), seg('token: ', 'label'), seg(token)];
}

/** Body of the F2 system screen: everything about the machine in a few rows. */
export function renderSystemBody(state: ConsoleState, g: Glyphs): Line[] {
  const inv = state.inventory;
  if (!inv) return [[], [seg(state.problem ? '  The agent is not reachable; no system information.' : `  Collecting system information${g.ellipsis}`, 'dim')]];
  const v = (x: string | number | null | undefined): Line => [seg(x === null || x === undefined || x === '' ? '-' : plain(String(x)))];
  const sys = inv.system;
  const cpu = inv.cpu;
  const vm = vmSupport(cpu);
  // The short name (`Intel VT-x`): the row has less room than the vDC's CPU tab.
  const ext = vm.extension?.replace(/ \(.*/, '') ?? null;
  const virt = vm.canRunVms ? (ext ? `${ext}, KVM usable` : 'KVM usable') : ext ? `${ext}, KVM not usable (cannot run VMs)` : 'none (cannot run VMs)';
  const disks = inv.storage.disks;
  const diskTotal = disks.reduce((n, d) => n + (d.sizeBytes ?? 0), 0);
  const lines: Line[] = [
    [],
    labelled('Model', v([sys.vendor, sys.model].filter(Boolean).join(' '))),
    labelled('Serial', v(sys.serial)),
    labelled('Host ID', v(sys.hostId)),
    labelled('BIOS', v([sys.biosVendor, sys.biosVersion, sys.biosDate].filter(Boolean).join(' '))),
    labelled('OS', v([sys.os, sys.kernel ? `kernel ${sys.kernel}` : null].filter(Boolean).join(', '))),
    labelled('Uptime', v(sys.uptimeSeconds !== null ? `${Math.floor(sys.uptimeSeconds / 86400)} d ${Math.floor((sys.uptimeSeconds % 86400) / 3600)} h` : null)),
    [],
    labelled('CPU', v(cpu.model)),
    continued(v(`${cpu.sockets ?? '?'} socket(s), ${cpu.cores ?? '?'} cores, ${cpu.threads ?? '?'} threads${cpu.mhz ? `, ${Math.round(cpu.mhz)} MHz` : ''}${cpu.numaNodes ? `, ${cpu.numaNodes} NUMA node(s)` : ''}`)),
    labelled('Virtualize', [seg(vm.canRunVms ? g.ok : g.fail, vm.canRunVms ? 'ok' : 'warn'), seg(' '), ...v(virt)]),
    labelled('Memory', v(`${bytes(inv.memory.totalBytes)} total, ${bytes(inv.memory.availableBytes)} available, swap ${bytes(inv.memory.swapTotalBytes)}`)),
    labelled('Storage', v(`${disks.length} local disk(s), ${bytes(diskTotal)}; ${inv.storage.nfs.length} NFS mount(s); ${inv.storage.iscsi.length} iSCSI session(s)`)),
    labelled('GPUs', v(inv.gpus.length ? inv.gpus.map((x) => x.model ?? x.vendor ?? x.pciAddress).join(', ') : 'none')),
  ];
  if (inv.warnings.length) {
    lines.push([]);
    for (const w of inv.warnings.slice(0, 3)) lines.push([seg('  '), seg(`${g.fail} `, 'warn'), seg(plain(w.message))]);
  }
  return lines;
}

/** Body of the F3 network screen: one row per interface, then the management addresses. */
export function renderNetworkBody(state: ConsoleState): Line[] {
  const inv = state.inventory;
  const lines: Line[] = [[]];
  lines.push([seg('  ' + 'INTERFACE'.padEnd(12) + 'STATE'.padEnd(7) + 'SPEED'.padEnd(9) + 'MAC'.padEnd(19) + 'ADDRESSES', 'label')]);
  if (!inv) lines.push([seg('  -', 'dim')]);
  else {
    for (const n of inv.network.filter((x) => x.kind !== 'loopback')) {
      const speed = n.speedMbps ? (n.speedMbps >= 1000 ? `${n.speedMbps / 1000}G` : `${n.speedMbps}M`) : '-';
      const addrs = [...n.ipv4, ...n.ipv6.filter((a) => !a.startsWith('fe80'))].join(' ');
      const role = n.master ? `in ${n.master}` : n.vlanParent ? `vlan ${n.vlanId ?? '?'} on ${n.vlanParent}` : '';
      const up = n.state === 'up';
      lines.push([
        seg('  ' + plain(n.name).padEnd(12)),
        seg(plain(n.state ?? '-').padEnd(7), up ? 'ok' : 'dim'),
        seg(speed.padEnd(9)),
        seg(plain(n.mac ?? '-').padEnd(19)),
        seg(plain(addrs || role || '-')),
      ]);
    }
  }
  if (state.status) {
    lines.push([]);
    lines.push(...renderAddresses(state.status.addresses, state.status.port, 'Agent URL'));
  }
  return lines;
}
