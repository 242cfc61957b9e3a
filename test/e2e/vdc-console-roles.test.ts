/**
 * The vDC console with a viewer API token, in a pseudo-terminal over real
 * HTTPS: the header shows the role, the change keys say why they cannot
 * act (help and status line) and pressing them opens nothing and changes
 * nothing; the CLI's change commands fail with the coded 403 and exit 4,
 * `login` and `whoami` say the role.
 */
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { startAgent, type AgentProcess } from '../helpers/agent.js';
import { prose, spawnInPty, type PtyProgram } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';
import { runVdcCli, startVdc, type VdcProcess } from '../helpers/vdc.js';
import { agentAddress, CONSOLE, newToken, runConsoleCli, tempDir } from './vdc-console-support.js';

let vdc: VdcProcess;
let agent: AgentProcess;
const home = tempDir('qx-roles-home-');
let server: string;
let nodeId: string;
let hostname: string;

/** The console's CLI against the remote vDC only (the socket given leads nowhere). */
async function remoteCli(args: string[], input?: string) {
  const run = await runConsoleCli([...args, '--server', server], {
    home,
    socketPath: path.join(home, 'no.sock'),
    ...(input === undefined ? {} : { input }),
  });
  let json: unknown = null;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    // text output
  }
  return { ...run, json: json as Record<string, Record<string, unknown> | string> };
}

beforeAll(async () => {
  [vdc, agent] = await Promise.all([startVdc({ name: 'vdc-roles' }), startAgent()]);
  server = `https://127.0.0.1:${vdc.port}`;
  const c = vdc.client();
  const cluster = await c.createCluster({ name: 'Production', description: '' });
  const d = await c.discover({ address: agentAddress(agent), token: await newToken(agent) });
  const node = await c.register({ discoveryId: d.discoveryId, clusterId: cluster.id });
  nodeId = node.id;
  hostname = node.hostname;
  const created = await runVdcCli(['api-token', 'create', 'watcher', '--role', 'viewer', '--state-dir', vdc.stateDir]);
  expect(created.stdout).toContain('role viewer: it may list and watch, not change anything');
  const token = /qxa_\S+/.exec(created.stdout)![0];
  const login = await remoteCli(['login', '--yes', '--token-stdin'], `${token}\n`);
  expect(login.code, login.stderr).toBe(0);
  expect(login.stdout).toContain('API token "watcher"');
  expect(login.stdout).toContain('has the viewer role: it may list and watch, not change anything');
});

afterAll(async () => {
  await stopAll(agent, vdc);
  fs.rmSync(home, { recursive: true, force: true });
});

