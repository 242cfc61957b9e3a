/**
 * The whole console screen as lines: header with product, version, screen
 * name and clock (minutes only: a changing seconds digit would cost bytes
 * on a serial line every second), the current view's body, the status
 * line, and the footer generated from the key table.
 */
import type { FlashMessage } from '../../../common/tui/flash.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import { renderFooterLines, renderHelp, type KeyBinding } from '../../../common/tui/keys.js';
import { composeFrame, plain, seg, truncate, wrapText, type Line } from '../../../common/tui/text.js';
import { overlayDialog, type Dialog } from '../../../common/tui/dialog.js';
import { CONSOLE_VERSION, PRODUCT, type ConsoleState, type ViewName } from '../types.js';
import { clockUtc } from './format.js';
import { renderAgentSummary, renderMainBody, renderNetworkBody, renderSystemBody } from './main.js';
import { renderTokenPanel } from './token.js';

/** Titles of the views, as shown in the header. */
export const VIEW_TITLES: Record<ViewName, string> = {
  main: 'Direct Console',
  help: 'Help',
  system: 'System',
  network: 'Network',
  token: 'Registration token',
};

/** Everything one frame depends on. */
export interface ScreenInput {
  view: ViewName;
  state: ConsoleState;
  now: number;
  glyphs: Glyphs;
  cols: number;
  rows: number;
  /** The active key table (footer). */
  bindings: readonly KeyBinding[];
  /** Tables listed on the help screen. */
  helpGroups: ReadonlyArray<{ title: string; bindings: readonly KeyBinding[] }>;
  flash: FlashMessage | null;
  dialog: Dialog | null;
  /** F-keys the terminal lacks: the footer shows their digit beside them. */
  missingKeys?: ReadonlySet<string>;
}

/** The status lines (one, or two for a long message): the current message, or the agent and token summary. */
export function renderStatusLines(state: ConsoleState, flash: FlashMessage | null, now: number, g: Glyphs, inner: number): Line[] {
  if (flash) {
    const style = flash.kind === 'error' ? 'error' : flash.kind === 'warn' ? 'warn' : flash.kind === 'ok' ? 'ok' : undefined;
    const mark = flash.kind === 'error' ? `${g.fail} ` : flash.kind === 'ok' ? `${g.ok} ` : '';
    const wrapped = wrapText(mark + plain(flash.text), inner - 2);
    const shown = wrapped.length > 2 ? [wrapped[0]!, truncate(wrapped.slice(1).join(' '), inner - 2, g.ellipsis)] : wrapped;
    return shown.map((t) => [seg(' '), seg(t, style)]);
  }
  return [renderAgentSummary(state, now, g)];
}

/** The body of a view at an inner width. */
export function renderBody(input: ScreenInput, inner: number): Line[] {
  const { view, state, now, glyphs: g } = input;
  switch (view) {
    case 'main':
      return renderMainBody(state, now, g, inner);
    case 'system':
      return renderSystemBody(state, g);
    case 'network':
      return renderNetworkBody(state);
    case 'token':
      return renderTokenPanel(state, now, g, inner);
    case 'help':
      return [[], ...renderHelp(input.helpGroups, g, inner)];
  }
}

/** The full screen for one frame, exactly cols × rows. */
export function renderScreen(input: ScreenInput): Line[] {
  const { state, now, glyphs: g, cols, rows } = input;
  const version = state.status?.agentVersion ?? CONSOLE_VERSION;
  const title: Line = [seg(`${PRODUCT} ${plain(version)} ${g.middot} ${VIEW_TITLES[input.view]}`, 'title')];
  const status = renderStatusLines(state, input.flash, now, g, cols - 2);
  const footer = renderFooterLines(input.bindings, cols - 2, g, input.missingKeys);
  const lines = composeFrame(cols, rows, g, [
    { title, right: [seg(clockUtc(now))], lines: renderBody(input, cols - 2) },
    { lines: status, height: status.length },
    { lines: footer, height: footer.length },
  ]);
  return input.dialog ? overlayDialog(lines, input.dialog, cols, rows, g) : lines;
}
