/**
 * Keys over a slow link, both consoles in a real pseudo-terminal at 80x24:
 * IPMI serial-over-LAN and terminal servers deliver the bytes of one key in
 * pieces 60-80 ms apart. Each piece here is a separate write with that gap
 * (the gap is the condition under test). The key must act as itself, never
 * as its pieces: F10 on a vt220 (ESC [ 2 1 ~) opens the power menu, not
 * System (the `2`); F4 and F2 work; Down in the add-host wizard moves to the
 * next field without closing the wizard (the ESC) or losing the address.
 * The escape delay is configurable (--escape-delay, QUANTIX_ESCAPE_DELAY).
 */
import path from 'node:path';
import { describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/pty.js';
import { runNodeProgram } from '../helpers/run.js';
import { bothConsoles, startConsole } from './vdc-console-support.js';

const HOST_CONSOLE = 'dist/host-console/console/main.js';
const VDC_CONSOLE = 'dist/vdc-console/console/main.js';

const both = bothConsoles('vdc-slow');

const hostConsole = (term: string, args: string[] = [], env: Record<string, string | undefined> = {}) =>
  both.hostConsole({ log: 'slow-console.log', term, lang: 'C', args, env });

describe('host console, TERM=vt220, keys in pieces 60-80 ms apart', () => {
  it('F10 opens the power menu, F4 the token screen and F2 System', async () => {
    const p = hostConsole('vt220');
    await p.waitForText(/Standalone/);

    // F10 = ESC [ 2 1 ~ as ESC | [2 | 1~; its `2` alone would open System.
    await p.pressSplit('F10', [1, 3], 80);
    await p.waitForText('Reboot or shut down this host?');
    expect(p.screen()).toContain('Direct Console');
    expect(p.screen()).not.toMatch(/Quantix-OS \S+ . System/);
    p.press('Esc');
    await p.waitForNoText('Reboot or shut down this host?');

    // F4 = ESC O S as three reads.
    await p.pressSplit('F4', [1, 2], 70);
    await p.waitForText('Registration token');
    p.press('Esc');
    await p.waitForText('Direct Console');

    // F2 = ESC O Q as two reads, 60 ms apart.
    await p.pressSplit('F2', 1, 60);
    await p.waitForText(/Quantix-OS \S+ . System/);
    // The tail (`O`, `Q`) did nothing of its own: still on System, no message about unknown keys.
    await p.waitForSettled();
    expect(p.screen()).toMatch(/Quantix-OS \S+ . System/);
  });

  it('--escape-delay sets the wait: with 1000 ms a key whose pieces are 400 ms apart still works', async () => {
    const p = hostConsole('vt220', ['--escape-delay', '1000']);
    await p.waitForText(/Standalone/);
    await p.pressSplit('F4', 1, 400);
    await p.waitForText('Registration token');
  });

  it('QUANTIX_ESCAPE_DELAY sets it when the option is absent', async () => {
    const p = hostConsole('vt220', [], { QUANTIX_ESCAPE_DELAY: '1000' });
    await p.waitForText(/Standalone/);
    await p.pressSplit('F10', 1, 400);
    await p.waitForText('Reboot or shut down this host?');
  });
});

describe('vDC console add-host wizard, keys in pieces', () => {
  it('Down (ESC | [B, 70 ms apart) moves to the token field; the wizard stays and keeps the address', async () => {
    const p = both.run(startConsole(both.vdc(), { term: 'xterm-256color', cols: 80, rows: 24 }));
    await p.waitForText('Production');
    p.press('a');
    await p.waitForText(/Add host . 1\/4 Connect/);
    p.write('10.20.0.17');
    await p.waitForText('10.20.0.17_');
    await p.pressSplit('Down', 1, 70);
    await p.waitForText(/>Token/);
    expect(p.screen()).toMatch(/Add host . 1\/4 Connect/);
    expect(p.screen()).toMatch(/Address +\[10\.20\.0\.17 /);
    // Typing now goes into the token field, not the address.
    p.write('qx');
    await p.waitForText(/Token +\[QUANTIX-QX_/);
    expect(p.screen()).toMatch(/Address +\[10\.20\.0\.17 /);
  });
});

describe('a bad escape delay is a usage error before the screen starts', () => {
  it.each([
    [HOST_CONSOLE, ['--escape-delay', '5'], {}],
    [HOST_CONSOLE, [], { QUANTIX_ESCAPE_DELAY: 'soon' }],
    [VDC_CONSOLE, ['--escape-delay', '99999'], {}],
    [VDC_CONSOLE, [], { QUANTIX_ESCAPE_DELAY: '-1' }],
  ])('%s %j %j', async (script, args, env) => {
    const r = await runNodeProgram(path.join(REPO_ROOT, script), args, { env: { ...process.env, ...env } });
    expect(r.code).toBe(2);
    expect(r.stderr).toMatch(/(--escape-delay|QUANTIX_ESCAPE_DELAY) takes milliseconds from 10 to 5000/);
    expect(r.stdout).toBe('');
  });
});
