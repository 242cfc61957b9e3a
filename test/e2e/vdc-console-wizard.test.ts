import fs from 'node:fs';
import path from 'node:path';
import { afterAll, afterEach, beforeAll, describe, expect, it } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { tokenFromRandom, formatToken } from '../../common/token/token.js';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import { prose, type PtyProgram } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, waitFor, type VdcProcess } from '../helpers/vdc.js';
import {
  agentAddress,
  closedPort,
  fillForm,
  fixtureCopy,
  hostileFixture,
  newToken,
  silentListener,
  startConsole,
  tempDir,
} from './vdc-console-support.js';

/** A vDC with the cluster Production. */
let vdc: VdcProcess;
/** Never joined: for refused tokens. */
let spare: AgentProcess;
let prog: PtyProgram | null = null;
const cleanups: Array<() => Promise<void>> = [];

beforeAll(async () => {
  [vdc, spare] = await Promise.all([startVdc({ name: 'vdc01' }), startAgent()]);
  await vdc.client().createCluster({ name: 'Production' });
});
afterEach(async () => {
  await prog?.dispose();
  prog = null;
  while (cleanups.length) await cleanups.pop()!();
});
afterAll(async () => {
  await stopAll(spare);
  await stopAll(vdc);
});

/** A well-formed token (valid check symbol) other than real. */
function otherToken(real: string): string {
  for (let i = 0; ; i++) {
    const t = formatToken(tokenFromRandom(new Uint8Array([i, 1, 2, 3, 4, 5, 6])));
    if (t !== real) return t;
  }
}

/** The console on the review page of host, reached through the form as an admin would. */
async function reviewOf(host: AgentProcess, opts: Parameters<typeof startConsole>[1] = {}): Promise<PtyProgram> {
  const p = (prog = startConsole(vdc, opts));
  await p.waitForText('Production');
  await fillForm(p, agentAddress(host), await newToken(host));
  p.press('Enter');
  await p.waitForText(/Add host . 3\/4 Review/, { timeoutMs: 20_000 });
  return p;
}

async function discoverCount(): Promise<number> {
  return (await vdc.client().audit({ limit: 1000 })).filter((e) => e.action === 'node.discover').length;
}

