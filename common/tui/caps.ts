/**
 * What the terminal can show, decided once at start from the environment:
 * Unicode or ASCII glyphs (the locale, and the terminal type: a vt100 or
 * vt220 cannot show UTF-8 whatever the locale says), colour or bold/inverse
 * only (terminal type, NO_COLOR), and whether the window title may be set
 * (xterm-like only: vt100, vt220 and the Linux console would print it as
 * garbage).
 * Pure: the environment is a parameter.
 */

/** Terminal capabilities every screen renders for. */
export interface TerminalCaps {
  /** The terminal type in use (TERM, `xterm` when unset). */
  term: string;
  /** The locale uses UTF-8 and the terminal type can show it: box drawing and symbols; otherwise ASCII only. */
  unicode: boolean;
  /** Colours may be used (≥ 8 colours and NO_COLOR unset); otherwise bold/inverse only. */
  color: boolean;
  /** Number of colours the terminal type announces (0 when none). */
  colors: number;
  /** xterm, rxvt, screen, tmux and friends: OSC title sequences are understood. */
  xtermLike: boolean;
}

/** Environment variables the detection reads. */
export type TermEnv = Partial<Record<'TERM' | 'LANG' | 'LC_ALL' | 'LC_CTYPE' | 'NO_COLOR' | 'COLORTERM', string>>;

/**
 * Terminal types that show no UTF-8 (their terminfo entries describe a
 * 7/8-bit DEC or ANSI terminal): the DEC VTs (vt52, vt100, vt220, vt320…),
 * `dumb` and `ansi`. A serial console set to one of them with a UTF-8
 * locale would show each multi-byte glyph as two or three wrong characters.
 */
const NO_UTF8 = /^(vt\d|dumb$|ansi($|-))/;

const XTERM_LIKE = /^(xterm|rxvt|screen|tmux|alacritty|kitty|foot|st|gnome|konsole|vte|putty|wezterm)/;

/**
 * Colours announced by the common terminal types. blessed reads terminfo
 * too, but vt100/vt220 have no `colors` entry and blessed then maps colours
 * onto black and red, so the decision is made here from the name.
 */
function colorsOf(term: string, env: TermEnv): number {
  if (/-truecolor$|-direct$/.test(term) || /truecolor|24bit/i.test(env.COLORTERM ?? '')) return 1 << 24;
  if (/-256colou?r$/.test(term)) return 256;
  if (/-16colou?r$/.test(term)) return 16;
  if (/^(vt\d+|dumb|ansi-mono|vt52)/.test(term) || /-m(ono)?$/.test(term)) return 0;
  if (/^(linux|xterm|rxvt|screen|tmux|ansi|cygwin|putty|konsole|gnome|alacritty|kitty|foot|st|wezterm)/.test(term))
    return 8;
  return 0;
}

/** True when the effective character-type locale is UTF-8 (LC_ALL, then LC_CTYPE, then LANG). */
export function localeIsUtf8(env: TermEnv): boolean {
  const effective = env.LC_ALL || env.LC_CTYPE || env.LANG || '';
  return /utf-?8/i.test(effective);
}

/** Detects the capabilities of the terminal described by env. */
export function detectCapabilities(env: TermEnv): TerminalCaps {
  const term = (env.TERM ?? '').trim() || 'xterm';
  const colors = colorsOf(term, env);
  // NO_COLOR: any non-empty value disables colour (https://no-color.org).
  const noColor = typeof env.NO_COLOR === 'string' && env.NO_COLOR !== '';
  return {
    term,
    unicode: localeIsUtf8(env) && !NO_UTF8.test(term),
    colors,
    color: colors >= 8 && !noColor,
    xtermLike: XTERM_LIKE.test(term),
  };
}
