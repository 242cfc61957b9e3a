import { afterEach, describe, expect, it } from 'vitest';
import { spawnInPty, type PtyProgram } from '../helpers/pty.js';

/** The console itself over a read-only fleet of generated hosts (the benchmark's fixture). */
const SCRIPT = 'dist/scripts/bench/fixture-console.js';
let prog: PtyProgram | null = null;
afterEach(async () => {
  await prog?.dispose();
  prog = null;
});

function start(
  opts: { term?: string; lang?: string; noColor?: boolean; cols?: number; rows?: number } = {},
): PtyProgram {
  prog = spawnInPty({ script: SCRIPT, args: ['synthetic:5000'], env: { QUANTIX_VDC_SOCKET: '/nonexistent' }, ...opts });
  return prog;
}

describe('vDC console with 5,000 hosts', () => {
  it('draws the dashboard and moves through the fleet with little output per key', async () => {
    const p = start();
    await p.waitForText('qx-node-00001');
    expect(p.screen()).toMatch(/20 clusters · 5000 hosts/);
    expect(p.screen()).toContain('cluster-001');
    await p.waitForSettled();
    p.press('\t');
    await p.waitForText(/Hosts · cluster-001/);
    await p.waitForSettled();
    p.mark();
    p.press('j');
    await p.waitForText('2/250');
    await p.waitForSettled();
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

  it('s sorts the hosts by state, CPU, memory, last seen; S reverses; the header shows the column and direction', async () => {
    /** After a sort: the status line says it, then Home shows the first host under the arrowed header. */
    const sortedBy = async (p: PtyProgram, key: string, header: RegExp, words: string, first: string) => {
      p.press(key);
      await p.waitForText(words);
      p.press('g');
      return p.waitFor(() => {
        const lines = p.screenText();
        const at = lines.findIndex((l) => header.test(l));
        return at >= 0 && new RegExp(`^[│|][▶>]${first} `).test(lines[at + 1]!) ? lines[at] : null;
      }, `${first} first under ${header}`);
    };
    for (const ascii of [false, true]) {
      const p = ascii ? start({ term: 'vt100', lang: 'C' }) : start();
      const [up, down] = ascii ? ['\\^', 'v'] : ['↑', '↓'];
      await p.waitForText('qx-node-00001');
      expect(p.screen()).toMatch(new RegExp(`NAME${up}`));
      p.press('\t', 'j');
      await p.waitForText('2/250');
      // The selection stays on its host while the rows move around it.
      p.press('s');
      await p.waitForText('Sorted by state, down first.');
      expect(p.screen()).toMatch(/[▶>]qx-node-00002 /);
      // Synthetic hosts: every 17th from the 6th is down; CPU use is 37 i mod 100.
      await sortedBy(p, 'S', new RegExp(`STATE${up}`), 'Sorted by state, connected first.', 'qx-node-00001');
      const header = await sortedBy(
        p,
        's',
        new RegExp(`CPU${down}`),
        'Sorted by CPU use, highest first.',
        'qx-node-00028',
      );
      // Only the sort column carries an arrow.
      expect(header).toMatch(new RegExp(`NAME +ADDRESS +STATE +CPU${down} +MEMORY +STORAGE +GPU +SEEN[│|]`));
      await sortedBy(p, 'S', new RegExp(`CPU${up}`), 'Sorted by CPU use, lowest first.', 'qx-node-00001');
      await sortedBy(p, 's', new RegExp(`MEMORY${down}`), 'Sorted by memory use, highest first.', 'qx-node-00008');
      await sortedBy(p, 's', new RegExp(`SEEN${down}`), 'Sorted by last seen, longest ago first.', 'qx-node-00006');
      await sortedBy(p, 's', new RegExp(`NAME${up}`), 'Sorted by name, A to Z.', 'qx-node-00001');
      if (ascii) expect([...p.output()].filter((b) => b > 0x7f)).toEqual([]);
      await p.dispose();
    }
    prog = null;
  });

  it('LANG=C draws ASCII only, NO_COLOR and vt100 work', async () => {
    const p = start({ term: 'vt100', lang: 'C', noColor: true });
    await p.waitForText('qx-node-00001');
    await p.waitForSettled();
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
