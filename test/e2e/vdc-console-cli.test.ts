import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { formatToken, tokenFromRandom } from '../../common/token/token.js';
import { REPO_ROOT, startAgent, type AgentProcess } from '../helpers/agent.js';
import { spawnInPty } from '../helpers/pty.js';
import { stopAll } from '../helpers/teardown.js';
import { runVdcCli, startVdc, waitFor, type VdcProcess } from '../helpers/vdc.js';
import { agentAddress, CONSOLE, newToken, runConsoleCli, tempDir } from './vdc-console-support.js';

let vdc: VdcProcess;
let agentA: AgentProcess;
let agentB: AgentProcess;
let home: string;

beforeAll(async () => {
  // B reads a fixture machine, so the two hosts have different host ids.
  [vdc, agentA, agentB] = await Promise.all([
    startVdc({ name: 'vdc-cli' }),
    startAgent(),
    startAgent({ inventoryRoot: path.join(REPO_ROOT, 'test/fixtures/hosts/server-2s') }),
  ]);
  home = tempDir('qx-cli-home-');
});
afterAll(async () => {
  await stopAll(agentA, agentB, vdc);
  fs.rmSync(home, { recursive: true, force: true });
});

interface Run {
  code: number | null;
  stdout: string;
  stderr: string;
  // eslint-disable-next-line @typescript-eslint/no-explicit-any -- parsed --json output: each test asserts the shape it reads.
  json: any;
}

/** Runs the console CLI without a terminal, with HOME in a temporary directory and no desktop session (no Secret Service). */
async function cli(args: string[], opts: { input?: string; socket?: boolean } = {}): Promise<Run> {
  const socketPath = opts.socket === false ? path.join(home, 'no.sock') : vdc.socketPath;
  const run = await runConsoleCli(args, { home, socketPath, input: opts.input });
  let json: unknown = null;
  try {
    json = JSON.parse(run.stdout);
  } catch {
    // text output
  }
  return { ...run, json };
}

const HOST_FIELDS = [
  'id',
  'hostname',
  'address',
  'port',
  'clusterId',
  'clusterName',
  'hostId',
  'certificateFingerprint',
  'state',
  'stateSince',
  'lastSeenAt',
  'registeredAt',
  'lastError',
  'usage',
  'capacity',
  'maintenance',
  'maintenanceSince',
].sort();

