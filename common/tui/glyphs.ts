/**
 * Glyphs and styles, chosen from the terminal's capabilities: Unicode box
 * drawing and symbols under a UTF-8 locale, plain ASCII otherwise; colours
 * when the terminal has at least 8 and NO_COLOR is unset, otherwise bold
 * and inverse only (vt100/vt220 would turn colours into black on black).
 */
import type { TerminalCaps } from './caps.js';
import { ASCII_LEVELS, UNICODE_LEVELS } from './sparkline.js';

/** Every glyph a screen may draw, in one table per character set. */
export interface Glyphs {
  topLeft: string;
  topRight: string;
  bottomLeft: string;
  bottomRight: string;
  horizontal: string;
  vertical: string;
  teeLeft: string;
  teeRight: string;
  /** Filled and hollow state dots (managed / standalone, connected / down). */
  dotOn: string;
  dotOff: string;
  /** Filled and empty progress-bar cells; also the block-font pixel. */
  barFull: string;
  barEmpty: string;
  ok: string;
  fail: string;
  /** Separator between items on one line. */
  middot: string;
  /** Selection marker in lists. */
  pointer: string;
  enter: string;
  times: string;
  ellipsis: string;
  /** Sparkline heights, lowest first (sparkline.ts). */
  spark: readonly string[];
}

/** Unicode glyphs for UTF-8 locales. */
export const UNICODE_GLYPHS: Glyphs = {
  topLeft: '┌',
  topRight: '┐',
  bottomLeft: '└',
  bottomRight: '┘',
  horizontal: '─',
  vertical: '│',
  teeLeft: '├',
  teeRight: '┤',
  dotOn: '●',
  dotOff: '○',
  barFull: '█',
  barEmpty: '░',
  ok: '✓',
  fail: '✗',
  middot: '·',
  pointer: '▶',
  enter: '⏎',
  times: '×',
  ellipsis: '…',
  spark: UNICODE_LEVELS,
};

/** ASCII glyphs for `LANG=C` and other non-UTF-8 locales: no byte above 0x7F. */
export const ASCII_GLYPHS: Glyphs = {
  topLeft: '+',
  topRight: '+',
  bottomLeft: '+',
  bottomRight: '+',
  horizontal: '-',
  vertical: '|',
  teeLeft: '+',
  teeRight: '+',
  dotOn: '*',
  dotOff: 'o',
  barFull: '#',
  barEmpty: '.',
  ok: 'ok',
  fail: '!!',
  middot: '-',
  pointer: '>',
  enter: 'Enter',
  times: 'x',
  ellipsis: '...',
  spark: ASCII_LEVELS,
};

/** Picks the glyph table for the terminal. */
export function glyphsFor(caps: Pick<TerminalCaps, 'unicode'>): Glyphs {
  return caps.unicode ? UNICODE_GLYPHS : ASCII_GLYPHS;
}

/** Semantic styles a render function may ask for; the theme decides how they look. */
export type StyleName =
  | 'frame'
  | 'title'
  | 'label'
  | 'value'
  | 'dim'
  | 'key'
  | 'ok'
  | 'warn'
  | 'error'
  | 'accent'
  | 'token'
  | 'selected'
  | 'disabled';

/** How each style is drawn: blessed tag names (without braces), applied in order. */
export type Theme = Record<StyleName, readonly string[]>;

/** Colour theme for terminals with at least 8 colours. */
export const COLOR_THEME: Theme = {
  frame: [],
  title: ['bold'],
  label: ['cyan-fg'],
  value: [],
  dim: ['white-fg'],
  key: ['bold', 'yellow-fg'],
  ok: ['green-fg'],
  warn: ['yellow-fg'],
  error: ['bold', 'red-fg'],
  accent: ['bold', 'cyan-fg'],
  token: ['bold'],
  selected: ['inverse'],
  disabled: ['white-fg'],
};

/**
 * Monochrome theme: bold and inverse only, for vt100/vt220 and NO_COLOR.
 * Meaning never depends on colour alone, so nothing is lost but emphasis.
 */
export const MONO_THEME: Theme = {
  frame: [],
  title: ['bold'],
  label: [],
  value: [],
  dim: [],
  key: ['bold'],
  ok: ['bold'],
  warn: ['bold'],
  error: ['bold'],
  accent: ['bold'],
  token: ['bold'],
  selected: ['inverse'],
  disabled: [],
};

/** Picks the theme for the terminal. */
export function themeFor(caps: Pick<TerminalCaps, 'color'>): Theme {
  return caps.color ? COLOR_THEME : MONO_THEME;
}
