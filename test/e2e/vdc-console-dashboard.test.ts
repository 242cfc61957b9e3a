import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { REPO_ROOT, startAgent, type AgentProcess } from '../helpers/agent.js';
import { prose, type PtyProgram } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, waitFor, type VdcProcess } from '../helpers/vdc.js';
import { agentAddress, newToken, startConsole } from './vdc-console-support.js';

let vdc: VdcProcess;
/** This machine's own inventory (hostname as the machine has it). */
let local: AgentProcess;
/** The Dell fixture: hostname qx-node-07. */
let dell: AgentProcess;
let localName: string;
let prog: PtyProgram | null = null;

async function register(agent: AgentProcess, cluster: string): Promise<string> {
  const client = vdc.client();
  const d = await client.discover({ address: agentAddress(agent), token: await newToken(agent) });
  return (await client.register({ discoveryId: d.discoveryId, clusterId: cluster })).id;
}

/** Opens help and reads all of it, a page at a time. */
async function readHelp(p: PtyProgram): Promise<string> {
  p.press('?');
  await p.waitForText(/^[│|] +Dashboard/m);
  const seen: string[] = [];
  for (;;) {
    const screen = p.screenText();
    seen.push(...screen.slice(1, -4));
    const at = /(\d+)-(\d+)\/(\d+)/.exec(screen[0]!);
    if (!at || at[2] === at[3]) break;
    p.press({ raw: '\x1b[6~' });
    await p.waitFor(() => !p.screenText()[0]!.includes(at[0]) && p.screenText()[0], 'the next help page');
  }
  return [...new Set(seen)].join('\n');
}

beforeAll(async () => {
  [vdc, local, dell] = await Promise.all([
    startVdc({ name: 'vdc01' }),
    startAgent(),
    startAgent({ inventoryRoot: path.join(REPO_ROOT, 'test/fixtures/hosts/server-2s') }),
  ]);
  const client = vdc.client();
  await client.createCluster({ name: 'Production' });
  await client.createCluster({ name: 'Staging' });
  await register(local, 'Production');
  await register(dell, 'Production');
  localName = (await client.listNodes()).find((n) => n.port === local.port)!.hostname;
  await waitFor('both hosts connected', async () => (await client.listNodes()).every((n) => n.state === 'connected'));
});
afterEach(async () => {
  await prog?.dispose();
  prog = null;
});
afterAll(async () => {
  await stopAll(local, dell, vdc);
});

