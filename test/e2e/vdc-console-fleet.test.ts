import { afterEach, describe, expect, it } from 'vitest';
import { spawnInPty, type PtyProgram } from '../helpers/pty.js';

const SCRIPT = 'dist/vdc-console/console/main.js';
let prog: PtyProgram | null = null;
afterEach(async () => {
  await prog?.dispose();
  prog = null;
});

function start(opts: { term?: string; lang?: string; noColor?: boolean; cols?: number; rows?: number } = {}): PtyProgram {
  prog = spawnInPty({ script: SCRIPT, env: { QUANTIX_VDC_CONSOLE_FIXTURE: 'synthetic:5000', QUANTIX_VDC_SOCKET: '/nonexistent' }, ...opts });
  return prog;
}

describe('vDC console with 5,000 hosts', () => {
  it('draws the dashboard and moves through the fleet with little output per key', async () => {
    const p = start();
    await p.waitForText('qx-node-00001');
    expect(p.screen()).toMatch(/20 clusters · 5000 hosts/);
    expect(p.screen()).toContain('cluster-001');
    await p.waitForIdle();
    p.press('\t');
    await p.waitForText(/Hosts · cluster-001/);
    await p.waitForIdle();
    p.mark();
    p.press('j');
    await p.waitForText('2/250');
    await p.waitForIdle();
    // Moving the selection one row repaints two rows, not the screen.
    expect(p.bytesSinceMark()).toBeLessThan(800);
    p.press('G');
    await p.waitForText('250/250');
    expect(p.screen()).toContain('qx-node-00250');
    p.press('g');
    await p.waitForText('1/250');
    const exit = await (p.press('q'), p.exit());
    expect(exit.exitCode).toBe(0);
    expect(exit.restored).toBe(true);
  });

  it('filters hosts as the filter is typed', async () => {
    const p = start();
    await p.waitForText('qx-node-00001');
    p.press('/', '0', '0', '1', '7');
    await p.waitForText(/filter: 0017/);
    expect(p.screen()).toContain('qx-node-00017');
    expect(p.screen()).not.toContain('qx-node-00001 ');
    p.press('Esc');
    await p.waitForNoText(/filter:/);
    // The filtered host stays selected once the whole cluster is back.
    await p.waitForText('17/250');
    expect(p.screen()).toMatch(/▶qx-node-00017/);
  });

  it('LANG=C draws ASCII only, NO_COLOR and vt100 work', async () => {
    const p = start({ term: 'vt100', lang: 'C', noColor: true });
    await p.waitForText('qx-node-00001');
    await p.waitForIdle();
    const high = [...p.output()].filter((b) => b > 0x7f);
    expect(high).toEqual([]);
    expect(p.screen()).toMatch(/\+ Quantix vDC - fixture/);
  });

  it('survives a resize and asks to enlarge below 80x24', async () => {
    const p = start({ cols: 100, rows: 30 });
    await p.waitForText('qx-node-00001');
    p.resize(70, 20);
    await p.waitForText(/Enlarge the terminal to at least 80.24/);
    p.resize(80, 24);
    await p.waitForText('qx-node-00001');
    await p.waitFor(() => p.screenText()[23]?.startsWith('└'), 'the frame to end on the last row');
    expect(p.screenText()[0]!.length).toBe(80);
  });
});