describe('quantix-vdc-console commands', () => {
  it('clusters create, list (--json and text), and errors for a duplicate', async () => {
    const created = await cli(['clusters', 'create', 'Production', '--description', 'main site', '--json']);
    expect(created.code).toBe(0);
    expect(created.json).toEqual({
      cluster: {
        id: expect.any(String),
        name: 'Production',
        description: 'main site',
        createdAt: expect.any(String),
        hosts: 0,
        connectedHosts: 0,
      },
    });
    const dup = await cli(['clusters', 'create', 'Production', '--json']);
    expect(dup.code).toBe(4);
    expect(dup.json.error).toMatchObject({
      code: 'CLUSTER_EXISTS',
      message: expect.any(String),
      hint: expect.any(String),
    });
    expect(dup.stderr).toMatch(
      /^quantix-vdc-console: CLUSTER_EXISTS: A cluster named "Production" already exists\. Choose another name\.$/m,
    );
    const list = await cli(['clusters', 'list', '--json']);
    expect((list.json.clusters as { name: string }[]).map((c) => c.name)).toEqual(['Production']);
    const text = await cli(['clusters', 'list']);
    expect(text.stdout).toMatch(/^CLUSTER +HOSTS +CPU +MEMORY +STORAGE +GPU +ID\nProduction +0\/0/);
  });

  it('hosts add: a typo exits 2 before any network call; a missing --yes without a terminal exits 2', async () => {
    const token = await newToken(agentA);
    const symbols = token.replace(/^QUANTIX-|-/g, '');
    const typo = symbols.slice(0, 11) + (symbols[11] === '0' ? '1' : '0');
    const r = await cli(
      ['hosts', 'add', '--address', '10.255.255.1', '--token-stdin', '--cluster', 'Production', '--yes', '--json'],
      { socket: false, input: `${typo}\n` },
    );
    expect(r.code).toBe(2);
    expect(r.json.error.code).toBe('TOKEN_FORMAT');
    expect(r.stderr).toContain('a symbol looks mistyped');
    expect(r.stderr).not.toMatch(/\n\s+at /);
    const noYes = await cli(
      ['hosts', 'add', '--address', agentAddress(agentA), '--token-stdin', '--cluster', 'Production'],
      { input: token },
    );
    expect(noYes.code).toBe(2);
    expect(noYes.stderr).toContain('Pass --yes');
  });

  it('hosts add --yes --json adds the host; list, show and the stable shapes', async () => {
    const add = await cli(
      [
        'hosts',
        'add',
        '--address',
        agentAddress(agentA),
        '--token-stdin',
        '--cluster',
        'production',
        '--yes',
        '--json',
      ],
      { input: await newToken(agentA) },
    );
    expect(add.code, add.stderr).toBe(0);
    expect(Object.keys(add.json).sort()).toEqual(['discovery', 'host']);
    expect(Object.keys(add.json.host).sort()).toEqual(
      [...HOST_FIELDS, 'inventory', 'inventoryAt', 'inventoryChange'].sort(),
    );
    expect(add.json.host.clusterName).toBe('Production');
    expect(add.json.discovery.host).toMatchObject({
      identityVerified: true,
      certificateFingerprint: agentA.fingerprint,
      port: agentA.port,
    });
    expect(add.stdout).not.toContain('QUANTIX-');

    await waitFor(
      'the host to be connected',
      async () => (await cli(['hosts', 'list', '--json'])).json.hosts[0]?.state === 'connected',
    );
    const list = await cli(['hosts', 'list', '--cluster', 'Production', '--json']);
    expect(list.json.hosts).toHaveLength(1);
    expect(Object.keys(list.json.hosts[0]).sort()).toEqual(HOST_FIELDS);
    const text = await cli(['hosts', 'list']);
    expect(text.stdout).toMatch(/NAME +ADDRESS +CLUSTER +STATE/);
    expect(text.stdout).toMatch(/127\.0\.0\.1:\d+ +Production +● connected/);

    const show = await cli(['hosts', 'show', add.json.host.id, '--json']);
    expect(show.json.host.inventory.system.hostId).toBe(agentA.hostId);
    const byName = await cli(['hosts', 'show', add.json.host.hostId]);
    expect(byName.code).toBe(0);
    expect(byName.stdout).toContain('Local disks');
    expect(byName.stdout).toContain('Network interfaces');
  });

  it("a wrong token exits 4 with the host's code; an unreachable vDC exits 3", async () => {
    const real = await newToken(agentB);
    const wrong = [0, 1, 2, 3]
      .map((i) => formatToken(tokenFromRandom(new Uint8Array([i, 9, 9, 9, 9, 9, 9]))))
      .find((t) => t !== real)!;
    const r = await cli(
      [
        'hosts',
        'add',
        '--address',
        agentAddress(agentB),
        '--token-stdin',
        '--cluster',
        'Production',
        '--yes',
        '--json',
      ],
      { input: wrong },
    );
    expect(r.code).toBe(4);
    expect(r.json.error.code).toBe('TOKEN_INVALID');
    expect(r.json.error.hint).toMatch(/\S/);
    const down = await cli(['hosts', 'list', '--json'], { socket: false });
    expect(down.code).toBe(3);
    expect(down.json.error.code).toBe('VDC_UNREACHABLE');
    expect(down.stderr.trim().split('\n')).toHaveLength(1);
  });

  it('hosts remove: refuses an unreachable host unless forced; clusters delete once empty', async () => {
    const add = await cli(
      ['hosts', 'add', '--address', agentAddress(agentB), '--token-stdin', '--cluster', 'Production', '--yes'],
      { input: await newToken(agentB) },
    );
    expect(add.code, add.stderr).toBe(0);
    // The vDC's id for the registration is the node ID; the machine's own id is the host ID.
    const id = /; node ID (\S+)\.$/m.exec(add.stdout)?.[1] ?? '';
    expect(id, add.stdout).not.toBe('');
    expect(id).not.toBe(agentB.hostId);
    const shown = await cli(['hosts', 'show', id]);
    expect(shown.stdout).toMatch(new RegExp(`Node ID +${id}`));
    expect(shown.stdout).toMatch(new RegExp(`Host ID +${agentB.hostId}`));
    // The fixture's IPv6 iSCSI portal, bracketed so its port is not read as part of the address.
    expect(shown.stdout).toContain('[fd00:30::20]:3261');
    expect((await cli(['hosts', 'list'])).stdout).toMatch(/NODE ID/);
    await agentB.kill();
    const refused = await cli(['hosts', 'remove', id, '--yes', '--json']);
    expect(refused.code).toBe(4);
    expect(refused.json.error.hint).toContain('--force');
    const forced = await cli(['hosts', 'remove', id, '--force', '--yes', '--json']);
    expect(forced.code, forced.stderr).toBe(0);
    expect(forced.json).toMatchObject({ host: { id }, hostNotified: false });
    const notEmpty = await cli(['clusters', 'delete', 'Production', '--json']);
    expect(notEmpty.json.error.code).toBe('CLUSTER_NOT_EMPTY');
    const hostA = ((await cli(['hosts', 'list', '--json'])).json.hosts as { id: string; hostname: string }[]).find(
      (h) => h.id !== id,
    )!;
    const removed = await cli(['hosts', 'remove', hostA.hostname, '--yes', '--json']);
    expect(removed.code, removed.stderr).toBe(0);
    expect(removed.json.hostNotified).toBe(true);
    const deleted = await cli(['clusters', 'delete', 'Production', '--json']);
    expect(deleted.code).toBe(0);
    expect(deleted.json.cluster.name).toBe('Production');
  });

  it('login pins the certificate, stores the API token in the keychain or else a 0600 file, and remote commands use them', async () => {
    const created = await runVdcCli(['api-token', 'create', 'admin', '--state-dir', vdc.stateDir, '--json']);
    const apiToken = (JSON.parse(created.stdout) as { token: string }).token;
    const server = `https://127.0.0.1:${vdc.port}`;

    const wrongPin = await cli(
      ['login', '--server', server, '--fingerprint', '0'.repeat(64), '--token-stdin', '--json'],
      { input: apiToken },
    );
    expect(wrongPin.code).toBe(3);
    expect(wrongPin.json.error.code).toBe('VDC_IDENTITY_CHANGED');

    const badToken = await cli(['login', '--server', server, '--yes', '--token-stdin', '--json'], {
      input: `qxa_${'x'.repeat(43)}\n`,
    });
    expect(badToken.code).toBe(4);
    expect(badToken.json.error.code).toBe('UNAUTHORIZED');

    const login = await cli(['login', '--server', server, '--yes', '--token-stdin', '--json'], {
      input: `${apiToken}\n`,
    });
    expect(login.code, login.stderr).toBe(0);
    const credentials = path.join(home, '.config/quantix/vdc-console/credentials.json');
    expect(login.json).toMatchObject({ server: `127.0.0.1:${vdc.port}`, fingerprint: vdc.serverFingerprint });
    // Root here has no desktop session and no usable keyring, so the token goes to the file; a normal
    // user has the kernel's per-user keyring even without one. Each place must be used the right way.
    const text = await cli(['login', '--server', server, '--token-stdin'], { input: apiToken });
    if (login.json.tokenStorage === 'file') {
      expect(login.json.location).toBe(credentials);
      expect(fs.statSync(credentials).mode & 0o777).toBe(0o600);
      expect(text.stdout).toContain(`stored in ${credentials} (mode 0600): no OS keychain was reachable`);
    } else {
      expect(login.json).toMatchObject({
        tokenStorage: 'keychain',
        location: `OS keychain (service quantix-vdc-console, account 127.0.0.1:${vdc.port})`,
      });
      expect(
        fs.existsSync(credentials) ? fs.readFileSync(credentials, 'utf8') : '',
        'a token in the keychain is not also in the file',
      ).not.toContain(apiToken);
      expect(text.stdout).toContain('The API token is stored in the OS keychain (service quantix-vdc-console');
    }
    expect(fs.readFileSync(path.join(home, '.config/quantix/vdc-console/servers.json'), 'utf8')).not.toContain(
      apiToken,
    );

    const remote = await cli(['--server', server, 'clusters', 'create', 'Remote', '--json']);
    expect(remote.code, remote.stderr).toBe(0);
    const listed = await cli(['clusters', 'list', '--server', server, '--json'], { socket: false });
    expect((listed.json.clusters as { name: string }[]).map((c) => c.name)).toContain('Remote');

    // The full-screen console uses the same pin and token.
    const tui = spawnInPty({
      script: CONSOLE,
      args: ['--server', server],
      env: {
        HOME: home,
        DBUS_SESSION_BUS_ADDRESS: undefined,
        XDG_CONFIG_HOME: undefined,
        QUANTIX_VDC_SOCKET: path.join(home, 'no.sock'),
      },
    });
    try {
      await tui.waitForText(/Quantix vDC · vdc-cli/);
      await tui.waitForText('Remote');
    } finally {
      await tui.dispose();
    }

    const out = await cli(['logout', '--server', server, '--json']);
    expect(out.json).toEqual({ server: `127.0.0.1:${vdc.port}`, removed: true });
    const after = await cli(['clusters', 'list', '--server', server, '--json']);
    expect(after.code).toBe(4);
    expect(after.json.error.code).toBe('UNAUTHORIZED');
    expect(after.json.error.hint).toContain('login --server');
  });

  it('on a terminal, login shows the fingerprint, asks once, and reads the API token without echo', async () => {
    const created = await runVdcCli(['api-token', 'create', 'operator', '--state-dir', vdc.stateDir, '--json']);
    const apiToken = (JSON.parse(created.stdout) as { token: string }).token;
    const ttyHome = tempDir('qx-cli-tty-');
    const env = {
      HOME: ttyHome,
      DBUS_SESSION_BUS_ADDRESS: undefined,
      XDG_CONFIG_HOME: undefined,
      QUANTIX_VDC_SERVER: undefined,
    };
    try {
      const p = spawnInPty({ script: CONSOLE, args: ['login', '--server', `127.0.0.1:${vdc.port}`], env });
      await p.waitForText('Trust this vDC and pin its certificate? [y/N]');
      const groups = vdc.serverFingerprint.match(/.{4}/g)!;
      expect(p.screen()).toContain(groups.slice(0, 8).join(' '));
      p.write('y\r');
      await p.waitForText('API token for 127.0.0.1:');
      p.write(`${apiToken}\r`);
      await p.waitForText('Logged in to the vDC');
      expect(p.screen()).not.toContain(apiToken);
      expect((await p.exit()).exitCode).toBe(0);
      await p.dispose();
      // A second login knows the pin and does not ask again.
      const again = spawnInPty({ script: CONSOLE, args: ['login', '--server', `127.0.0.1:${vdc.port}`], env });
      await again.waitForText('API token for 127.0.0.1:');
      expect(again.screen()).not.toContain('Trust this vDC');
      again.write('\x03');
      expect((await again.exit()).exitCode).toBe(2);
      await again.dispose();
    } finally {
      fs.rmSync(ttyHome, { recursive: true, force: true });
    }
  });

  it('on a terminal, hosts add shows the discovery summary and asks before adding', async () => {
    const fixture = await startAgent({ inventoryRoot: path.join(REPO_ROOT, 'test/fixtures/hosts/vm-minimal') });
    try {
      await cli(['clusters', 'create', 'Lab']);
      const p = spawnInPty({
        script: CONSOLE,
        args: ['hosts', 'add', '--address', agentAddress(fixture), '--cluster', 'Lab'],
        env: { QUANTIX_VDC_SOCKET: vdc.socketPath, QUANTIX_TOKEN: undefined },
      });
      // With no other source the token is asked for without echo.
      await p.waitForText('Registration token (host console, F4): ');
      const token = await newToken(fixture);
      p.write(`${token}\r`);
      await p.waitForText(/Add \S+ \(127\.0\.0\.1:\d+\) to cluster Lab\? \[y\/N\]/, { timeoutMs: 20_000 });
      expect(p.screen()).toContain('verified by token');
      expect(p.screen()).not.toContain(token.slice(8));
      expect(p.screen()).toContain('Certificate');
      p.write('n\r');
      await p.waitForText('Nothing was changed.');
      expect((await p.exit()).exitCode).toBe(0);
      await p.dispose();
      expect((await vdc.client().listNodes()).some((n) => n.port === fixture.port)).toBe(false);
    } finally {
      await fixture.cleanup();
    }
  });

  it('usage errors exit 2 with the usage; --help exits 0', async () => {
    const bad = await cli(['hosts', 'frob']);
    expect(bad.code).toBe(2);
    expect(bad.stderr).toContain('Usage:');
    const help = await cli(['hosts', 'add', '--help']);
    expect(help.code).toBe(0);
    expect(help.stdout).toContain('--address A');
    const tui = await cli([]);
    expect(tui.code).toBe(2);
    expect(tui.stderr).toContain('needs a terminal');
  });
});
