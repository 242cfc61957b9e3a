/**
 * The questions behind maintenance and move on the host details screen:
 * put a host in maintenance (or take it out), and pick the cluster to move a
 * host to, nine at a time with a digit each (serial consoles have digits
 * when they have nothing else).
 */
import { confirmDialog, type Dialog } from '../../../common/tui/dialog.js';
import type { Cluster, NodeSummary } from '../../../common/protocol/vdc-api.js';
import { plain, seg, type Line } from '../../../common/tui/text.js';

/** Clusters shown per page of the move picker (keys 1-9). */
export const MOVE_PAGE_SIZE = 9;

/** Maintenance on (or off) for a host? */
export function maintenanceDialog(n: NodeSummary, act: (on: boolean) => Promise<void>): Dialog {
  const on = n.maintenance !== true;
  const name = plain(n.hostname);
  const lines: Line[] = on
    ? [
        [seg(`Put ${name} in maintenance?`)],
        [seg('It stays in its cluster and is still polled, but its CPU, memory,')],
        [seg('storage and GPUs leave the capacity totals. Its console shows it.')],
      ]
    : [[seg(`Take ${name} out of maintenance?`)], [seg('Its capacity counts in the totals again.')]];
  return confirmDialog({
    title: on ? 'Enter maintenance?' : 'Leave maintenance?',
    message: lines,
    confirmLabel: on ? 'Maintenance on' : 'Maintenance off',
    onConfirm: () => act(on),
  });
}

/** The clusters a host can move to: every other one, in the dashboard's order. */
export function moveTargets(n: Pick<NodeSummary, 'clusterId'>, clusters: readonly Cluster[]): Cluster[] {
  return clusters.filter((c) => c.id !== n.clusterId);
}

/**
 * The move picker: one page of other clusters, a digit each; `pick` gets the
 * digit pressed (the caller reads it), Tab shows the next page.
 */
export function moveDialog(
  n: NodeSummary,
  targets: readonly Cluster[],
  page: number,
  pick: () => Promise<void>,
  turn: () => void,
): Dialog {
  const pages = Math.max(1, Math.ceil(targets.length / MOVE_PAGE_SIZE));
  const shown = targets.slice(page * MOVE_PAGE_SIZE, (page + 1) * MOVE_PAGE_SIZE);
  const lines: Line[] = [[seg(`Move ${plain(n.hostname)} from ${plain(n.clusterName)} to:`)], []];
  shown.forEach((c, i) =>
    lines.push([
      seg(` ${i + 1} `, 'key'),
      seg(` ${plain(c.name)}`),
      seg(`  ${c.hosts} host${c.hosts === 1 ? '' : 's'}`, 'dim'),
    ]),
  );
  lines.push([], [seg('No token is needed; the vDC must reach the host.', 'dim')]);
  if (pages > 1) lines.push([seg(`Page ${page + 1}/${pages}: Tab shows more clusters.`, 'dim')]);
  return {
    title: 'Move host',
    lines,
    choices: [
      {
        keys: shown.map((_, i) => String(i + 1)),
        label: shown.length > 1 ? `Move (1-${shown.length})` : 'Move',
        action: pick,
      },
      ...(pages > 1 ? [{ keys: ['tab'], label: 'More', action: turn }] : []),
      { keys: ['escape', 'n', 'S-n'], label: 'Cancel', action: () => {} },
    ],
  };
}
