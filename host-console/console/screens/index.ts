/**
 * The screens by name, and the whole frame of one: where to look for a
 * screen's keys and drawing is `screens/<name>.ts` (main, help, system,
 * network, token; the F-key menu in `menu.ts`, the power dialog in
 * `power.ts`).
 */
import type { Line } from '../../../common/tui/text.js';
import { renderFrame, type FrameInput } from '../render/frame.js';
import type { ViewName } from '../types.js';
import type { BodyInput, Screen } from './context.js';
import { helpScreen } from './help.js';
import { mainScreen } from './main.js';
import { networkScreen } from './network.js';
import { systemScreen } from './system.js';
import { tokenScreen } from './token.js';

/** Every screen of the console. */
export const SCREENS: Readonly<Record<ViewName, Screen>> = {
  main: mainScreen,
  help: helpScreen,
  system: systemScreen,
  network: networkScreen,
  token: tokenScreen,
};

/** Everything one frame depends on. */
export interface ScreenInput extends Omit<FrameInput, 'title'> {
  view: ViewName;
  /** Tables listed on the help screen. */
  helpGroups: BodyInput['helpGroups'];
}

/** The full screen of a view for one frame, exactly cols × rows, and its body's scroll as the frame clamped it. */
export function renderScreen(input: ScreenInput): { lines: Line[]; scroll: number } {
  const screen = SCREENS[input.view];
  const body = screen.body({
    state: input.state,
    now: input.now,
    glyphs: input.glyphs,
    width: input.cols - 2,
    helpGroups: input.helpGroups,
  });
  // A screen without the scroll keys is drawn from its top, as it always fits at 80x24.
  return renderFrame({ ...input, title: screen.title, scroll: screen.scrolls ? (input.scroll ?? 0) : undefined }, body);
}