describe('a viewer token', () => {
  it('in the full-screen console: role in the header, change keys refused with the reason, nothing opened or changed', async () => {
    const p: PtyProgram = spawnInPty({
      script: CONSOLE,
      args: ['--server', server, '--refresh', '0.5'],
      env: {
        HOME: home,
        DBUS_SESSION_BUS_ADDRESS: undefined,
        XDG_CONFIG_HOME: undefined,
        QUANTIX_VDC_SERVER: undefined,
        QUANTIX_VDC_SOCKET: path.join(home, 'no.sock'),
      },
    });
    try {
      await p.waitForText(/Quantix vDC · vdc-roles ─+ viewer · 1 cluster · 1 host/);
      await p.waitForText(hostname);
      await p.waitForSettled();
      // The footer still names the keys (dimmed), so the reason can be found where the key is expected.
      expect(p.screen()).toMatch(/a Add host/);

      p.press('a');
      await p.waitForText('Viewer token: read-only');
      await p.waitForSettled();
      expect(p.screen()).not.toMatch(/Add host . 1\/4/);

      p.press('c');
      await p.waitForSettled();
      expect(p.screen()).not.toContain('Create cluster');

      // The host is selected in the hosts pane; Remove opens no question.
      p.press('Tab');
      await p.waitForSettled();
      p.press('d');
      await p.waitForSettled();
      expect(p.screen()).not.toContain('Remove host?');
      expect(prose(p.screenText())).toContain(
        'Viewer token: read-only; ask the vDC administrator for an admin API token.',
      );

      p.press('?');
      await p.waitForText(/┌ Help /);
      await p.waitForSettled();
      expect(prose(p.screenText())).toMatch(
        /Add a host: address, token from its console, cluster\. Not now: viewer token: read-only; ask the vDC administrator for an admin API token\./,
      );
      p.press('Esc');
      await p.waitForSettled();
      // Nothing was changed: the host is still there, and no new cluster.
      expect((await vdc.client().listNodes()).map((n) => n.id)).toEqual([nodeId]);
      expect((await vdc.client().listClusters()).map((c) => c.name)).toEqual(['Production']);
    } finally {
      await p.dispose();
    }
  });

  it('in the CLI: reads work, every change exits 4 with ROLE_FORBIDDEN and the next step', async () => {
    const who = await remoteCli(['whoami', '--json']);
    expect(who.json).toEqual({
      access: 'api-token',
      role: 'viewer',
      token: { name: 'watcher', publicId: expect.any(String) },
    });
    expect((await remoteCli(['hosts', 'list', '--json'])).code).toBe(0);

    for (const args of [
      ['clusters', 'create', 'Staging'],
      ['clusters', 'delete', 'Production'],
      ['hosts', 'remove', nodeId, '--yes'],
    ]) {
      const run = await remoteCli([...args, '--json']);
      expect(run.code, args.join(' ')).toBe(4);
      expect(run.json.error).toMatchObject({ code: 'ROLE_FORBIDDEN', hint: expect.stringMatching(/admin token/) });
      const text = await remoteCli(args);
      expect(text.stderr).toMatch(/^quantix-vdc-console: ROLE_FORBIDDEN: The API token "watcher" has the viewer role/);
      expect(text.stderr).toContain('Ask a vDC administrator for an admin token');
    }
    expect((await vdc.client().listNodes()).map((n) => n.id)).toEqual([nodeId]);
  });

  it('in the CLI: adding hosts is refused before a token is asked for or a list is run', async () => {
    // A token given in the environment: checked for typos, then the role refuses it before any discovery.
    const one = await runConsoleCli(
      ['hosts', 'add', '--address', '127.0.0.1:9', '--cluster', 'Production', '--yes', '--json', '--server', server],
      { home, socketPath: path.join(home, 'no.sock'), env: { QUANTIX_TOKEN: 'QUANTIX-0000-0000-0000' } },
    );
    expect(one.code, one.stderr).toBe(4);
    expect(JSON.parse(one.stdout).error).toMatchObject({
      code: 'ROLE_FORBIDDEN',
      message: expect.stringContaining('(adding a host refused)'),
    });
    expect(`${one.stdout}${one.stderr}`).not.toContain('0000-0000-0000');
    // No token and no terminal to type it on: a usage error, said without asking the vDC anything.
    const none = await remoteCli(['hosts', 'add', '--address', '127.0.0.1:9', '--cluster', 'Production', '--yes']);
    expect(none.code).toBe(2);
    expect(none.stderr).toContain('There is no terminal to type the token on.');
    // On a terminal the token would be typed: the refusal comes before the question.
    const asked = spawnInPty({
      script: CONSOLE,
      args: ['hosts', 'add', '--address', '127.0.0.1:9', '--cluster', 'Production', '--server', server],
      env: {
        HOME: home,
        DBUS_SESSION_BUS_ADDRESS: undefined,
        XDG_CONFIG_HOME: undefined,
        QUANTIX_TOKEN: undefined,
        QUANTIX_VDC_SERVER: undefined,
        QUANTIX_VDC_SOCKET: path.join(home, 'no.sock'),
      },
    });
    try {
      expect((await asked.exit()).exitCode).toBe(4);
      expect(prose(asked.screenText())).toContain('ROLE_FORBIDDEN: The API token "watcher" has the viewer role');
      expect(asked.screenText()).not.toContain('Registration token');
    } finally {
      await asked.dispose();
    }
    // A list: one refusal for the whole run, not one failure per line.
    const list = path.join(home, 'rack.csv');
    fs.writeFileSync(list, 'address,token,cluster\n127.0.0.1:9,QUANTIX-7K3M-9QDX-2BHF,Production\n', { mode: 0o600 });
    const bulk = await remoteCli(['hosts', 'add', '--from', list, '--yes', '--json']);
    expect(bulk.code, bulk.stderr).toBe(4);
    expect(bulk.json.error).toMatchObject({
      code: 'ROLE_FORBIDDEN',
      message: expect.stringContaining('(adding hosts refused)'),
    });
    expect(`${bulk.stdout}${bulk.stderr}`).not.toContain('QUANTIX-7K3M-9QDX-2BHF');
    expect((await vdc.client().listNodes()).map((n) => n.id)).toEqual([nodeId]);
  });
});
