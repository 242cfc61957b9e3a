/**
 * The direct console's screens and keys: which view is showing, the key
 * table of each view (the footer and help are generated from them), the
 * dialogs, and the redraw schedule (once per wall-clock second, plus
 * whenever the model or the status line changes).
 */
import { spawn } from 'node:child_process';
import { confirmDialog, dialogBindings, type Dialog } from '../../common/tui/dialog.js';
import { FlashModel } from '../../common/tui/flash.js';
import { createKeyDispatcher, type KeyBinding } from '../../common/tui/keys.js';
import { redrawBinding, type TuiApp } from '../../common/tui/screen.js';
import { plain } from '../../common/tui/text.js';
import { clockUtc, timeOf } from './render/format.js';
import { renderScreen } from './render/screen.js';
import type { ConsoleModel } from './model.js';
import type { ViewName } from './types.js';

/** How the console behaves. */
export interface ConsoleAppOptions {
  exitable: boolean;
  allowPower: boolean;
  /**
   * Repaint the whole main screen when it has been left alone this long
   * (ms; 0 never): kernel messages written over an unattended console go
   * away without anyone pressing Ctrl-L.
   */
  idleRepaintMs?: number;
  now?: () => number;
}

/** Default idle repaint: every 5 minutes, about 1 KB each time, a few bytes a second on average. */
export const IDLE_REPAINT_MS = 300_000;

