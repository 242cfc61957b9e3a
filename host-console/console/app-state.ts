/**
 * The console's own state, apart from what the agent reports: which screen
 * is showing and which dialog is open over it. A pure reducer over typed
 * actions; the key tables dispatch actions, the app draws the result.
 */
import type { Dialog } from '../../common/tui/dialog.js';
import type { ViewName } from './types.js';

/** Which screen shows, how far its body is scrolled, and the dialog over it. */
export interface AppState {
  view: ViewName;
  /** First body line shown, when the body is taller than its window (the frame clamps it). */
  scroll: number;
  dialog: Dialog | null;
}

/** What the key tables can ask of the app. */
export type AppAction =
  /** Switch to a screen (the F-keys). */
  | { type: 'show'; view: ViewName }
  /** Esc: back to the main screen (every other screen is one step from it). */
  | { type: 'back' }
  /** Open a dialog over the current screen; it replaces any dialog already open. */
  | { type: 'openDialog'; dialog: Dialog }
  /** Close the dialog (answered or cancelled). */
  | { type: 'closeDialog' }
  /** Scroll the body by lines (±Infinity: to either end). */
  | { type: 'scroll'; delta: number }
  /** The scroll as the frame clamped it to the body (drawing settles it; nothing to redraw). */
  | { type: 'scrolled'; scroll: number };

/** The state at start: the main screen, no dialog. */
export const INITIAL_APP_STATE: AppState = { view: 'main', scroll: 0, dialog: null };

/** The state after an action. */
export function reduceApp(state: AppState, action: AppAction): AppState {
  switch (action.type) {
    case 'show':
      return { ...state, view: action.view, scroll: 0 };
    case 'back':
      return { ...state, view: 'main', scroll: 0 };
    case 'openDialog':
      return { ...state, dialog: action.dialog };
    case 'closeDialog':
      return { ...state, dialog: null };
    case 'scroll':
      return { ...state, scroll: Math.max(0, state.scroll + action.delta) };
    case 'scrolled':
      return { ...state, scroll: action.scroll };
  }
}

/**
 * Whether the unattended main screen is due for a full repaint at now:
 * only on the main screen with no dialog and no message showing, once
 * everyMs (0: never) has passed since the last key or repaint.
 */
export function idleRepaintDue(
  state: AppState,
  messageShowing: boolean,
  quietSince: number,
  now: number,
  everyMs: number,
): boolean {
  return everyMs > 0 && state.view === 'main' && !state.dialog && !messageShowing && now - quietSince >= everyMs;
}
