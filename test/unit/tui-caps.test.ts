import { describe, expect, it } from 'vitest';
import { detectCapabilities } from '../../common/tui/caps.js';
import { glyphsFor, themeFor, MONO_THEME, COLOR_THEME } from '../../common/tui/glyphs.js';

describe('detectCapabilities', () => {
  const utf8 = { LANG: 'C.UTF-8' };
  it.each([
    // [TERM, colour expected, xterm-like expected, UTF-8 glyphs under a UTF-8 locale]
    ['linux', true, false, true],
    ['vt100', false, false, false],
    ['vt220', false, false, false],
    ['vt320', false, false, false],
    ['dumb', false, false, false],
    ['xterm', true, true, true],
    ['xterm-256color', true, true, true],
    ['screen', true, true, true],
    ['tmux-256color', true, true, true],
  ])('TERM=%s: colour %s, title %s, UTF-8 %s', (term, color, xtermLike, unicode) => {
    const caps = detectCapabilities({ ...utf8, TERM: term });
    expect(caps.color).toBe(color);
    expect(caps.xtermLike).toBe(xtermLike);
    expect(caps.unicode).toBe(unicode);
  });

  it('NO_COLOR turns colour off on a colour terminal', () => {
    expect(detectCapabilities({ TERM: 'xterm-256color', NO_COLOR: '1' }).color).toBe(false);
    // An empty NO_COLOR does not count (no-color.org).
    expect(detectCapabilities({ TERM: 'xterm-256color', NO_COLOR: '' }).color).toBe(true);
  });

  it.each([
    // locale variables, UTF-8 expected
    [{ LANG: 'C' }, false],
    [{ LANG: 'en_US.UTF-8', LC_ALL: 'C' }, false], // LC_ALL wins over LANG
    [{ LANG: 'C', LC_CTYPE: 'en_US.utf8' }, true], // LC_CTYPE wins over LANG
    [{}, false],
    [{ LANG: 'de_DE.UTF-8' }, true],
  ])('locale %j → unicode %s', (env, unicode) => {
    expect(detectCapabilities({ TERM: 'xterm', ...env }).unicode).toBe(unicode);
  });

  it('picks ASCII glyphs and the mono theme from the capabilities', () => {
    const caps = detectCapabilities({ TERM: 'vt100', LANG: 'C' });
    const g = glyphsFor(caps);
    expect([g.topLeft, g.horizontal, g.vertical, g.dotOn, g.dotOff, g.barFull, g.barEmpty, g.ok, g.fail]).toEqual([
      '+',
      '-',
      '|',
      '*',
      'o',
      '#',
      '.',
      'ok',
      '!!',
    ]);
    for (const v of Object.values(g)) expect(/^[\x20-\x7e]*$/.test(v)).toBe(true);
    expect(themeFor(caps)).toBe(MONO_THEME);
    expect(themeFor(detectCapabilities({ TERM: 'linux' }))).toBe(COLOR_THEME);
  });

  it('the mono theme uses only bold and inverse', () => {
    for (const tags of Object.values(MONO_THEME)) for (const t of tags) expect(['bold', 'inverse']).toContain(t);
  });
});