describe('add-host wizard against a real vDC and agent', () => {
  it('with no cluster, creates one inline, adds the host, and shows it connected and selected', async () => {
    const [empty, agent] = await Promise.all([startVdc({ name: 'vdc02' }), startAgent()]);
    cleanups.push(
      () => empty.cleanup(),
      () => agent.cleanup(),
    );
    const token = await newToken(agent);
    const p = (prog = startConsole(empty));
    await p.waitForText('No clusters yet');
    await fillForm(p, agentAddress(agent), token);
    expect(p.screen()).toContain(token);
    expect(p.screen()).toContain('no cluster yet: name the first one');
    p.press('Enter');
    // No name yet: Enter points at the name field instead of connecting.
    await p.waitForText(/✗ name the new cluster/);
    p.write('Production');
    p.press('Enter');
    await p.waitForText('Add host · 3/4 Review', { timeoutMs: 20_000 });
    expect(p.screen()).toContain('identity verified by token ✓');
    expect(p.screen()).toMatch(/Summary .*CPU\/Memory .*Storage .*Network .*GPUs/);
    p.press('Right');
    await p.waitForText('Topology');
    p.press('Right');
    await p.waitForText('Local disks');
    p.press('Enter');
    await p.waitForText(
      new RegExp(`Add \\S+ \\(${agentAddress(agent).replace(/\./g, '\\.')}\\) to cluster Production\\?`),
    );
    expect(p.screen()).toContain('The cluster Production is created first.');
    p.press('Enter');
    await p.waitForText(/✓ Added \S+ to Production\./, { timeoutMs: 20_000 });
    await p.waitForText(/▶\S+ +127\.0\.0\.1\S* +● connected/, { timeoutMs: 20_000 });
    expect(p.screen()).toMatch(/Production +1\/1 ●/);
    expect(p.screen()).toContain('Hosts · Production');
    const status = await new LocalAgentClient({ socketPath: agent.socketPath }).status();
    expect(JSON.stringify(status)).toContain('Production');
  });

  it('a typo is flagged as typed and Enter makes no network call (vt100, LANG=C: ASCII only)', async () => {
    const before = await discoverCount();
    const p = (prog = startConsole(vdc, { term: 'vt100', lang: 'C', noColor: true }));
    await p.waitForText('Production');
    const token = await newToken(spare);
    // Swap two different neighbouring symbols: the check symbol catches it.
    const symbols = token.replace(/^QUANTIX-/, '').replace(/-/g, '');
    const i = Array.from(symbols).findIndex((c, k) => k < 11 && c !== symbols[k + 1]);
    const swapped = symbols.slice(0, i) + symbols.charAt(i + 1) + symbols.charAt(i) + symbols.slice(i + 2);
    await fillForm(p, agentAddress(spare), swapped);
    await p.waitForText('!! a symbol looks mistyped');
    p.press('Enter');
    await p.waitForSettled();
    expect(p.screen()).toContain('Add host - 1/4 Connect');
    expect(p.screen()).toContain('+ New cluster...');
    expect(await discoverCount()).toBe(before);
    expect([...p.output()].filter((b) => b > 0x7f)).toEqual([]);
  });

  it.each<[string, () => Promise<{ address: string; token: string }>, RegExp]>([
    // The host refuses a well-formed token that is not its own.
    [
      'wrong token',
      async () => ({ address: agentAddress(spare), token: otherToken(await newToken(spare)) }),
      /\(TOKEN_INVALID\)/,
    ],
    // Nothing listens at the address.
    [
      'unreachable',
      async () => ({ address: `127.0.0.1:${await closedPort()}`, token: otherToken('') }),
      /\(HOST_UNREACHABLE\)/,
    ],
  ])('%s: error page with code and Next:, retry keeps the fields', async (_name, setup, code) => {
    const { address, token } = await setup();
    const p = (prog = startConsole(vdc));
    await p.waitForText('Production');
    await fillForm(p, address, token);
    p.press('Enter');
    await p.waitForText(code, { timeoutMs: 20_000 });
    expect(p.screen()).toContain('Add host · Failed');
    expect(p.screen()).toMatch(/Next: \S/);
    expect(p.screen()).toContain('r Retry (fields kept)   Esc Cancel');
    p.press('r');
    await p.waitForText('Add host · 1/4 Connect');
    expect(p.screen()).toContain(address);
    expect(p.screen()).toContain(token);
  });

  it('an expired token: error page, and Retry clears the token', async () => {
    const short = await startAgent({ tokenTtl: '10s' });
    cleanups.push(() => short.cleanup());
    const issued = await new LocalAgentClient({ socketPath: short.socketPath }).generateToken();
    const token = issued.token;
    await waitFor('the token to expire', () => Date.now() > Date.parse(issued.expiresAt) + 100, 20_000, 100);
    const p = (prog = startConsole(vdc));
    await p.waitForText('Production');
    await fillForm(p, agentAddress(short), token);
    p.press('Enter');
    await p.waitForText(/\(TOKEN_EXPIRED\)/, { timeoutMs: 20_000 });
    expect(p.screen()).toContain('Next: Generate a new token on the host console');
    p.press('r');
    await p.waitForText('Add host · 1/4 Connect');
    expect(p.screen()).toContain(agentAddress(short));
    expect(p.screen()).not.toContain(token);
  });

  it('a host registered already: error page says so', async () => {
    const agent = await startAgent();
    cleanups.push(() => agent.cleanup());
    const client = vdc.client();
    const d = await client.discover({ address: agentAddress(agent), token: await newToken(agent) });
    await client.register({ discoveryId: d.discoveryId, clusterId: 'Production' });
    const p = (prog = startConsole(vdc));
    await p.waitForText('Production');
    await fillForm(p, agentAddress(agent), formatToken(tokenFromRandom(new Uint8Array([3, 1, 4, 1, 5, 9, 2]))));
    p.press('Enter');
    await p.waitForText(/\(HOST_ALREADY_REGISTERED\)/, { timeoutMs: 20_000 });
    expect(p.screen()).toMatch(/Next: /);
  });

  it('Esc while connecting cancels and returns to the form with the fields kept', async () => {
    const silent = await silentListener();
    cleanups.push(silent.close);
    const token = formatToken(tokenFromRandom(new Uint8Array([5, 5, 5, 5, 5, 5, 5])));
    const p = (prog = startConsole(vdc));
    await p.waitForText('Production');
    await fillForm(p, `127.0.0.1:${silent.port}`, token);
    p.press('Enter');
    await p.waitForText('Add host · 2/4 Connecting');
    await p.waitForText(`connecting to 127.0.0.1:${silent.port}`);
    p.press('Esc');
    await p.waitForText('Add host · 1/4 Connect');
    expect(p.screen()).toContain(token);
    // The cancelled request never comes back as an error page: idle once it has settled.
    await p.waitForSettled();
    expect(p.screen()).not.toContain('Failed');
  });

  it('a hostile hostname and disk model are shown inert on every page', async () => {
    const dir = tempDir('qx-hostile-');
    const hostile = await startAgent({ inventoryRoot: hostileFixture(dir) });
    cleanups.push(async () => {
      await hostile.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    const token = await newToken(hostile);
    const p = (prog = startConsole(vdc));
    const titles: string[] = [];
    p.term.onTitleChange((t) => titles.push(t));
    await p.waitForText('Production');
    await fillForm(p, agentAddress(hostile), token);
    p.press('Enter');
    await p.waitForText('Add host · 3/4 Review', { timeoutMs: 20_000 });
    expect(p.screen()).toContain('evil^[]0;pwned^G^[[31m{red-fg}^[[2Jname');
    // The storage tab shows the hostile disk model as text too.
    p.press('Right', 'Right');
    await p.waitForText('^[[2Jdisk');
    p.press('Enter');
    await p.waitForText(/Add evil\^\[/);
    p.press('Enter');
    await p.waitForText(/✓ Added evil\^\[/, { timeoutMs: 20_000 });
    await p.waitForText(/▶evil\^\[\]0;pwn/);
    // Only the console's own window title was ever set.
    expect(titles.filter((t) => t.includes('pwned'))).toEqual([]);
    // The frame is intact: nothing cleared the screen or coloured the rest.
    expect(p.screenText()[0]).toMatch(/^┌ Quantix vDC · vdc01/);
  });
});

describe("the wizard's pages agree with each other and with the inventory", () => {
  /** The Dell fixture without VT-x in its CPU flags; with or without a usable /dev/kvm. */
  async function hostWithoutVmxFlag(kvm: boolean): Promise<AgentProcess> {
    const dir = tempDir('qx-novmx-');
    const root = fixtureCopy(dir, 'root');
    const cpuinfo = path.join(root, 'proc/cpuinfo');
    fs.writeFileSync(cpuinfo, fs.readFileSync(cpuinfo, 'utf8').replace(/ vmx\b/g, ''));
    if (!kvm) fs.rmSync(path.join(root, 'dev/kvm'));
    // Another machine than the Dell fixture the other tests register.
    fs.writeFileSync(
      path.join(root, 'sys/class/dmi/id/product_uuid'),
      `4C4C4544-0058-4B10-8032-00000000000${kvm ? 1 : 2}\n`,
    );
    const agent = await startAgent({ inventoryRoot: root });
    cleanups.push(async () => {
      await agent.cleanup();
      fs.rmSync(dir, { recursive: true, force: true });
    });
    return agent;
  }

  it('review and confirm count the same warnings, and the CPU row says what the warnings say', async () => {
    // Its one problem: no virtualization. The vDC says so too, and sums up the host's warnings.
    const p = await reviewOf(await hostWithoutVmxFlag(false));
    const [, count] = await p.waitForText(/Warnings \((\d+)\)/);
    const n = Number(count);
    // Whole, wrapped at 80 columns: not cut with an ellipsis.
    expect(prose(p.screenText())).toContain(
      '! The CPU shows no hardware virtualization (VT-x or AMD-V): virtual machines cannot run on this host. (NO_VIRTUALIZATION)',
    );
    expect(p.screen()).not.toContain('…');
    p.press('Right');
    await p.waitForText('Topology');
    expect(p.screen()).toMatch(/Virtualization +none: virtual machines cannot run/);
    // The other tabs say where the warnings are.
    expect(p.screen()).toContain(`Warnings (${n}) on the Summary tab`);
    expect(p.screen()).not.toContain('KVM usable');
    p.press('Enter');
    await p.waitForText(/Add \S+ \(127\.0\.0\.1:\d+\) to cluster Production\?/);
    expect(p.screen()).toContain(`${n} warning${n === 1 ? '' : 's'} on the previous page.`);
  });

  it('a usable KVM without the CPU flag (as on ARM) is "KVM usable" with no warning that VMs cannot run', async () => {
    const p = await reviewOf(await hostWithoutVmxFlag(true));
    p.press('Right');
    await p.waitForText('Topology');
    expect(p.screen()).toMatch(/Virtualization +KVM usable/);
    expect(p.screen()).not.toMatch(/cannot run|Warnings/);
    p.press('Enter');
    await p.waitForText(/Add \S+ \(127\.0\.0\.1:\d+\) to cluster Production\?/);
    expect(p.screen()).not.toContain('warning');
  });
});

describe('every message readable whole at 80x24', () => {
  it('form problems are shown whole under their fields', async () => {
    const p = (prog = startConsole(vdc));
    await p.waitForText('Production');
    p.press('a');
    await p.waitForText(/Add host . 1\/4 Connect/);
    p.write('10.0.0.300');
    p.press('Tab');
    // U is never a token symbol: flagged as typed, before any Enter.
    p.write('QUANTIX-7K3M-9QDX-2BHU');
    await p.waitForText("symbol 12 ('U')");
    p.press('Enter');
    await p.waitForText('10.0.0.300" is');
    const text = prose(p.screenText());
    expect(text).toContain('✗ "10.0.0.300" is not a valid IPv4 address');
    expect(text).toContain("✗ symbol 12 ('U') is not used in tokens");
    // Nothing on the form is cut (the only ellipsis is the "+ New cluster…" entry's own).
    expect(p.screen().replace('New cluster…', '')).not.toContain('…');
  });

  it("a typo's whole advice shows, not only its first clause", async () => {
    const p = (prog = startConsole(vdc));
    await p.waitForText('Production');
    const token = await newToken(spare);
    const symbols = token.replace(/^QUANTIX-|-/g, '');
    await fillForm(p, agentAddress(spare), symbols.slice(0, 11) + (symbols[11] === '0' ? '1' : '0'));
    expect(prose(p.screenText())).toContain('✗ a symbol looks mistyped: compare it with the host screen');
  });
});
