/**
 * The main screen: host, management addresses, hardware summary,
 * membership, or why the agent cannot be reached; the F-key menu below.
 */
import type { Glyphs } from '../../../common/tui/glyphs.js';
import type { KeyBinding } from '../../../common/tui/keys.js';
import { plain, seg, type Line } from '../../../common/tui/text.js';
import { labelled, renderAddresses, renderHardware, renderMembership, renderProblem } from '../render/parts.js';
import type { ConsoleState } from '../types.js';
import type { Screen, ScreenContext } from './context.js';
import { menuKeys, quitKeys } from './menu.js';

/** The main screen's keys: the menu, Ctrl-L, and quit (listed in help; the footer is full). */
export function mainKeys(ctx: ScreenContext): KeyBinding[] {
  return [...menuKeys(ctx), ctx.redraw, ...quitKeys(ctx, false)];
}

/** Body of the main screen. */
export function renderMainBody(state: ConsoleState, now: number, g: Glyphs, width = 78): Line[] {
  const s = state.status;
  const lines: Line[] = [[]];
  if (!s) {
    const unknown =
      state.problem?.code === 'PERMISSION_DENIED'
        ? 'unknown (no permission to ask the agent)'
        : 'unknown (agent not reachable)';
    lines.push(labelled('Host', [seg(state.problem ? unknown : `asking quantix-node${g.ellipsis}`, 'dim')]));
  } else {
    lines.push(labelled('Host', [seg(plain(s.hostname), 'title')]));
    lines.push(...renderAddresses(s.addresses, s.port));
    lines.push(...renderHardware(state.inventory, g));
    lines.push(...renderMembership(s, now, g));
  }
  if (state.problem) {
    lines.push([]);
    lines.push(...renderProblem(state, now, g, width));
  } else if (s) {
    lines.push([]);
    lines.push(
      s.membership
        ? [
            seg('  To move this host to another vDC, leave the cluster first: press '),
            seg('F9', 'key'),
            seg(' (or 9).'),
          ]
        : [seg('  To add this host to a cluster press '), seg('F4', 'key'), seg(' (or 4) for a registration token.')],
    );
  }
  return lines;
}

/** The main screen. */
export const mainScreen: Screen = {
  title: 'Direct Console',
  keys: mainKeys,
  body: ({ state, now, glyphs, width }) => renderMainBody(state, now, glyphs, width),
};