/** Runs the console on an app screen with a model; returns a stop function. */
export function runConsole(app: TuiApp, model: ConsoleModel, opts: ConsoleAppOptions): () => void {
  const now = opts.now ?? Date.now;
  const flash = new FlashModel(now);
  let view: ViewName = 'main';
  let dialog: Dialog | null = null;
  let tickTimer: NodeJS.Timeout | null = null;
  const idleRepaintMs = opts.idleRepaintMs ?? IDLE_REPAINT_MS;
  // Last key or repaint: the idle repaint counts from the later one.
  let quietSince = now();

  const show = (v: ViewName) => {
    view = v;
    draw();
  };
  const openDialog = (d: Dialog) => {
    dialog = d;
    draw();
  };
  const closeDialog = () => {
    dialog = null;
    draw();
  };

  const managed = () => model.state.status?.membership ?? null;
  const managedReason = () => {
    const m = managed();
    return m ? `This host is managed by vDC ${plain(m.vdcName)}: leave the cluster first (F9), then generate a token.` : null;
  };

  const generate = async () => {
    const t = await model.generateToken();
    const exp = timeOf(t.expiresAt);
    flash.show('ok', `New token generated${exp !== null ? `; it expires at ${clockUtc(exp)}` : ''}.`);
    show('token');
  };

  const power = (action: 'reboot' | 'poweroff') => {
    const words = action === 'reboot' ? 'reboot' : 'shutdown';
    if (!opts.allowPower) {
      flash.show('warn', `Simulated ${words}: nothing was done (the console runs without --allow-power).`);
      return;
    }
    flash.show('info', `${action === 'reboot' ? 'Rebooting' : 'Shutting down'}${app.glyphs.ellipsis}`, Infinity);
    const child = spawn('systemctl', [action], { stdio: 'ignore', detached: true });
    child.on('error', (err) => flash.error(err));
    child.unref();
  };

  // The digits work on every screen (none of them takes text): footers show them beside F-keys the terminal lacks.
  const fkeys = (): KeyBinding[] => {
    const k = (f: string, digit: string) => [f, digit];
    return [
      { keys: k('f1', '1'), label: 'Help', help: 'This help', handler: () => show('help') },
      { keys: k('f2', '2'), label: 'System', help: 'System: model, CPU, memory, storage', handler: () => show('system') },
      { keys: k('f3', '3'), label: 'Network', help: 'Network: interfaces and addresses', handler: () => show('network') },
      { keys: k('f4', '4'), label: 'Token', help: 'Registration token', handler: () => show('token') },
      {
        keys: k('f5', '5'),
        label: 'Refresh',
        help: 'Ask the agent again now',
        handler: async () => {
          await model.refresh();
          if (!model.state.problem) flash.show('ok', 'Refreshed.', 2_000);
        },
      },
      {
        keys: k('f9', '9'),
        label: 'Leave',
        help: 'Leave the cluster',
        dangerous: true,
        confirm: {
          title: 'Leave cluster?',
          message: 'This host will stop being managed by its vDC.\nIts virtual machines are not stopped.',
          confirmLabel: 'Leave cluster',
        },
        disabledReason: () => (managed() ? null : 'This host is not in a cluster: nothing to leave.'),
        handler: async () => {
          const m = managed();
          await model.leave();
          flash.show('ok', `Left cluster ${plain(m?.clusterName ?? '')}. This host is standalone now.`);
        },
      },
      {
        keys: ['f10', 'f12', '0'],
        label: 'Power',
        help: opts.allowPower ? 'Reboot or shut down' : 'Reboot or shut down (simulated)',
        dangerous: true,
        handler: () =>
          openDialog({
            title: 'Power',
            lines: [
              [{ text: 'Reboot or shut down this host?' }],
              ...(opts.allowPower ? [] : [[{ text: 'Simulated: started without --allow-power, nothing will happen.', style: 'warn' as const }]]),
            ],
            choices: [
              { keys: ['r', 'S-r'], label: 'Reboot', dangerous: true, action: () => power('reboot') },
              { keys: ['s', 'S-s'], label: 'Shut down', dangerous: true, action: () => power('poweroff') },
              { keys: ['escape', 'n', 'S-n'], label: 'Cancel', action: () => {} },
            ],
          }),
      },
    ];
  };

  // The main footer is full with the F-keys at 80 columns; q is listed in help there.
  const quitKeys = (inFooter = true): KeyBinding[] =>
    opts.exitable ? [{ keys: ['q', 'S-q', 'C-c'], label: 'Quit', side: 'right', visible: inFooter, handler: () => app.exit(0) }] : [];

  const back: KeyBinding = { keys: ['escape'], label: 'Back', help: 'Back to the main screen', handler: () => show('main') };

  const tokenKeys = (): KeyBinding[] => [
    {
      keys: ['g', 'S-g'],
      display: 'G',
      label: 'New token',
      visible: () => !managed(),
      help: 'Generate a registration token',
      disabledReason: managedReason,
      handler: async () => {
        if (model.tokenActive(now())) {
          openDialog(
            confirmDialog({
              title: 'Replace the token?',
              message: 'The current token stops working at once.\nA vDC operator typing it now will be refused.',
              confirmLabel: 'New token',
              onConfirm: generate,
            }),
          );
          return;
        }
        await generate();
      },
    },
    {
      keys: ['r', 'S-r'],
      display: 'R',
      label: 'Revoke',
      visible: () => !managed(),
      help: 'Revoke the token: it stops working at once',
      disabledReason: () => managedReason() ?? (model.tokenActive(now()) ? null : 'There is no valid token to revoke.'),
      handler: async () => {
        await model.revokeToken();
        flash.show('ok', 'Token revoked. Press G for a new one.');
      },
    },
    back,
  ];

  const hide = (bs: KeyBinding[], keep: string[]): KeyBinding[] =>
    bs.map((b) => (keep.includes(b.keys[0]!) ? { ...b, side: 'right' as const } : { ...b, visible: false }));

  /** The key table of a view. */
  const bindingsFor = (v: ViewName): KeyBinding[] => {
    switch (v) {
      case 'main':
        return [...fkeys(), redrawBinding(app), ...quitKeys(false)];
      case 'token':
        return [...tokenKeys(), ...hide(fkeys(), ['f1', 'f5']), ...quitKeys()];
      default:
        return [back, ...fkeys(), ...quitKeys()];
    }
  };

  const activeBindings = (): KeyBinding[] => (dialog ? dialogBindings(dialog, closeDialog) : bindingsFor(view));

  const keys = createKeyDispatcher(
    {
      bindings: activeBindings,
      onError: (err) => flash.error(err),
      onDisabled: (_b, why) => flash.show('warn', why),
      confirm: (b, run) =>
        openDialog(
          confirmDialog({ title: b.confirm!.title, message: b.confirm!.message, confirmLabel: b.confirm!.confirmLabel, onConfirm: run, dangerous: true }),
        ),
    },
    now,
  );

  function draw() {
    const { cols, rows } = app.size();
    app.paint(
      renderScreen({
        view,
        state: model.state,
        now: now(),
        glyphs: app.glyphs,
        cols,
        rows,
        bindings: activeBindings(),
        helpGroups: [
          { title: 'Main screen', bindings: bindingsFor('main') },
          { title: 'Registration token (F4)', bindings: tokenKeys() },
        ],
        flash: flash.current(now()),
        dialog,
        missingKeys: app.missingKeys,
      }),
    );
  }

  // Redraw just after each wall-clock second so the countdown steps evenly.
  const tick = () => {
    draw();
    const t = now();
    if (idleRepaintMs > 0 && view === 'main' && !dialog && !flash.current(t) && t - quietSince >= idleRepaintMs) {
      quietSince = t;
      app.repaint();
    }
    tickTimer = setTimeout(tick, 1_000 - (now() % 1_000) + 5);
  };

  app.onKey((ch, key) => {
    quietSince = now();
    if (app.tooSmall() && !(opts.exitable && key && ['q', 'C-c'].includes(key.full))) return;
    keys.handleKey(ch, key);
  });
  app.onResize(draw);
  model.on('changed', draw);
  flash.on('changed', draw);
  model.start();
  tick();

  return () => {
    if (tickTimer) clearTimeout(tickTimer);
    model.stop();
    flash.dispose();
  };
}
