/**
 * A body taller than its window: the window of lines to show from a
 * scroll position, and the position hint (`1-17/20`) a frame shows beside
 * its title. Pure; both consoles use it.
 */
import { seg, type Line } from './text.js';

/** A scrolled window of body lines with a position hint; returns the clamped scroll. */
export function scrolled(
  lines: Line[],
  height: number,
  scroll: number,
): { lines: Line[]; scroll: number; more: string | null } {
  const max = Math.max(0, lines.length - height);
  const s = Math.min(Math.max(0, scroll), max);
  const more = max > 0 ? `${s + 1}-${Math.min(lines.length, s + height)}/${lines.length}` : null;
  return { lines: lines.slice(s, s + height), scroll: s, more };
}

/** The position hint for a frame's border (`1-18/40`), or nothing. */
export function moreHint(more: string | null): Line {
  return more ? [seg(more, 'dim')] : [];
}
