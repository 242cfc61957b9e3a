/**
 * Every screen of both consoles at 80x24 under every supported TERM, in a
 * real pseudo-terminal: the footer is never cut (no ellipsis, every key of
 * the table whole: "F10 Power" on System, "Tab Pane" on the dashboard under
 * LANG=C); vt100 and vt220 get ASCII even with a UTF-8 locale (no byte above
 * 0x7F: a real VT cannot show `○ ▶ ●`); the window title is set only on
 * xterm-like terminals and the terminal's own title is back after exit.
 */
import { describe, expect, it } from 'vitest';
import { footerText, TERMS, type PtyProgram } from '../helpers/pty.js';
import { bothConsoles, startConsole } from './vdc-console-support.js';

const both = bothConsoles('vdc-footers');

const serial = (term: string) => term.startsWith('vt');
const xtermLike = (term: string) => term !== 'linux' && !serial(term);

/** How to wait for the screen to be final once it shows: the host console says when it is idle. */
type Settle = (p: PtyProgram) => Promise<void>;
const settled: Settle = (p) => p.waitForSettled();

/** Waits for a screen, then checks its footer is whole and holds each of the keys. */
async function footerWhole(
  p: PtyProgram,
  screen: RegExp | string,
  keys: string[],
  settle: Settle = settled,
): Promise<string> {
  await p.waitForText(screen);
  await settle(p);
  const f = footerText(p.screenText());
  expect(f, `footer of ${screen}`).not.toMatch(/…|\.\.\./);
  for (const k of keys) expect(f, `footer of ${screen}`).toContain(k);
  return f;
}

/** A title the terminal had before the console started, and the titles it was given since. */
function watchTitle(p: PtyProgram): string[] {
  const titles: string[] = [];
  p.term.onTitleChange((t) => titles.push(t));
  p.term.write('\x1b]0;operator shell\x07');
  return titles;
}

/** Every TERM with a UTF-8 locale, and the serial ones and xterm again under LANG=C. */
const RUNS: Array<[string, string]> = [
  ...TERMS.map((t): [string, string] => [t, 'C.UTF-8']),
  ['vt220', 'C'],
  ['xterm', 'C'],
];

describe.each(RUNS)('TERM=%s LANG=%s', (term, lang) => {
  const ascii = lang === 'C' || serial(term);

  it("host console: every screen's footer whole at 80 columns, glyphs the terminal has, title restored", async () => {
    const p = both.hostConsole({ log: 'footers.log', term, lang });
    const titles = watchTitle(p);
    await p.waitForText(/Standalone/);
    await footerWhole(p, /Direct Console/, ['F1 Help', 'F4 Token', 'F10 Power'], settled);
    const everyKey = [
      'Esc Back',
      'F1 Help',
      'F2 System',
      'F3 Network',
      'F4 Token',
      'F5 Refresh',
      'F9 Leave',
      'F10 Power',
      'q Quit',
    ];
    p.press('1');
    await footerWhole(p, /Quantix-OS \S+ . Help/, everyKey, settled);
    p.press('2');
    await footerWhole(p, /Quantix-OS \S+ . System/, everyKey, settled);
    p.press('3');
    await footerWhole(p, /Quantix-OS \S+ . Network/, everyKey, settled);
    p.press('4');
    await footerWhole(
      p,
      'Registration token',
      ['G New token', 'R Revoke', 'Esc Back', 'F1 Help', 'F5 Refresh', 'q Quit'],
      settled,
    );
    p.press('0');
    await footerWhole(p, /Reboot or shut down this host\?/, [], settled);
    p.press('n');
    await p.waitForNoText('Reboot or shut down this host?');
    // The standalone dot on the main screen, in the glyph the terminal has.
    p.press('Esc');
    await p.waitForText('Direct Console');
    expect(p.screen()).toMatch(ascii ? /Status +o Standalone/ : /Status +○ Standalone/);

    if (ascii)
      expect(
        [...p.output()].filter((b) => b > 0x7f),
        'bytes above 0x7F',
      ).toHaveLength(0);
    const written = p.output().toString('latin1');
    expect(written.includes('\x1b]0;'), 'title set').toBe(xtermLike(term));
    expect(written.includes('\x1b[22;0t'), 'title pushed').toBe(xtermLike(term));
    p.press('q');
    const exit = await p.exit();
    expect(exit.restored).toBe(true);
    if (xtermLike(term)) expect(titles.at(-1), "the terminal's own title after exit").toBe('operator shell');
    else expect(titles).toEqual(['operator shell']);
  });

  it("vDC console: every screen's footer whole at 80 columns, glyphs the terminal has, title restored", async () => {
    const p = both.run(startConsole(both.vdc(), { term, lang, cols: 80, rows: 24 }));
    const titles = watchTitle(p);
    await p.waitForText('Production');
    await footerWhole(p, /Hosts . Production/, [
      'a Add host',
      'c Cluster',
      'd Remove',
      '/ Filter',
      'Tab Pane',
      '? Help',
      ascii ? 'Enter Details' : '⏎ Details',
    ]);
    p.press('?');
    await footerWhole(p, /^[┌+] Help /, ['Esc Back']);
    p.press('Esc');
    await p.waitForNoText(/^[┌+] Help /);
    p.press('/');
    await footerWhole(p, /filter: _/, ['Keep filter', 'Esc Clear']);
    p.press('Esc');
    await p.waitForNoText(/filter: _/);
    p.press('c');
    await footerWhole(p, /Create cluster/, []);
    p.press('Esc');
    await p.waitForNoText(/Create cluster/);
    p.press('a');
    await footerWhole(p, /Add host . 1\/4 Connect/, [
      'Tab Next field',
      'Esc Cancel',
      ascii ? 'Enter Connect' : '⏎ Connect',
    ]);
    expect(p.screen()).toMatch(ascii ? /> Production/ : /▶ Production/);

    if (ascii)
      expect(
        [...p.output()].filter((b) => b > 0x7f),
        'bytes above 0x7F',
      ).toHaveLength(0);
    expect(p.output().toString('latin1').includes('\x1b]0;'), 'title set').toBe(xtermLike(term));
    p.press('Esc');
    await p.waitForNoText(/Add host . 1\/4/);
    p.press('q');
    const exit = await p.exit();
    expect(exit.restored).toBe(true);
    if (xtermLike(term)) expect(titles.at(-1), "the terminal's own title after exit").toBe('operator shell');
    else expect(titles).toEqual(['operator shell']);
  });
});
