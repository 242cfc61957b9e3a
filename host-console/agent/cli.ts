/**
 * The `quantix-node` client commands: each calls the local API through
 * LocalAgentClient and prints either the JSON answer or a readable text made
 * by the pure render functions below. Every string that came from the agent
 * or the machine is made inert before it reaches the terminal.
 */
import { errorLine } from '../../common/cli/error-line.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import type { LeaveResponse, LocalStatus, TokenInfo, TokenState } from '../../common/protocol/agent-api.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { describeVmSupport, type Inventory, type LiveUsage } from '../../common/protocol/inventory.js';
import { neutralizeControls as inert } from '../../common/tui/sanitize.js';
import { parseSince, readAudit, renderAuditRecord } from './audit-read.js';
import { type AuditOptions, type ClientCommand, EXIT } from './options.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { formatBytes } from '../../common/format/bytes.js';
import { formatDuration } from '../../common/format/duration.js';
import { formatFingerprint } from '../../common/format/fingerprint.js';

function rows(pairs: Array<[string, string]>): string[] {
  const width = Math.max(...pairs.map(([k]) => k.length));
  return pairs.map(([k, v]) => `${k.padEnd(width)}  ${v}`);
}

function addressLines(list: TokenInfo['managementAddresses']): string {
  if (list.length === 0) return 'none found (check the network configuration)';
  return list.map((a) => `${inert(a.url)}${a.interface ? ` (${inert(a.interface)})` : ''}`).join('\n' + ' '.repeat(13));
}

/** Text of `token generate` / `token show`. */
export function renderTokenInfo(t: TokenInfo, nowMs: number): string {
  const remaining = Math.max(0, Math.floor((Date.parse(t.expiresAt) - nowMs) / 1000));
  const failed = failedAttemptsText(t.failedAttempts, t.lastFailedFrom);
  return [
    '',
    `  ${inert(t.token)}`,
    '',
    ...rows([
      ['Expires', `in ${formatDuration(remaining)} (${inert(t.expiresAt)})`],
      ['Host', `${inert(t.hostname)} (${inert(t.hostId)})`],
      ['Addresses', addressLines(t.managementAddresses)],
      ['Fingerprint', formatFingerprint(t.certificateFingerprint)],
      ...(failed ? [['Attempts', failed] as [string, string]] : []),
    ]),
    '',
    'On the vDC console press a (Add host), type one of the addresses and this',
    'token, and check that the fingerprint it shows matches the one above.',
  ].join('\n');
}

/** `3 failed attempts, last from 192.0.2.7`, or null when there were none. */
export function failedAttemptsText(count: number | undefined, lastFrom: string | null | undefined): string | null {
  if (!count) return null;
  return `${count} failed attempt${count === 1 ? '' : 's'}${lastFrom ? `, last from ${inert(lastFrom)}` : ''}`;
}

/** One line about the token state. */
export function renderTokenState(t: TokenState, nowMs: number): string {
  switch (t.state) {
    case 'none':
      return 'none (generate one with `quantix-node token generate`)';
    case 'active': {
      const failed = failedAttemptsText(t.failedAttempts, t.lastFailedFrom);
      return `active, expires in ${formatDuration((Date.parse(t.expiresAt ?? '') - nowMs) / 1000)} (${inert(t.expiresAt ?? 'unknown')})${failed ? `; ${failed}` : ''}`;
    }
    case 'expired':
      return `expired at ${inert(t.expiresAt ?? 'unknown')}`;
    case 'revoked':
      return `revoked${t.reason ? `: ${inert(t.reason)}` : ''}`;
    case 'used':
      return 'used to join a cluster';
  }
}

function usageLine(u: LiveUsage): string {
  const parts: string[] = [];
  if (u.cpuPercent !== null) parts.push(`CPU ${u.cpuPercent.toFixed(0)}%`);
  if (u.memoryUsedBytes !== null && u.memoryTotalBytes !== null)
    parts.push(`memory ${formatBytes(u.memoryUsedBytes)} of ${formatBytes(u.memoryTotalBytes)}`);
  if (u.loadAverage) parts.push(`load ${u.loadAverage.map((x) => x.toFixed(2)).join(' ')}`);
  if (u.uptimeSeconds !== null) parts.push(`up ${formatDuration(u.uptimeSeconds)}`);
  return parts.length ? parts.join(', ') : 'unknown';
}

