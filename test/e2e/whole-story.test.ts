/**
 * The whole story, as two people would live it: a host and a vDC, each with
 * its real console in its own pseudo-terminal (80x24, read through a
 * headless terminal emulator). On the host console F4, G shows a
 * registration token; the token and the host's address are read off that
 * screen and typed into the vDC console's add-host wizard; the review page
 * shows the host's hardware; the host is added; the host console says it
 * joined and the dashboard shows it connected. Real processes throughout:
 * the compiled agent on a fixture inventory (so the hardware is known), the
 * compiled vDC with its SQLite file, both compiled consoles.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterEach, describe, expect, it } from 'vitest';
import { REPO_ROOT, startAgent, type AgentProcess } from '../helpers/agent.js';
import { spawnInPty, type PtyProgram } from '../helpers/pty.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';
import { startConsole } from './vdc-console-support.js';

const HOST_CONSOLE = 'dist/host-console/console/main.js';
const FIXTURE = path.join(REPO_ROOT, 'test/fixtures/hosts/server-2s');

/** Deadline for each awaited screen: a key's redraw, or a step that crosses the network; generous for a loaded machine. */
const STEP = { timeoutMs: 30_000 };

const cleanups: Array<() => Promise<void>> = [];
afterEach(async () => {
  while (cleanups.length) await cleanups.pop()!();
});

/** Lines of a log file; none when it was never written. */
function readLines(file: string): string[] {
  return fs.existsSync(file) ? fs.readFileSync(file, 'utf8').split('\n') : [];
}

/** Every regular file below dir. */
function filesUnder(dir: string): string[] {
  return fs
    .readdirSync(dir, { recursive: true, withFileTypes: true })
    .filter((e) => e.isFile())
    .map((e) => path.join(e.parentPath, e.name));
}

/** s as a literal inside a regular expression. */
function escapeRegExp(s: string): string {
  return s.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');
}

/**
 * Waits until the screen shows every pattern at once. A frame can arrive in
 * several reads, so what a step should show is awaited as a whole rather
 * than read from the first frame that has its title.
 */
async function sees(p: PtyProgram, what: string, ...patterns: Array<RegExp | string>): Promise<void> {
  const missing = () => patterns.filter((x) => (typeof x === 'string' ? !p.screen().includes(x) : !x.test(p.screen())));
  try {
    await p.waitFor(() => missing().length === 0, what, STEP);
  } catch (err) {
    throw new Error(`${(err as Error).message}\nNot shown: ${missing().map(String).join(' | ')}`);
  }
}

/** The wizard's cluster list as shown: names in order and the one with the selection marker. */
function clusterList(p: PtyProgram): { names: string[]; selected: number } {
  const names: string[] = [];
  let selected = -1;
  for (const line of p.screenText()) {
    const m = /^│ +(?:>?Cluster +)?(▶| ) (\S+) +\d+ hosts? /.exec(line);
    if (!m) continue;
    if (m[1] === '▶') selected = names.length;
    names.push(m[2]!);
  }
  return { names, selected };
}

