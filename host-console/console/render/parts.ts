/**
 * Pieces several screens draw: labelled rows, the management addresses,
 * the hardware summary, membership and last contact, why the agent cannot
 * be reached, and the agent summary on the status line. Pure functions from
 * console state and a clock value to lines.
 */
import { describeError } from '../../../common/cli/error-line.js';
import type { Inventory } from '../../../common/protocol/inventory.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import { plain, seg, wrapText, type Line } from '../../../common/tui/text.js';
import type { ConsoleState, HostStatusView, ManagementAddress } from '../types.js';
import { formatBytes } from '../../../common/format/bytes.js';
import { formatAge } from '../../../common/format/duration.js';
import { agentUrl, clockUtc, dateTimeUtc, timeOf } from './format.js';

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
  const first = [model, cpu, threads]
    .filter(Boolean)
    .map((s) => plain(s))
    .join(sep);
  const s = inv.storage;
  const parts = [
    `${formatBytes(inv.memory.totalBytes)} memory`,
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
  const lines = [labelled('Status', first), continued(second)];
  if (m.maintenance)
    lines.push(continued([seg('  Maintenance', 'warn'), seg(': set on the vDC; not counted in its capacity')]));
  return [...lines, continued(renderLastContact(contact, joined, now))];
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
    return [
      seg(
        stale ? `  no contact from the vDC since the join (${clockUtc(joinedMs!)})` : '  no contact from the vDC yet',
        stale ? 'warn' : 'dim',
      ),
    ];
  }
  if (!stale) return [seg(`  last contact ${formatAge(contactMs, now)} ago`, 'dim')];
  return [seg(`  last contact ${formatAge(contactMs, now)} ago (${clockUtc(contactMs)}), vDC not heard from`, 'warn')];
}

/** What the console tried and why it failed, while the agent is unreachable. */
export function renderProblem(state: ConsoleState, now: number, g: Glyphs, width = 78): Line[] {
  const p = state.problem;
  if (!p) return [];
  const wait = Math.max(0, Math.ceil((p.nextAttemptAt - now) / 1000));
  const headline =
    p.code === 'PERMISSION_DENIED' ? "permission denied on quantix-node's socket" : 'quantix-node is not answering';
  return [
    labelled('Agent', [seg(`${g.fail} `, 'error'), seg(headline, 'error')]),
    continued([seg(`Tried ${plain(p.target)}:`)]),
    ...wrapText(describeError({ code: p.code, message: p.message, hint: p.hint ?? undefined }), width - 17).map((t) =>
      continued([seg(t)]),
    ),
    continued([
      seg(`Retrying ${wait > 0 ? `in ${wait} s` : 'now'}; attempt ${p.attempts} since ${dateTimeUtc(p.since)}.`, 'dim'),
    ]),
  ];
}

/** Status-line text when no message is showing: agent state and token state. */
export function renderAgentSummary(state: ConsoleState, now: number, g: Glyphs): Line {
  const agent = seg(' quantix-node: ', 'label');
  if (state.problem)
    return [
      agent,
      seg(state.problem.code === 'PERMISSION_DENIED' ? 'permission denied' : 'unreachable', 'error'),
      seg(`, retrying (${plain(state.problem.code)})`),
    ];
  if (!state.status) return [agent, seg('connecting')];
  const t = state.token;
  const exp = t ? timeOf(t.expiresAt) : null;
  let token = 'none';
  if (state.status.membership) token = 'not needed (managed)';
  else if (t && exp !== null && exp > now) token = `active, ${Math.ceil((exp - now) / 60_000)} min left`;
  else if (t) token = 'expired';
  else if (state.tokenLost === 'restarted') token = 'gone (the agent restarted)';
  else if (state.status.tokenEnded === 'revoked') token = 'revoked (F4 says why)';
  const line: Line = [agent, seg('running'), seg(` ${g.middot} `), seg('token: ', 'label'), seg(token)];
  if (state.status.membership?.maintenance) line.push(seg(` ${g.middot} `), seg('Maintenance', 'warn'));
  return line;
}
