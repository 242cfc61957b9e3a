/**
 * Hostile strings from a host's own inventory (hostname, system model, CPU
 * model, disk model) carrying a window-title change, a colour and a screen
 * clear, shown on both consoles in a real pseudo-terminal: the host's
 * direct console (main and system screens) and the vDC console's host
 * details (summary and storage). They must appear as visible caret
 * notation, never set the window title, and leave the frame intact.
 * (Cluster names cannot carry control characters at all: the vDC refuses
 * them, see hostile-input.test.ts; the add-host wizard's pages are
 * test/e2e/vdc-console-wizard.test.ts.)
 */
import { execFileSync } from 'node:child_process';
import { mkdtempSync, readFileSync, realpathSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { type AgentProcess, REPO_ROOT, startAgent } from '../helpers/agent.js';
import { type PtyProgram, spawnInPty } from '../helpers/pty.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';

/** Each field gets its own marker so a failure names the field. */
const evil = (marker: string) => `${marker}\x1b]0;pwned\x07\x1b[31m\x1b[2J!`;
/** How a hostile value must look on screen: its escapes as visible ^[ and ^G. */
const shown = (marker: string) => `${marker}^[]0;pwned^G`;

let dir: string;
let agent: AgentProcess;
let vdc: VdcProcess;
let program: PtyProgram | null = null;

beforeAll(async () => {
  dir = mkdtempSync(path.join(os.tmpdir(), 'qx-hostile-display-'));
  const root = path.join(dir, 'root');
  execFileSync('cp', ['-a', path.join(REPO_ROOT, 'test/fixtures/hosts/server-2s'), root]);
  writeFileSync(path.join(root, 'proc/sys/kernel/hostname'), `${evil('HN')}\n`);
  writeFileSync(path.join(root, 'sys/class/dmi/id/product_name'), `${evil('PM')}\n`);
  const cpuinfo = path.join(root, 'proc/cpuinfo');
  writeFileSync(cpuinfo, readFileSync(cpuinfo, 'utf8').replace(/^model name\t: .*$/gm, `model name\t: ${evil('CPU')}`));
  writeFileSync(path.join(realpathSync(path.join(root, 'sys/block/sda')), 'device/model'), `${evil('DM')}\n`);
  [agent, vdc] = await Promise.all([
    startAgent({ host: '127.0.0.151', inventoryRoot: root }),
    startVdc({ name: 'vdc-hostile' }),
  ]);
});

afterEach(async () => {
  await program?.dispose();
  program = null;
});

afterAll(async () => {
  await stopAll(agent, vdc);
  rmSync(dir, { recursive: true, force: true });
});

/** Collects window titles a program sets. */
function titlesOf(p: PtyProgram): string[] {
  const titles: string[] = [];
  p.term.onTitleChange((t) => titles.push(t));
  return titles;
}

describe('the host console', () => {
  it('shows a hostile hostname, system model and CPU model inert', async () => {
    const p = (program = spawnInPty({
      script: 'dist/host-console/console/main.js',
      args: ['--socket', agent.socketPath, '--log-file', path.join(dir, 'console.log'), '--exitable'],
      term: 'xterm-256color',
      cols: 100,
      rows: 30,
    }));
    const titles = titlesOf(p);
    await p.waitForText(shown('HN'));
    p.press('2');
    // The system screen's own title first: its model and CPU rows are also on the main screen.
    await p.waitForText('· System');
    await p.waitForText(shown('PM'));
    await p.waitForText(shown('CPU'));
    expect(
      titles.filter((t) => t.includes('pwned')),
      'window titles set by inventory strings',
    ).toEqual([]);
    // The frame is whole: no hostile string moved the cursor or cleared part of the screen.
    const rows = p.screenText();
    expect(rows[0], 'the top row of the system screen').toMatch(/^┌ Quantix-OS .* System .*┐$/);
    for (const [i, row] of rows.entries()) expect(row.at(-1), `right edge of row ${i + 1}: ${row}`).toMatch(/[│┐┘┤]/);
  }, 60_000);
});

describe('the vDC console', () => {
  it('shows a hostile hostname and disk model inert in the host details', async () => {
    const token = (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
    const cluster = await vdc.client().createCluster({ name: 'Hostile' });
    const d = await vdc.client().discover({ address: `${agent.host}:${agent.port}`, token });
    await vdc.client().register({ discoveryId: d.discoveryId, clusterId: cluster.id });

    const p = (program = spawnInPty({
      script: 'dist/vdc-console/console/main.js',
      args: ['--socket', vdc.socketPath],
      term: 'xterm-256color',
      cols: 100,
      rows: 30,
    }));
    const titles = titlesOf(p);
    await p.waitForText(/connected/);
    expect(p.screen()).toContain('HN^[');
    p.press('Tab');
    await p.waitFor(
      () => p.screenText().find((l) => l.includes('▶') && l.includes('HN^[')),
      'the hostile host selected',
    );
    p.press('Enter');
    await p.waitForText(/Host · HN\^\[/);
    await p.waitForText(/Summary .*CPU\/Memory .*Storage/);
    p.press('Right', 'Right');
    await p.waitForText('Local disks');
    await p.waitForText('DM^[');
    expect(
      titles.filter((t) => t.includes('pwned')),
      'window titles set by inventory strings',
    ).toEqual([]);
    expect(p.screenText()[0], 'the frame of the details page').toMatch(/^┌ Host · HN\^\[\]0;pwned\^G/);
  }, 60_000);
});
