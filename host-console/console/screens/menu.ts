/**
 * The F-key menu every screen offers (F1 help, F2 system, F3 network, F4
 * token, F5 refresh, F9 leave, F10/F12 power), and the Esc and quit keys
 * the screens share. The digits work on every screen (none of them takes
 * text): footers show them beside F-keys the terminal lacks.
 */
import type { KeyBinding } from '../../../common/tui/keys.js';
import type { ViewName } from '../types.js';
import type { ScreenContext } from './context.js';
import { powerDialog } from './power.js';

const show = (ctx: ScreenContext, view: ViewName) => () => ctx.dispatch({ type: 'show', view });

/** The F-key menu. */
export function menuKeys(ctx: ScreenContext): KeyBinding[] {
  const k = (f: string, digit: string) => [f, digit];
  return [
    { keys: k('f1', '1'), label: 'Help', help: 'This help', handler: show(ctx, 'help') },
    { keys: k('f2', '2'), label: 'System', help: 'System: model, CPU, memory, storage', handler: show(ctx, 'system') },
    { keys: k('f3', '3'), label: 'Network', help: 'Network: interfaces and addresses', handler: show(ctx, 'network') },
    { keys: k('f4', '4'), label: 'Token', help: 'Registration token', handler: show(ctx, 'token') },
    { keys: k('f5', '5'), label: 'Refresh', help: 'Ask the agent again now', handler: () => ctx.actions.refresh() },
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
      disabledReason: () => (ctx.state.status?.membership ? null : 'This host is not in a cluster: nothing to leave.'),
      handler: () => ctx.actions.leave(),
    },
    {
      keys: ['f10', 'f12', '0'],
      label: 'Power',
      help: ctx.allowPower ? 'Reboot or shut down' : 'Reboot or shut down (simulated)',
      dangerous: true,
      handler: () => ctx.dispatch({ type: 'openDialog', dialog: powerDialog(ctx) }),
    },
  ];
}

/** q, Q and Ctrl-C with --exitable (the main footer is full at 80 columns: q is listed in help there). */
export function quitKeys(ctx: ScreenContext, inFooter = true): KeyBinding[] {
  return ctx.exitable
    ? [{ keys: ['q', 'S-q', 'C-c'], label: 'Quit', side: 'right', visible: inFooter, handler: () => ctx.exit() }]
    : [];
}

/** Esc: back to the main screen. */
export function backKey(ctx: ScreenContext): KeyBinding {
  return {
    keys: ['escape'],
    label: 'Back',
    help: 'Back to the main screen',
    handler: () => ctx.dispatch({ type: 'back' }),
  };
}

/**
 * Scrolling a body taller than the screen (help at 24 rows, a system with
 * many disks): j and k (or the arrows) by a line, PgUp and PgDn by a
 * window, g and G (Home, End) to either end. The frame shows the position.
 */
export function scrollKeys(ctx: ScreenContext): KeyBinding[] {
  const by = (delta: number) => () => ctx.dispatch({ type: 'scroll', delta });
  return [
    { keys: ['down', 'j'], label: 'Scroll', display: 'j/k', help: 'Scroll down a line', side: 'right', handler: by(1) },
    { keys: ['up', 'k'], label: 'Scroll up', help: 'Scroll up a line', visible: false, handler: by(-1) },
    { keys: ['pagedown', 'space'], label: 'Page down', visible: false, handler: () => by(ctx.page())() },
    { keys: ['pageup'], label: 'Page up', visible: false, handler: () => by(-ctx.page())() },
    { keys: ['home', 'g'], label: 'Top', help: 'Scroll to the top', visible: false, handler: by(-Infinity) },
    { keys: ['end', 'S-g'], label: 'Bottom', help: 'Scroll to the bottom', visible: false, handler: by(Infinity) },
  ];
}

/** The keys of a screen that only shows information: Esc, the menu, scrolling, quit. */
export function infoScreenKeys(ctx: ScreenContext): KeyBinding[] {
  return [backKey(ctx), ...menuKeys(ctx), ...scrollKeys(ctx), ...quitKeys(ctx)];
}

/** The bindings with only those whose first key is in keep left in the footer (on the right); the others still act. */
export function footerOnly(bindings: KeyBinding[], keep: string[]): KeyBinding[] {
  return bindings.map((b) => (keep.includes(b.keys[0]!) ? { ...b, side: 'right' as const } : { ...b, visible: false }));
}
