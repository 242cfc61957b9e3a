/**
 * The frame around every screen: header with product, version, screen
 * title and clock (minutes only: a changing seconds digit would cost bytes
 * on a serial line every second), the screen's body, the status line, the
 * footer generated from the key table, and the dialog over it all.
 */
import type { FlashMessage } from '../../../common/tui/flash.js';
import type { Glyphs } from '../../../common/tui/glyphs.js';
import { renderFooterLines, type KeyBinding } from '../../../common/tui/keys.js';
import { composeFrame, plain, seg, truncate, wrapText, type Line } from '../../../common/tui/text.js';
import { overlayDialog, type Dialog } from '../../../common/tui/dialog.js';
import { moreHint, scrolled } from '../../../common/tui/scroll.js';
import { CONSOLE_VERSION, PRODUCT, type ConsoleState } from '../types.js';
import { clockUtc } from './format.js';
import { renderAgentSummary } from './parts.js';

/** Everything one frame depends on besides its body. */
export interface FrameInput {
  /** The screen's title in the header. */
  title: string;
  state: ConsoleState;
  now: number;
  glyphs: Glyphs;
  cols: number;
  rows: number;
  /** The active key table (footer). */
  bindings: readonly KeyBinding[];
  flash: FlashMessage | null;
  dialog: Dialog | null;
  /** F-keys the terminal lacks: the footer shows their digit beside them. */
  missingKeys?: ReadonlySet<string>;
  /**
   * First body line shown when the body is taller than its window; undefined for a screen that does not
   * scroll (its body is cut at the window, with no position shown).
   */
  scroll?: number | undefined;
}

/** The status lines (one, or two for a long message): the current message, or the agent and token summary. */
export function renderStatusLines(
  state: ConsoleState,
  flash: FlashMessage | null,
  now: number,
  g: Glyphs,
  inner: number,
): Line[] {
  if (flash) {
    const style =
      flash.kind === 'error' ? 'error' : flash.kind === 'warn' ? 'warn' : flash.kind === 'ok' ? 'ok' : undefined;
    const mark = flash.kind === 'error' ? `${g.fail} ` : flash.kind === 'ok' ? `${g.ok} ` : '';
    const wrapped = wrapText(mark + plain(flash.text), inner - 2);
    const shown =
      wrapped.length > 2 ? [wrapped[0]!, truncate(wrapped.slice(1).join(' '), inner - 2, g.ellipsis)] : wrapped;
    return shown.map((t) => [seg(' '), seg(t, style)]);
  }
  return [renderAgentSummary(state, now, g)];
}

/**
 * The full screen for one frame around a body, exactly cols × rows, and
 * the scroll clamped to the body: a body taller than its window shows the
 * window from input.scroll, its position (`1-17/20`) beside the clock.
 */
export function renderFrame(input: FrameInput, body: Line[]): { lines: Line[]; scroll: number } {
  const { state, now, glyphs: g, cols, rows } = input;
  const version = state.status?.agentVersion ?? CONSOLE_VERSION;
  const title: Line = [seg(`${PRODUCT} ${plain(version)} ${g.middot} ${input.title}`, 'title')];
  const status = renderStatusLines(state, input.flash, now, g, cols - 2);
  const footer = renderFooterLines(input.bindings, cols - 2, g, input.missingKeys);
  // Three sections: four border lines.
  const shown =
    input.scroll === undefined
      ? { lines: body, scroll: 0, more: null }
      : scrolled(body, Math.max(1, rows - 4 - status.length - footer.length), input.scroll);
  const hint = moreHint(shown.more);
  const lines = composeFrame(cols, rows, g, [
    { title, right: [...hint, ...(hint.length ? [seg(' ')] : []), seg(clockUtc(now))], lines: shown.lines },
    { lines: status, height: status.length },
    { lines: footer, height: footer.length },
  ]);
  return { lines: input.dialog ? overlayDialog(lines, input.dialog, cols, rows, g) : lines, scroll: shown.scroll };
}
