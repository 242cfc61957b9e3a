/**
 * The keys each terminal type really sends, in a real pseudo-terminal at
 * 80x24: vt100's F5, F9 and F10 are its keypad keys (`ESC O t`, `w`, `x`);
 * with the keypad in application mode (as both consoles set it) xterm's
 * keypad digits arrive as `ESC O p`..`ESC O y` and its Enter as `ESC O M`.
 * Each acts as the key it is. Where a terminal lacks an F-key the footer
 * shows the digit beside it, whole, at 80 columns.
 */
import { describe, expect, it } from 'vitest';
import { footerText } from '../helpers/pty.js';
import { bothConsoles, startConsole } from './vdc-console-support.js';

const both = bothConsoles('vdc-keys');

const hostConsole = (term: string, lang = 'C') => both.hostConsole({ log: 'keys.log', term, lang });

describe('host console, TERM=vt100', () => {
  it('F5, F9 and F10 (ESC O t/w/x) act; the footer shows 5/F5, 9/F9 and 0/F10 whole', async () => {
    const p = hostConsole('vt100');
    await p.waitForText(/Standalone/);
    expect(footerText(p.screenText())).toBe(
      'F1 Help F2 System F3 Network F4 Token 5/F5 Refresh 9/F9 Leave 0/F10 Power',
    );
    p.press('F5');
    await p.waitForText('Refreshed.');
    p.press('F9');
    await p.waitForText(/not in a cluster: nothing to leave/);
    p.press('F10');
    await p.waitForText('Reboot or shut down this host?');
    p.press('n');
    await p.waitForNoText('Reboot or shut down this host?');
    // The keypad's 1 (ESC O q) is a 1 here: help.
    p.press({ raw: '\x1bOq' });
    await p.waitForText(/Quantix-OS \S+ . Help/);
    // Digits work on every screen, so the footer's 5/F5 is true here too.
    p.press('5');
    await p.waitForText('Refreshed.');
  });
});

describe('host console, TERM=vt220', () => {
  it('has no F5: the footer says 5/F5; its other F-keys show alone', async () => {
    const p = hostConsole('vt220');
    await p.waitForText(/Standalone/);
    const f = footerText(p.screenText());
    expect(f).toContain('5/F5 Refresh');
    expect(f).toMatch(/(^| )F9 Leave +F10 Power$/);
  });
});

describe('host console, TERM=xterm-256color, keypad in application mode', () => {
  it('keypad digits (ESC O p..y) act as the digits; the footer shows plain F-keys', async () => {
    const p = hostConsole('xterm-256color', 'C.UTF-8');
    await p.waitForText(/Standalone/);
    expect(p.term.modes.applicationKeypadMode).toBe(true);
    expect(footerText(p.screenText())).toBe(
      'F1 Help  F2 System  F3 Network  F4 Token  F5 Refresh  F9 Leave  F10 Power',
    );
    p.press({ raw: '\x1bOt' });
    await p.waitForText('Registration token');
    p.press({ raw: '\x1bOr' });
    await p.waitForText(/Quantix-OS \S+ . System/);
    p.press({ raw: '\x1bOp' });
    await p.waitForText('Reboot or shut down this host?');
  });
});

describe('vDC console, TERM=xterm, keypad in application mode', () => {
  it('keypad digits and point type into the address; keypad Enter submits', async () => {
    const p = both.run(startConsole(both.vdc(), { term: 'xterm', cols: 80, rows: 24 }));
    await p.waitForText('Production');
    p.press('a');
    await p.waitForText(/Add host . 1\/4 Connect/);
    // 127.0.0.1 on the keypad.
    p.press({ raw: '\x1bOq\x1bOr\x1bOw\x1bOn\x1bOp\x1bOn\x1bOp\x1bOn\x1bOq' });
    await p.waitForText('[127.0.0.1_');
    // Keypad Enter with the token missing: the form points at the token instead of connecting.
    p.press({ raw: '\x1bOM' });
    await p.waitForText(/>Token/);
    expect(p.screen()).toMatch(/Add host . 1\/4 Connect/);
  });
});
