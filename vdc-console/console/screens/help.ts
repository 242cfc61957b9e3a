/**
 * The help screen: every key of every screen, listed from the screens'
 * own key tables. Why a key cannot act is said only for the screen help
 * was opened from: on the dashboard, "the host is still loading" about
 * the details screen would be false.
 */
import { renderHelp, type KeyBinding } from '../../../common/tui/keys.js';
import { seg, type Line } from '../../../common/tui/text.js';
import { moreHint, scrolled } from '../../../common/tui/scroll.js';
import { contentRows, framed, statusLines, type Frame } from '../render/frame.js';
import { helpOpenedFrom, type Screen } from '../state.js';
import { ctrlCKey, scrollKeys, type HelpSection, type ScreenContext } from './context.js';
import { auditHelp } from './audit.js';
import { dashboardHelp } from './dashboard.js';
import { detailsHelp } from './details.js';
import { wizardHelp } from './wizard.js';
import { bulkHelp } from './bulk.js';

/** The help screen's keys. */
export function helpKeys(ctx: ScreenContext): KeyBinding[] {
  return [
    { keys: ['escape', '?', 'q'], label: 'Back', handler: () => ctx.dispatch({ type: 'back' }) },
    ...scrollKeys(ctx),
    ctrlCKey(ctx),
  ];
}

/** The help screen's sections: each screen's key tables, in the order one meets them. */
export function helpSections(ctx: ScreenContext): HelpSection[] {
  const from = helpOpenedFrom(ctx.state());
  const here = (screen: Screen, sections: HelpSection[]): HelpSection[] =>
    screen === from
      ? sections
      : sections.map((s) => ({ ...s, bindings: s.bindings.map(({ disabledReason: _, ...b }) => b) }));
  return [
    ...here('dashboard', dashboardHelp(ctx)),
    ...here('details', detailsHelp(ctx)),
    ...here('wizard', wizardHelp(ctx)),
    ...here('audit', auditHelp(ctx)),
    ...here('bulk', bulkHelp(ctx)),
  ];
}

/** The help screen: the sections as key and text, scrolled. */
export function renderHelpScreen(
  f: Frame,
  groups: readonly HelpSection[],
  scroll: number,
): { lines: Line[]; scroll: number } {
  const body = renderHelp(groups, f.glyphs, f.cols - 2);
  const status = statusLines(f.flash, null, f.glyphs, f.cols - 2);
  const s = scrolled(body, contentRows(f, 1, status.length), scroll);
  return { lines: framed(f, [seg('Help', 'title')], moreHint(s.more), [{ lines: s.lines }], status), scroll: s.scroll };
}

/** The help screen drawn from the state; the clamped scroll goes back to it. */
export function drawHelp(f: Frame, ctx: ScreenContext): Line[] {
  const scroll = ctx.state().helpScroll;
  const r = renderHelpScreen(f, helpSections(ctx), scroll);
  if (r.scroll !== scroll) ctx.settle({ type: 'scrolled', screen: 'help', scroll: r.scroll });
  return r.lines;
}