/** Text of `status`. */
export function renderStatus(s: LocalStatus, nowMs: number): string {
  const m = s.membership;
  const membership = m
    ? [
        ['Cluster', `${inert(m.cluster.name)} on vDC ${inert(m.vdc.name)} (${inert(m.vdc.url)})`] as [string, string],
        ['Maintenance', m.maintenance ? 'on (set on the vDC; not counted in its capacity)' : 'off'] as [string, string],
        ['Node ID', inert(m.nodeId)] as [string, string],
        ['Joined', inert(m.joinedAt)] as [string, string],
        ['Last contact', m.lastContactAt ? inert(m.lastContactAt) : 'not yet'] as [string, string],
      ]
    : [['Cluster', 'standalone (not managed by a vDC)'] as [string, string]];
  return rows([
    ['Host', inert(s.hostname)],
    ['Host ID', inert(s.hostId)],
    ['Agent', `quantix-node ${inert(s.agentVersion)}`],
    ['Addresses', addressLines(s.managementAddresses)],
    ['Fingerprint', formatFingerprint(s.certificateFingerprint)],
    ...membership,
    ['Token', renderTokenState(s.token, nowMs)],
    ['Usage', usageLine(s.usage)],
  ]).join('\n');
}

/** Text of `inventory`. */
export function renderInventory(inv: Inventory): string {
  const out: string[] = [];
  const v = (x: string | number | null | undefined) =>
    x === null || x === undefined || x === '' ? 'unknown' : inert(String(x));
  const sys = inv.system;
  out.push('System');
  out.push(
    ...rows([
      ['  Host', `${v(sys.hostname)} (${v(sys.hostId)}, from ${v(sys.hostIdSource)})`],
      ['  Machine', `${v(sys.vendor)} ${v(sys.model)}, serial ${v(sys.serial)}`],
      ['  BIOS', `${v(sys.biosVendor)} ${v(sys.biosVersion)} ${sys.biosDate ? inert(sys.biosDate) : ''}`.trimEnd()],
      ['  OS', `${v(sys.os)}, kernel ${v(sys.kernel)}`],
    ]),
  );
  const cpu = inv.cpu;
  const virt = describeVmSupport(cpu);
  out.push('CPU');
  out.push(
    ...rows([
      ['  Model', `${v(cpu.model)} (${v(cpu.vendor)})`],
      [
        '  Topology',
        `${v(cpu.sockets)} sockets, ${v(cpu.cores)} cores, ${v(cpu.threads)} threads, ${v(cpu.numaNodes)} NUMA nodes`,
      ],
      ['  Virtualization', virt],
    ]),
  );
  out.push('Memory');
  out.push(
    ...rows([
      [
        '  Total',
        `${formatBytes(inv.memory.totalBytes, 'unknown')} (${formatBytes(inv.memory.availableBytes, 'unknown')} available)`,
      ],
    ]),
  );
  out.push(`Disks (${inv.storage.disks.length})`);
  for (const d of inv.storage.disks)
    out.push(`  ${v(d.name)}  ${formatBytes(d.sizeBytes, 'unknown')}  ${d.kind}  ${v(d.transport)}  ${v(d.model)}`);
  out.push(`NFS mounts (${inv.storage.nfs.length})`);
  for (const n of inv.storage.nfs)
    out.push(
      `  ${v(n.source)} on ${v(n.mountPoint)}  ${n.responsive ? formatBytes(n.sizeBytes, 'unknown') : 'not responding'}`,
    );
  out.push(`iSCSI sessions (${inv.storage.iscsi.length})`);
  for (const s of inv.storage.iscsi)
    out.push(
      `  ${v(s.targetIqn)} at ${s.portalAddress ? inert(formatHostPort(s.portalAddress, s.portalPort)) : '-'}  ${v(s.state)}  ${s.devices.length} LUNs`,
    );
  out.push(`Network interfaces (${inv.network.length})`);
  for (const n of inv.network) {
    const addrs = [...n.ipv4, ...n.ipv6].map(inert).join(', ');
    out.push(
      `  ${v(n.name)}  ${n.kind}  ${v(n.state)}  ${n.speedMbps !== null ? `${n.speedMbps} Mb/s` : ''}  ${v(n.mac)}  ${addrs}`.replace(
        / {3,}/g,
        '  ',
      ),
    );
  }
  out.push(`GPUs (${inv.gpus.length})`);
  for (const g of inv.gpus) out.push(`  ${v(g.pciAddress)}  ${v(g.vendor)} ${v(g.model)}  driver ${v(g.driver)}`);
  if (inv.warnings.length) {
    out.push(`Warnings (${inv.warnings.length})`);
    for (const w of inv.warnings) out.push(`  ${inert(w.code)}: ${inert(w.message)}`);
  }
  return out.join('\n');
}

/** Text of `leave`. */
export function renderLeave(l: LeaveResponse): string {
  return `Left cluster ${inert(l.cluster.name)} on vDC ${inert(l.vdc.name)}. This host is standalone; generate a token to add it to a cluster again.`;
}

/** Text of `token revoke`. */
export function renderRevoke(): string {
  return 'The registration token is revoked; a vDC can no longer use it.';
}

