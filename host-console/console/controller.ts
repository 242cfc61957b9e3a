/**
 * The operator's actions: the only code that asks the agent for something
 * on the operator's behalf (through the model) or runs systemctl. Each
 * action is counted as work in progress until it has answered and its
 * outcome is on the status line; the screens see only ConsoleActions.
 */
import { spawn } from 'node:child_process';
import type { FlashModel } from '../../common/tui/flash.js';
import type { BusyTracker } from '../../common/tui/idle.js';
import { plain } from '../../common/tui/text.js';
import type { ConsoleModel } from './model.js';
import { clockUtc, lifetimeWords, timeOf } from './render/format.js';
import type { ConsoleActions, PowerAction } from './screens/context.js';

/** What the actions work with. */
export interface ControllerDeps {
  model: ConsoleModel;
  flash: FlashModel;
  busy: Pick<BusyTracker, 'track'>;
  /** Started with --allow-power: power actions are real. */
  allowPower: boolean;
  /** The ellipsis of the terminal's glyph set. */
  ellipsis: string;
}

/** The actions over a model. */
export function createController(deps: ControllerDeps): ConsoleActions {
  const { model, flash, busy } = deps;
  const tracked =
    <A extends unknown[]>(work: (...args: A) => Promise<void>) =>
    (...args: A): Promise<void> =>
      busy.track(work(...args));

  return {
    refresh: tracked(async () => {
      await model.refresh();
      if (!model.state.problem) flash.show('ok', 'Refreshed.', 2_000);
    }),
    leave: tracked(async () => {
      const m = model.state.status?.membership ?? null;
      await model.leave();
      flash.show('ok', `Left cluster ${plain(m?.clusterName ?? '')}. This host is standalone now.`);
    }),
    generateToken: tracked(async () => {
      const t = await model.generateToken();
      const exp = timeOf(t.expiresAt);
      flash.show('ok', `New token generated${exp !== null ? `; it expires at ${clockUtc(exp)}` : ''}.`);
    }),
    chooseTokenTtl: (seconds: number) => {
      model.chooseTokenTtl(seconds);
      flash.show('ok', `New tokens will be valid for ${lifetimeWords(seconds)}. Press G to generate one.`);
    },
    revokeToken: tracked(async () => {
      await model.revokeToken();
      flash.show('ok', 'Token revoked. Press G for a new one.');
    }),
    power: (action: PowerAction) => {
      const words = action === 'reboot' ? 'reboot' : 'shutdown';
      if (!deps.allowPower) {
        flash.show('warn', `Simulated ${words}: nothing was done (the console runs without --allow-power).`);
        return;
      }
      flash.show('info', `${action === 'reboot' ? 'Rebooting' : 'Shutting down'}${deps.ellipsis}`, Infinity);
      const child = spawn('systemctl', [action], { stdio: 'ignore', detached: true });
      child.on('error', (err) => flash.error(err));
      child.unref();
    },
  };
}
