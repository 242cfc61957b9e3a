/**
 * The console's questions as dialog boxes: remove a host, force the
 * removal of one that could not be told, quit while a host is being
 * added. Each takes what to do on each answer; the dialog's keys are its
 * choices (common/tui/dialog.ts).
 */
import { confirmDialog, type Dialog } from '../../../common/tui/dialog.js';
import { formatHostPort } from '../../../common/protocol/host-port.js';
import type { NodeSummary } from '../../../common/protocol/vdc-api.js';
import { plain, seg } from '../../../common/tui/text.js';

/** Remove a host? A host that is not connected may also be forgotten without telling it (Force). */
export function removeDialog(n: NodeSummary, remove: (force: boolean) => Promise<void>): Dialog {
  const down = n.state !== 'connected';
  return {
    title: 'Remove host?',
    lines: [
      [
        seg(
          `Remove ${plain(n.hostname)} (${plain(formatHostPort(n.address, n.port))}) from cluster ${plain(n.clusterName)}?`,
        ),
      ],
      [seg('The host is told to leave and stops being managed by this vDC.')],
      ...(down
        ? [
            [
              seg(
                `It is ${n.state === 'disconnected' ? 'unreachable' : n.state}: Force forgets it without telling it.`,
                'warn' as const,
              ),
            ],
          ]
        : []),
    ],
    choices: [
      { keys: ['y', 'S-y', 'enter'], label: 'Remove', dangerous: true, action: () => remove(false) },
      ...(down ? [{ keys: ['f', 'S-f'], label: 'Force remove', dangerous: true, action: () => remove(true) }] : []),
      { keys: ['n', 'S-n', 'escape'], label: 'Cancel', action: () => {} },
    ],
  };
}

/** The host could not be told to leave: forget it anyway? */
export function unreachableDialog(n: NodeSummary, why: string, force: () => Promise<void>): Dialog {
  return {
    title: 'Host unreachable',
    lines: [
      [seg(`${plain(n.hostname)} could not be told to leave: ${plain(why)}`)],
      [seg('Forget it anyway? Until someone leaves the cluster on its console (F9),')],
      [seg('the host still believes it belongs to this vDC.')],
    ],
    choices: [
      { keys: ['f', 'S-f'], label: 'Force remove', dangerous: true, action: force },
      { keys: ['n', 'S-n', 'escape'], label: 'Cancel', action: () => {} },
    ],
  };
}

/** Quit while a host is being added? */
export function quitDialog(quit: () => void): Dialog {
  return confirmDialog({
    title: 'Quit?',
    message: 'A host is being added; what was typed is lost\nand the host is not added.',
    confirmLabel: 'Quit',
    cancelLabel: 'Stay',
    onConfirm: quit,
    dangerous: true,
  });
}