/** Exit code for an error from the local API. */
export function exitCodeOf(err: QuantixError): number {
  if (err.code === 'CONFIRMATION_REQUIRED' || err.code === 'USAGE_ERROR') return EXIT.USAGE;
  if (err.code === 'AGENT_UNREACHABLE' || err.code === 'CONNECTION_TIMEOUT' || err.code === 'PERMISSION_DENIED')
    return EXIT.UNREACHABLE;
  if (err.code === 'HOST_PROTOCOL_ERROR') return EXIT.PROTOCOL;
  if (err.code === 'INTERNAL' && err.status >= 500) return EXIT.FAILURE;
  return EXIT.REFUSED;
}

/** Output streams and clock of a command run. */
export interface CliIo {
  out: (text: string) => void;
  err: (text: string) => void;
  now: () => number;
  /** Asks a yes/no question on the operator's terminal; null when there is no terminal to ask on. */
  ask?: ((question: string) => Promise<boolean>) | null;
}

/** The question `leave` asks before the host stops being managed. */
export function leaveQuestion(s: LocalStatus): string {
  const m = s.membership!;
  return `Leave cluster ${inert(m.cluster.name)} on vDC ${inert(m.vdc.name)} (${inert(m.vdc.url)})? The vDC will no longer manage this host; its virtual machines keep running. [y/N] `;
}

/** Runs one client command; returns its exit code. */
export async function runClientCommand(
  command: ClientCommand,
  opts: { socketPath: string; json: boolean; refresh: boolean; yes?: boolean; ttlSeconds?: number | null },
  io: CliIo,
): Promise<number> {
  const client = new LocalAgentClient({ socketPath: opts.socketPath });
  const print = (value: unknown, text: () => string) => io.out(opts.json ? JSON.stringify(value, null, 2) : text());
  try {
    switch (command) {
      case 'token generate': {
        const t = await client.generateToken(opts.ttlSeconds ? { ttlSeconds: opts.ttlSeconds } : {});
        print(t, () => renderTokenInfo(t, io.now()));
        break;
      }
      case 'token show': {
        const t = await client.getToken();
        print(t, () => renderTokenInfo(t, io.now()));
        break;
      }
      case 'token revoke': {
        const t = await client.revokeToken();
        print(t, renderRevoke);
        break;
      }
      case 'status': {
        const s = await client.status();
        print(s, () => renderStatus(s, io.now()));
        break;
      }
      case 'inventory': {
        const inv = await client.inventory({ refresh: opts.refresh });
        print(inv, () => renderInventory(inv));
        break;
      }
      case 'leave': {
        if (!opts.yes) {
          const s = await client.status();
          // A standalone host gets the agent's own refusal (NOT_MANAGED), not a question.
          if (s.membership) {
            if (opts.json || !io.ask) throw new QuantixError('CONFIRMATION_REQUIRED');
            if (!(await io.ask(leaveQuestion(s)))) {
              io.out(`Nothing was changed: this host is still in cluster ${inert(s.membership.cluster.name)}.`);
              break;
            }
          }
        }
        const l = await client.leave();
        print(l, () => renderLeave(l));
        break;
      }
    }
    return EXIT.OK;
  } catch (err) {
    const q =
      err instanceof QuantixError
        ? err
        : new QuantixError('INTERNAL', { message: err instanceof Error ? err.message : String(err) });
    if (opts.json) io.out(JSON.stringify({ error: q.toBody() }, null, 2));
    io.err(errorLine('quantix-node', q));
    return exitCodeOf(q);
  }
}

/**
 * Runs `audit`: streams the matching records, as text lines or as a JSON
 * array written record by record, then says on stderr how many lines were
 * not audit records. A missing log ends with exit 1, a permission problem with 3.
 */
export async function runAudit(opts: AuditOptions, io: CliIo): Promise<number> {
  const summary = { skipped: 0 };
  const filter = {
    sinceMs: opts.since === null ? null : parseSince(opts.since, io.now()),
    action: opts.action,
    outcome: opts.outcome,
  };
  let shown = 0;
  try {
    for await (const r of readAudit(opts.stateDir, filter, summary)) {
      if (opts.json) io.out(`${shown === 0 ? '[' : ','}\n${JSON.stringify(r)}`);
      else io.out(renderAuditRecord(r));
      shown++;
    }
  } catch (err) {
    const q =
      err instanceof QuantixError
        ? err
        : new QuantixError('INTERNAL', { message: err instanceof Error ? err.message : String(err) });
    if (shown > 0 && opts.json) io.out(']');
    io.err(errorLine('quantix-node', q));
    return q.code === 'NOT_FOUND' ? EXIT.FAILURE : exitCodeOf(q);
  }
  if (opts.json) io.out(shown === 0 ? '[]' : '\n]');
  else if (shown === 0) io.err('quantix-node: no audit records match.');
  if (summary.skipped > 0)
    io.err(
      `quantix-node: ${summary.skipped} line${summary.skipped === 1 ? ' was' : 's were'} not audit records and ${summary.skipped === 1 ? 'was' : 'were'} skipped.`,
    );
  return EXIT.OK;
}
