import { describe, expect, it } from 'vitest';
import type { Dialog } from '../../common/tui/dialog.js';
import {
  idleRepaintDue,
  INITIAL_APP_STATE,
  reduceApp,
  type AppAction,
  type AppState,
} from '../../host-console/console/app-state.js';

const power: Dialog = { title: 'Power', lines: [], choices: [] };
const confirm: Dialog = { title: 'Leave cluster?', lines: [], choices: [] };
const at = (view: AppState['view'], dialog: Dialog | null = null, scroll = 0): AppState => ({ view, scroll, dialog });

describe('the host console app state', () => {
  const cases: Record<string, { from: AppState; action: AppAction; to: AppState }> = {
    // F2 from the main screen
    'show a screen': { from: INITIAL_APP_STATE, action: { type: 'show', view: 'system' }, to: at('system') },
    // F4 from another information screen: screens are not stacked, the menu switches between them
    'switch between screens': { from: at('network'), action: { type: 'show', view: 'token' }, to: at('token') },
    // Esc on any screen goes to the main screen, not to the screen before
    'back goes to the main screen': { from: at('token'), action: { type: 'back' }, to: at('main') },
    // Esc on the main screen stays there
    'back on the main screen': { from: at('main'), action: { type: 'back' }, to: at('main') },
    // F10 opens the power dialog over the current screen
    'open a dialog': { from: at('help'), action: { type: 'openDialog', dialog: power }, to: at('help', power) },
    // a confirmation opened from a dialog's choice replaces it
    'a dialog replaces a dialog': {
      from: at('main', power),
      action: { type: 'openDialog', dialog: confirm },
      to: at('main', confirm),
    },
    // answering or cancelling closes the dialog and keeps the screen
    'close a dialog': { from: at('token', confirm), action: { type: 'closeDialog' }, to: at('token') },
    // G confirmed from the replace dialog shows the token screen with no dialog left
    'show after a dialog closed': { from: at('token'), action: { type: 'show', view: 'token' }, to: at('token') },
    // j on a long help screen scrolls it down a line
    'scroll down': { from: at('help'), action: { type: 'scroll', delta: 1 }, to: at('help', null, 1) },
    // k or Home at the top stays at the top
    'scroll above the top': { from: at('help', null, 2), action: { type: 'scroll', delta: -Infinity }, to: at('help') },
    // another screen starts at its top
    'a screen opens at its top': {
      from: at('help', null, 5),
      action: { type: 'show', view: 'system' },
      to: at('system'),
    },
    'back starts the main screen at its top': { from: at('help', null, 5), action: { type: 'back' }, to: at('main') },
  };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      const before = structuredClone({ view: c.from.view, dialog: c.from.dialog?.title ?? null });
      expect(reduceApp(c.from, c.action)).toEqual(c.to);
      // pure: the state passed in is left as it was
      expect({ view: c.from.view, dialog: c.from.dialog?.title ?? null }).toEqual(before);
    });
  }

  it('starts on the main screen with no dialog', () => {
    expect(INITIAL_APP_STATE).toEqual(at('main'));
  });
});

describe('the idle repaint', () => {
  const every = 300_000;
  const cases: Record<string, { state: AppState; message: boolean; quietFor: number; everyMs?: number; due: boolean }> =
    {
      // the unattended main screen is repainted once the period has passed since the last key or repaint
      'main screen left alone': { state: at('main'), message: false, quietFor: every, due: true },
      'main screen, period not over': { state: at('main'), message: false, quietFor: every - 1, due: false },
      // the token screen's countdown is never repainted this way
      'token screen': { state: at('token'), message: false, quietFor: every * 2, due: false },
      // a dialog or a message showing: someone is at the console
      'dialog open': { state: at('main', power), message: false, quietFor: every * 2, due: false },
      'message showing': { state: at('main'), message: true, quietFor: every * 2, due: false },
      // --idle-repaint 0 turns it off
      'turned off': { state: at('main'), message: false, quietFor: every * 100, everyMs: 0, due: false },
    };
  for (const [name, c] of Object.entries(cases)) {
    it(name, () => {
      expect(idleRepaintDue(c.state, c.message, 1_000, 1_000 + c.quietFor, c.everyMs ?? every)).toBe(c.due);
    });
  }
});