describe.each([
  { hostTerm: 'xterm-256color', vdcTerm: 'xterm-256color', address: '127.0.0.7' },
  { hostTerm: 'linux', vdcTerm: 'screen', address: '127.0.0.8' },
])('host console on TERM=$hostTerm, vDC console on TERM=$vdcTerm', ({ hostTerm, vdcTerm, address }) => {
  it('a token read off the host screen adds the host through the wizard; the host shows it joined, the dashboard shows it connected', async () => {
    const began = Date.now();
    const marks: string[] = [];
    const mark = (what: string) => marks.push(`${what} ${Date.now() - began} ms`);
    // Settled, not all: when one fails to start, the other is still cleaned up.
    const [vdcStart, agentStart] = await Promise.allSettled([
      startVdc({ name: 'vdc01' }),
      startAgent({ host: address, inventoryRoot: FIXTURE }),
    ]);
    for (const s of [vdcStart, agentStart]) if (s.status === 'fulfilled') cleanups.push(() => s.value.cleanup());
    if (vdcStart.status === 'rejected') throw vdcStart.reason;
    if (agentStart.status === 'rejected') throw agentStart.reason;
    const vdc: VdcProcess = vdcStart.value;
    const agent: AgentProcess = agentStart.value;
    // Two clusters, so choosing one is a step the operator takes.
    await vdc.client().createCluster({ name: 'Default' });
    await vdc.client().createCluster({ name: 'Production' });

    mark('processes up');
    const hostLog = path.join(agent.tmpDir, 'host-console.log');
    const adminLog = path.join(vdc.tmpDir, 'vdc-console.log');
    const host = spawnInPty({
      script: HOST_CONSOLE,
      args: ['--socket', agent.socketPath, '--log-file', hostLog],
      term: hostTerm,
      cols: 80,
      rows: 24,
    });
    cleanups.push(() => host.dispose());
    const admin = startConsole(vdc, { term: vdcTerm, cols: 80, rows: 24, args: ['--log-file', adminLog] });
    cleanups.push(() => admin.dispose());

    // The host: standalone, then F4 and G.
    await host.waitForText('Direct Console', STEP);
    await host.waitForText('qx-node-07', STEP);
    await host.waitForText(/Standalone: not managed by a vDC/, STEP);
    host.press('F4');
    await host.waitForText('No token. Press G to generate one.', STEP);
    host.press('G');
    mark('token asked');
    // The countdown is drawn below the token: once it shows, the token above it is whole.
    await host.waitForText(/Expires in \d\d:\d\d/, STEP);
    const token = (await host.waitForText(/QUANTIX-[0-9A-Z]{4}-[0-9A-Z]{4}-[0-9A-Z]{4}/, STEP))[0];
    // The address the operator is told to type, with its port, from the same screen.
    const [, shownAddress, shownPort] = await host.waitForText(/Host address +(\S+) +\(port (\d+)\)/, STEP);
    expect(shownAddress).toBe(address);
    const hostAddress = `${shownAddress}:${shownPort}`;

    // The vDC operator: the dashboard, then the wizard with what the host screen shows.
    await admin.waitForText('No hosts in this cluster', STEP);
    admin.press('a');
    await sees(
      admin,
      'the empty form with both clusters',
      'Add host · 1/4 Connect',
      /▶ Default +0 hosts/,
      /Production +0 hosts/,
      '+ New cluster…',
    );
    admin.write(hostAddress);
    admin.press('Tab');
    admin.write(token);
    await sees(admin, 'the typed address and token, accepted', `[${hostAddress}`, `[${token}`, /✓ well formed/);
    admin.press('Tab');
    const list = clusterList(admin);
    const target = list.names.indexOf('Production');
    expect(target, `the clusters offered: ${list.names.join(', ')}`).toBeGreaterThan(list.selected);
    for (let i = list.selected; i < target; i++) admin.press('Down');
    await sees(admin, 'Production chosen', /▶ Production +0 hosts/);
    expect(clusterList(admin).names).toEqual(['Default', 'Production']);

    mark('form filled');
    admin.press('Enter');
    await admin.waitForText('Add host · 3/4 Review', STEP);
    mark('review');
    // Review, Summary tab: who the host is, and that the token proved it.
    await sees(
      admin,
      'the review summary',
      'qx-node-07 · Dell Inc. PowerEdge R750',
      'identity verified by token ✓',
      /Hostname +qx-node-07/,
      new RegExp(`Address +${escapeRegExp(hostAddress)}`),
      /Resources +32 CPUs, 503 GiB memory, 4 GPUs +│/,
      / {15}7 disks, 2 NFS, 2 iSCSI, 8 NICs/,
    );
    admin.press('Right');
    await sees(
      admin,
      'the CPU/Memory tab',
      /Model +Intel\(R\) Xeon\(R\) Silver 4309Y CPU @ 2\.80GHz/,
      /Topology +2 sockets, 16 cores, 32 threads/,
      /Total +503 GiB/,
    );
    // Storage and Network on the way to GPUs.
    admin.press('Right');
    await admin.waitForText('Local disks', STEP);
    admin.press('Right');
    await admin.waitForText('Network interfaces', STEP);
    admin.press('Right');
    await sees(admin, 'the GPUs tab', /NVIDIA +GA100 \[A100 PCIe 80GB\] +nvidia +80 GiB/, /AMD +Aldebaran\/MI200/);

    mark('tabs read');
    admin.press('Enter');
    await admin.waitForText(`Add qx-node-07 (${hostAddress}) to cluster Production?`, STEP);
    admin.press('Enter');
    await admin.waitForText('✓ Added qx-node-07 to Production.', STEP);
    mark('added');
    // The dashboard: the new host selected, connected, its cluster counting it.
    await sees(
      admin,
      'the host connected in Production',
      new RegExp(`▶qx-node-07 +${escapeRegExp(hostAddress)} +● connected`),
      'Hosts · Production',
      /Production +1\/1 ●/,
      /Default +0\/0 /,
    );

    mark('connected');
    // The host: the token panel turns into the join, the main screen names the vDC and cluster.
    await host.waitForText(/● Joined cluster Production on vDC vdc01 at \d\d:\d\d/, STEP);
    await host.waitForNoText(token, STEP);
    mark('joined');
    host.press('Esc');
    await sees(
      host,
      'the main screen managed',
      /● Managed by vDC vdc01 \(https:\/\/127\.0\.0\.1:\d+\)/,
      /cluster Production, since \d{4}-\d\d-\d\d \d\d:\d\d/,
    );
    mark('managed');

    // The token was only ever on the host's screen and in what the operator typed: no log, no state file holds it.
    const symbols = token.slice('QUANTIX-'.length).replace(/-/g, '');
    const logs: Array<[string, string[]]> = [
      ['agent log', agent.logs()],
      ['vDC log', vdc.logs()],
      ['host console log', readLines(hostLog)],
      ['vDC console log', readLines(adminLog)],
    ];
    for (const [who, lines] of logs) {
      const leaked = lines.filter((l) =>
        l
          .toUpperCase()
          .replace(/[^0-9A-Z]/g, '')
          .includes(symbols),
      );
      expect(leaked, `${who} lines holding the token`).toEqual([]);
    }
    for (const file of [...filesUnder(agent.stateDir), ...filesUnder(vdc.stateDir)]) {
      const bytes = fs.readFileSync(file);
      expect(bytes.includes(token) || bytes.includes(symbols), `${file} holds the token`).toBe(false);
    }

    // The operator leaves; the terminal is given back as it was.
    admin.press('q');
    const exit = await admin.exit(STEP);
    expect(exit.exitCode).toBe(0);
    expect(exit.restored, `normal buffer ${exit.normalBuffer}, cursor visible ${exit.cursorVisible}`).toBe(true);
    console.info(
      `[measure] whole story (host ${hostTerm}, vDC console ${vdcTerm}): ${Date.now() - began} ms from start to connected and quit (${marks.join(', ')})`,
    );
  }, 150_000);
});
