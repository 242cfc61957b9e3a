/** The F1 help screen: every key, generated from the screens' own key tables. */
import { renderHelp } from '../../../common/tui/keys.js';
import type { Screen, ScreenContext } from './context.js';
import { mainKeys } from './main.js';
import { infoScreenKeys, scrollKeys } from './menu.js';
import { tokenKeys } from './token.js';

/** The tables the help screen lists. */
export function helpGroups(ctx: ScreenContext) {
  return [
    { title: 'Main screen', bindings: mainKeys(ctx) },
    { title: 'Registration token (F4)', bindings: tokenKeys(ctx) },
    { title: 'Help, System and Network (F1-F3)', bindings: scrollKeys(ctx) },
  ];
}

/** The help screen: Esc, the menu, quit. */
export const helpScreen: Screen = {
  title: 'Help',
  scrolls: true,
  keys: infoScreenKeys,
  body: ({ glyphs, width, helpGroups: groups }) => [[], ...renderHelp(groups, glyphs, width)],
};