describe('vDC console dashboard against a real vDC', () => {
  it('shows clusters and hosts live, details with the inventory, and help from the key tables', async () => {
    const p = (prog = startConsole(vdc));
    await p.waitForText(/qx-node-07 +127\.0\.0\.1:\d+ +● connected/);
    await p.waitForText('Quantix vDC · vdc01');
    const screen = p.screen();
    expect(screen).toMatch(/^┌ Quantix vDC · vdc01 ─+ \d clusters · 2 hosts ┐/);
    expect(screen).toMatch(/▶Production +2\/2 ●/);
    expect(screen).toMatch(/ Staging +0\/0/);
    expect(screen).toContain('Hosts · Production');
    expect(p.screenText()[22]).toMatch(
      /a Add host +c Cluster +d Remove +⏎ Details +\/ Filter +Tab Pane +F3 Audit +\? Help +q/,
    );

    p.press('Tab');
    await p.waitFor(() => p.screenText().find((l) => l.includes('▶') && l.includes('connected')), 'a selected host');
    // Select the Dell host whichever row it is on.
    if (!/▶qx-node-07/.test(p.screen())) p.press('j');
    await p.waitForText('▶qx-node-07');
    p.press('Enter');
    await p.waitForText('Host · qx-node-07');
    // The whole certificate fingerprint, in the host console's two rows of eight groups.
    const groups = dell.fingerprint.match(/.{4}/g)!;
    await p.waitForText(`Certificate    ${groups.slice(0, 8).join(' ')}`);
    expect(p.screen()).toMatch(new RegExp(`^[│] {16}${groups.slice(8).join(' ')} *[│]$`, 'm'));
    expect(p.screen()).toContain('● connected');
    expect(p.screen()).toMatch(/Summary .*CPU\/Memory .*Storage .*Network .*GPUs/);
    p.press('Right', 'Right');
    await p.waitForText('Local disks');
    p.press('Right', 'Right');
    await p.waitForText(/GPUs\s+│\n│ PCI/);
    // The GPU table runs below the screen: End scrolls to it.
    p.press('G');
    await p.waitFor(() => /GPUs/.test(p.screen()) && /A100|NVIDIA/.test(p.screen()), 'the GPU table');
    p.press('Esc');
    await p.waitForText('Hosts · Production');

    p.press('?');
    await p.waitForText(/^│ +Dashboard/m);
    expect(p.screen()).toMatch(/d, Del +Remove the selected host from its cluster \(asks first\)/);
    p.press('Esc');
    await p.waitForText('Hosts · Production');
    const exit = await (p.press('q'), p.exit());
    expect(exit).toMatchObject({ exitCode: 0, restored: true });
  });

  it('help and dialogs name every key one way, and say why a key is off only where it is', async () => {
    for (const lang of ['C.UTF-8', 'C']) {
      const p = (prog = startConsole(vdc, { lang }));
      await p.waitForText('qx-node-07');
      const help = await readHelp(p);
      const utf8 = lang !== 'C';
      expect(help).toMatch(/Tab, Shift-Tab +Switch between the clusters and hosts tables/);
      expect(help).toMatch(/Shift-Tab +Previous field/);
      expect(help).not.toContain('S-tab');
      // Left and right are one entry, named once.
      const arrows = utf8 ? '←→' : 'Left/Right';
      expect(help).toMatch(new RegExp(`${arrows} +Previous or next inventory tab`));
      expect(help).not.toMatch(utf8 ? /^ *→ +/m : /^ *Right +/m);
      // Opened from the dashboard, the details screen's keys are not "still loading".
      expect(help).not.toContain('still loading');
      // A help text longer than the screen continues on the next row, whole.
      expect(prose(help.split('\n'))).toContain(
        '/ Filter hosts by name, address, state or id (Enter keeps it, Esc clears it)',
      );
      expect(help).not.toMatch(/…|\.\.\./);
      p.press('Esc');
      await p.waitForText(/Hosts . Production/);
      // The create-cluster dialog names Enter as the footer does.
      p.press('c');
      await p.waitForText('Create cluster');
      const enter = utf8 ? '⏎' : 'Enter';
      expect(p.screen()).toMatch(new RegExp(`[│|] +${enter} Create +Esc Cancel`));
      expect(p.screenText()[22]).toMatch(new RegExp(`^[│|] ${enter} Create  Esc Cancel`));
      expect(p.screen()).not.toContain('enter Create');
      p.press('Esc');
      await p.waitForNoText('Create cluster');
      await p.dispose();
    }
    prog = null;
  });

  it('is idle only once the requests a key started have answered and been drawn', async () => {
    const p = (prog = startConsole(vdc));
    await p.waitForText('qx-node-07');
    p.press('Tab');
    await p.waitFor(() => p.screenText().find((l) => l.includes('▶') && l.includes('connected')), 'a selected host');
    if (!/▶qx-node-07/.test(p.screen())) p.press('j');
    await p.waitForText('▶qx-node-07');
    // Details: the host is read from the vDC after the key; settled means it is on the screen.
    p.press('Enter');
    await p.waitForSettled();
    expect(p.screen()).toContain('Host · qx-node-07');
    expect(p.screen()).not.toContain('Loading');
    expect(p.screen()).toMatch(/Summary .*CPU\/Memory .*Storage .*Network .*GPUs/);
    // Esc is held for a moment (it may start a key): settled means it has acted.
    p.press('Esc');
    await p.waitForSettled();
    expect(p.screen()).toContain('Hosts · Production');
    // A new cluster: created, then the lists read again and the cluster selected.
    p.press('c');
    p.write('Settled');
    p.press('Enter');
    await p.waitForSettled();
    expect(p.screen()).toContain('✓ Created cluster Settled.');
    expect(p.screen()).toMatch(/▶Settled +0\/0/);
    await vdc.client().deleteCluster('Settled');
  });

  it('filters the hosts as typed; Esc clears', async () => {
    const p = (prog = startConsole(vdc));
    await p.waitForText('qx-node-07');
    await p.waitForText(localName);
    p.press('/');
    p.write('qx-node');
    await p.waitForText('filter: qx-node_');
    await p.waitFor(
      () => !p.screen().includes(` ${localName} `) || localName.startsWith('qx-node'),
      'the other host to be filtered out',
    );
    expect(p.screen()).toContain('qx-node-07');
    p.write('zzz');
    await p.waitForText('No host matches "qx-nodezzz"');
    p.press('Esc');
    await p.waitForNoText('filter:');
    expect(p.screen()).toContain('qx-node-07');
  });

  // Named to sort last, so the other tests still open on Production.
  it('c creates a cluster inline and selects it', async () => {
    const p = (prog = startConsole(vdc));
    await p.waitForText('Production');
    p.press('c');
    await p.waitForText('Create cluster');
    p.write('bad name');
    p.press('Enter');
    await p.waitForText(/letters, digits/);
    for (let i = 0; i < 'bad name'.length; i++) p.press('Backspace');
    p.write('Zone');
    p.press('Enter');
    await p.waitForText('✓ Created cluster Zone.');
    await p.waitForText(/▶Zone +0\/0/);
    expect((await vdc.client().listClusters()).map((c) => c.name)).toContain('Zone');
  });

  it('q while a host is being added asks first', async () => {
    const p = (prog = startConsole(vdc));
    await p.waitForText('Production');
    p.press('a');
    await p.waitForText('Add host · 1/4 Connect');
    p.write('10.0.0.5q');
    await p.waitForText('10.0.0.5q');
    p.press('C-c');
    await p.waitForText('Quit?');
    p.press('n');
    await p.waitForNoText('Quit?');
    expect(p.screen()).toContain('10.0.0.5q');
    p.press('C-c');
    await p.waitForText('Quit?');
    p.press('y');
    const exit = await p.exit();
    expect(exit).toMatchObject({ exitCode: 0, restored: true });
  });

  it.each([
    ['linux', 'C.UTF-8', 'q'],
    ['vt220', 'C', 'q'],
    ['screen', 'C.UTF-8', 'SIGHUP'],
    ['tmux', 'C.UTF-8', 'SIGTERM'],
    ['xterm', 'C', 'q'],
  ] as const)(
    'TERM=%s LANG=%s: draws, moves with split escape sequences, restores the terminal after %s',
    async (term, lang, how) => {
      const p = (prog = startConsole(vdc, { term, lang, noColor: lang === 'C' }));
      await p.waitForText('qx-node-07');
      p.press('Tab');
      await p.waitForSettled();
      const before = p.screenText().findIndex((l) => /[▶>]\S/.test(l.slice(1, 3)) && /connected/.test(l));
      // Down arrow arriving in two reads, as on a slow serial line.
      await p.pressSplit('Down', 1);
      await p.waitFor(
        () => p.screenText().findIndex((l) => /[▶>]\S/.test(l.slice(1, 3)) && /connected/.test(l)) === before + 1,
        'the selection to move down one row',
      );
      if (lang === 'C') {
        expect([...p.output()].filter((b) => b > 0x7f)).toEqual([]);
        // NO_COLOR: no foreground colour at all.
        expect(p.output().toString('latin1')).not.toMatch(/\x1b\[(?:[0-9;]*;)?3[0-7](?:;[0-9;]*)?m/);
      }
      const exit = how === 'q' ? await (p.press('q'), p.exit()) : await p.exit({ signal: how });
      expect(exit.exitCode).toBe({ q: 0, SIGTERM: 143, SIGHUP: 129 }[how]);
      expect(exit.restored, `normal buffer ${exit.normalBuffer}, cursor visible ${exit.cursorVisible}`).toBe(true);
    },
  );

  it('says when the vDC is unreachable, keeps retrying, and recovers when it is back', async () => {
    const p = (prog = startConsole(vdc));
    await p.waitForText('qx-node-07');
    await vdc.stop();
    await p.waitForText(/VDC_UNREACHABLE: The vDC socket /, { timeoutMs: 15_000 });
    // The last tables stay on screen while the vDC is away.
    expect(p.screen()).toContain('qx-node-07');
    await vdc.restart();
    await p.waitForNoText('VDC_UNREACHABLE', { timeoutMs: 15_000 });
    await p.waitForText(/qx-node-07 .*● connected/, { timeoutMs: 15_000 });
  });

  it('d removes a host after confirmation; an unreachable one only when forced', async () => {
    const p = (prog = startConsole(vdc));
    await p.waitForText('qx-node-07');
    p.press('Tab');
    if (!/▶qx-node-07/.test(p.screen())) p.press('j');
    await p.waitForText('▶qx-node-07');
    p.press('d');
    await p.waitForText('Remove host?');
    expect(p.screen()).toMatch(/Remove qx-node-07 \(127\.0\.0\.1:\d+\) from cluster Production\?/);
    p.press('n');
    await p.waitForNoText('Remove host?');
    p.press('d');
    await p.waitForText('Remove host?');
    p.press('y');
    await p.waitForText('✓ Removed qx-node-07 from Production.');
    await p.waitForNoText(/qx-node-07 +127/);
    const status = await new LocalAgentClient({ socketPath: dell.socketPath }).status();
    expect(JSON.stringify(status)).not.toContain('Production');

    // The other host goes away without being told.
    await local.kill();
    await p.waitForText(/○ down/, { timeoutMs: 20_000 });
    p.press('g', 'd');
    await p.waitForText('Force remove');
    p.press('f');
    await p.waitForText(/Removed .* The host was not told/);
    await p.waitForText('No hosts in this cluster');
  });
});
