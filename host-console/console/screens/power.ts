/** The power dialog (F10/F12/0): reboot or shut down, simulated without --allow-power. */
import type { Dialog } from '../../../common/tui/dialog.js';
import type { ScreenContext } from './context.js';

/** The dialog; its choices run the controller's power action. */
export function powerDialog(ctx: ScreenContext): Dialog {
  return {
    title: 'Power',
    lines: [
      [{ text: 'Reboot or shut down this host?' }],
      ...(ctx.allowPower
        ? []
        : [[{ text: 'Simulated: started without --allow-power, nothing will happen.', style: 'warn' as const }]]),
    ],
    choices: [
      { keys: ['r', 'S-r'], label: 'Reboot', dangerous: true, action: () => ctx.actions.power('reboot') },
      { keys: ['s', 'S-s'], label: 'Shut down', dangerous: true, action: () => ctx.actions.power('poweroff') },
      { keys: ['escape', 'n', 'S-n'], label: 'Cancel', action: () => {} },
    ],
  };
}
