/**
 * A 5×5 block font for the registration token, readable from across a
 * server room: the symbols that are easy to confuse at a distance (0/D,
 * 8/B, 5/S, 2/Z, M/N/W, Q) differ in more than one pixel, and zero is
 * slashed. Covers the token alphabet (Crockford base32) and the dash.
 */

/** Glyph rows, `#` for a lit pixel. */
export const BLOCK_FONT: Readonly<Record<string, readonly string[]>> = {
  '0': [' ### ', '#  ##', '# # #', '##  #', ' ### '],
  '1': ['  #  ', ' ##  ', '  #  ', '  #  ', ' ### '],
  '2': [' ### ', '#   #', '  ## ', ' #   ', '#####'],
  '3': ['#### ', '    #', ' ### ', '    #', '#### '],
  '4': ['#   #', '#   #', '#####', '    #', '    #'],
  '5': ['#####', '#    ', '#### ', '    #', '#### '],
  '6': [' ### ', '#    ', '#### ', '#   #', ' ### '],
  '7': ['#####', '    #', '   # ', '  #  ', '  #  '],
  '8': [' ### ', '#   #', ' ### ', '#   #', ' ### '],
  '9': [' ### ', '#   #', ' ####', '    #', ' ### '],
  A: [' ### ', '#   #', '#####', '#   #', '#   #'],
  B: ['#### ', '#   #', '#### ', '#   #', '#### '],
  C: [' ####', '#    ', '#    ', '#    ', ' ####'],
  D: ['#### ', '#   #', '#   #', '#   #', '#### '],
  E: ['#####', '#    ', '#### ', '#    ', '#####'],
  F: ['#####', '#    ', '#### ', '#    ', '#    '],
  G: [' ####', '#    ', '#  ##', '#   #', ' ####'],
  H: ['#   #', '#   #', '#####', '#   #', '#   #'],
  J: ['  ###', '    #', '    #', '#   #', ' ### '],
  K: ['#   #', '#  # ', '###  ', '#  # ', '#   #'],
  M: ['#   #', '## ##', '# # #', '#   #', '#   #'],
  N: ['#   #', '##  #', '# # #', '#  ##', '#   #'],
  P: ['#### ', '#   #', '#### ', '#    ', '#    '],
  Q: [' ### ', '#   #', '# # #', '#  # ', ' ## #'],
  R: ['#### ', '#   #', '#### ', '#  # ', '#   #'],
  S: [' ####', '#    ', ' ### ', '    #', '#### '],
  T: ['#####', '  #  ', '  #  ', '  #  ', '  #  '],
  V: ['#   #', '#   #', '#   #', ' # # ', '  #  '],
  W: ['#   #', '#   #', '# # #', '## ##', '#   #'],
  X: ['#   #', ' # # ', '  #  ', ' # # ', '#   #'],
  Y: ['#   #', ' # # ', '  #  ', '  #  ', '  #  '],
  Z: ['#####', '   # ', '  #  ', ' #   ', '#####'],
  '-': ['     ', '     ', ' ### ', '     ', '     '],
};

/** Height of the font in rows. */
export const FONT_HEIGHT = 5;

/** Width of a rendered string: 5 columns per glyph, gap columns between glyphs, groupGap between groups of four. */
export function bigTextWidth(symbols: string, gap = 1, groupGap = 3): number {
  const n = symbols.length;
  if (n === 0) return 0;
  const groups = Math.ceil(n / 4);
  return n * 5 + (n - 1) * gap + (groups - 1) * (groupGap - gap);
}

/**
 * Renders canonical token symbols in block type, in groups of four, as
 * FONT_HEIGHT strings using pixel for lit cells. Unknown symbols render blank.
 */
export function renderBigText(symbols: string, pixel: string, gap = 1, groupGap = 3): string[] {
  const rows: string[] = Array.from({ length: FONT_HEIGHT }, () => '');
  [...symbols].forEach((c, i) => {
    const glyph = BLOCK_FONT[c] ?? BLOCK_FONT['-']!.map(() => '     ');
    const sep = i === 0 ? '' : ' '.repeat(i % 4 === 0 ? groupGap : gap);
    for (let r = 0; r < FONT_HEIGHT; r++) rows[r] = (rows[r] ?? '') + sep + glyph[r]!.replace(/#/g, pixel);
  });
  return rows;
}
