/**
 * Ctrl-L on both consoles, in a real pseudo-terminal at 80x24: on a
 * server's console the kernel writes its messages straight over the screen
 * (`[ 8123.45] EXT4-fs warning ...`), behind the program's back. Here those
 * bytes go to the terminal emulator from outside the program, as the kernel
 * would put them on the tty; the screen is splattered, Ctrl-L makes it whole
 * again, exactly as it was. The host console also repaints its idle main
 * screen by itself (--idle-repaint). The bytes of each repaint are measured.
 */
import { describe, expect, it } from 'vitest';
import { spawnInPty, type PtyProgram } from '../helpers/pty.js';
import { bothConsoles, startConsole } from './vdc-console-support.js';

const HOST_CONSOLE = 'dist/host-console/console/main.js';

const both = bothConsoles('vdc-redraw');

/** Kernel messages written to the tty over the screen: two in the middle, one at the bottom that scrolls everything up. */
const KERNEL_MESSAGES =
  '\x1b[7;1H[ 8123.456789] EXT4-fs warning (device sda1): ext4_dx_add_entry:2530: Directory index full!\r\n' +
  '[ 8123.456790] sd 0:0:0:0: [sda] tag#12 FAILED Result: hostbyte=DID_OK\r\n' +
  '\x1b[24;1H\r\n[ 8124.000001] nfs: server 10.0.0.5 not responding, still trying\r\n';

/** The screen without the clock (a minute may turn during the test). */
const steady = (p: PtyProgram) => p.screen().replace(/\d\d:\d\d UTC/g, 'hh:mm UTC');

/**
 * How to wait until the screen is final: the host console says when it is
 * idle (after the keys sent, or after a redraw no key caused).
 */
type Settle = (p: PtyProgram) => Promise<void>;
const settled: Settle = (p) => p.waitForSettled();
const nextSettled: Settle = (p) => p.waitForNextSettled();

/** Writes the kernel messages into the emulator, behind the program's back; returns the screen as it was before. */
async function splatter(p: PtyProgram, settle: Settle = settled): Promise<string> {
  await settle(p);
  const before = steady(p);
  p.mark();
  await new Promise<void>((resolve) => p.term.write(KERNEL_MESSAGES, resolve));
  expect(p.screen()).toContain('EXT4-fs warning');
  expect(steady(p)).not.toBe(before);
  return before;
}

/** Waits until the screen is exactly what it was; returns the bytes the program wrote for it. */
async function whole(p: PtyProgram, before: string, what: string, settle: Settle = settled): Promise<number> {
  await p.waitFor(() => steady(p) === before, what);
  await settle(p);
  expect(steady(p)).toBe(before);
  return p.bytesSinceMark();
}

describe.each([
  ['xterm-256color', 'C.UTF-8'],
  ['vt100', 'C'],
  ['linux', 'C.UTF-8'],
])('host console, TERM=%s, LANG=%s', (term, lang) => {
  it('Ctrl-L repaints the main screen, the token screen and a dialog over console messages', async () => {
    const p = both.hostConsole({ log: 'redraw.log', term, lang });
    await p.waitForText(/Standalone/);
    await p.waitForText('quantix-node: running');
    await p.waitForSettled();
    const firstPaint = p.bytes;

    let before = await splatter(p, settled);
    p.press({ raw: '\x0c' });
    const mainBytes = await whole(p, before, 'the main screen whole again after Ctrl-L', settled);

    p.press('4');
    await p.waitForText('Registration token');
    before = await splatter(p, settled);
    p.press({ raw: '\x0c' });
    const tokenBytes = await whole(p, before, 'the token screen whole again after Ctrl-L', settled);

    p.press({ raw: '\x1b0' });
    await p.waitForText('Reboot or shut down this host?');
    before = await splatter(p, settled);
    p.press({ raw: '\x0c' });
    await whole(p, before, 'the power dialog whole again after Ctrl-L', settled);
    // Ctrl-L only repaints: the dialog is still open and answers its keys.
    p.press('n');
    await p.waitForNoText('Reboot or shut down this host?');

    // Help names it.
    p.press('Esc');
    await p.waitForText('Direct Console');
    p.press('1');
    await p.waitForText(/Ctrl-L +Redraw the whole screen/);
    console.info(
      `[measure] host console ${term} ${lang}: first paint ${firstPaint} B, Ctrl-L repaint main ${mainBytes} B, token ${tokenBytes} B`,
    );
    expect(mainBytes, 'bytes of a full main-screen repaint').toBeLessThanOrEqual(3072);
    if (lang === 'C') expect([...p.output()].filter((b) => b > 0x7f)).toHaveLength(0);
  });
});

describe('host console idle main screen', () => {
  it('repaints itself after --idle-repaint seconds without a key', async () => {
    const p = both.hostConsole({ log: 'idle.log', term: 'linux', args: ['--idle-repaint', '2'] });
    await p.waitForText('quantix-node: running');
    const before = await splatter(p, settled);
    // No key pressed: the console repaints by itself.
    const bytes = await whole(p, before, 'the idle main screen repainted by itself', nextSettled);
    console.info(
      `[measure] host console idle repaint (linux, UTF-8): ${bytes} B; every 300 s by default = ${(bytes / 300).toFixed(1)} B/s`,
    );
    expect(bytes).toBeLessThanOrEqual(3072);
  });

  it('refuses a bad --idle-repaint before the screen starts', async () => {
    const p = both.run(spawnInPty({ script: HOST_CONSOLE, args: ['--idle-repaint', 'often'], term: 'linux' }));
    const exit = await p.exit();
    expect(exit.exitCode).toBe(2);
    expect(p.output().toString('utf8')).toContain('--idle-repaint takes seconds from 0 (never) to 86400');
  });
});

describe('vDC console', () => {
  it('Ctrl-L repaints the dashboard and the add-host wizard, keeping what was typed', async () => {
    const p = both.run(startConsole(both.vdc(), { term: 'xterm-256color', cols: 80, rows: 24 }));
    await p.waitForText('Production');
    let before = await splatter(p);
    p.press({ raw: '\x0c' });
    const dashBytes = await whole(p, before, 'the dashboard whole again after Ctrl-L');

    p.press('a');
    await p.waitForText(/Add host . 1\/4 Connect/);
    p.write('10.20.0.17');
    await p.waitForText('10.20.0.17_');
    before = await splatter(p);
    p.press({ raw: '\x0c' });
    await whole(p, before, 'the wizard whole again after Ctrl-L');
    expect(p.screen()).toContain('10.20.0.17_');

    p.press('Esc');
    await p.waitForNoText(/Add host . 1\/4/);
    p.press('?');
    await p.waitForText(/Ctrl-L +Redraw the whole screen/);
    console.info(`[measure] vDC console xterm-256color: Ctrl-L repaint of the dashboard ${dashBytes} B`);
  });
});
