/**
 * Login through a real OS keychain: a private D-Bus session bus with
 * gnome-keyring-daemon serving the Secret Service (the keychain of a Linux
 * desktop or of an admin's SSH session with a keyring), used by the
 * compiled console through @napi-rs/keyring. The API token goes into the
 * keychain and nowhere on disk, remote commands read it back from there,
 * and logout takes it out. Needs the `dbus-daemon` and
 * `gnome-keyring-daemon` programs (Debian packages dbus and gnome-keyring).
 */
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import fs from 'node:fs';
import path from 'node:path';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import { REPO_ROOT } from '../helpers/agent.js';
import { type ProgramRun, runNodeProgram } from '../helpers/run.js';
import { runVdcCli, startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { stopAll } from '../helpers/teardown.js';
import { CONSOLE, tempDir } from '../e2e/vdc-console-support.js';

let vdc: VdcProcess;
let dir: string;
let bus: ChildProcess | null = null;
let keyring: ChildProcess | null = null;
let env: Record<string, string>;

function need(program: string, pkg: string): void {
  try {
    execFileSync('sh', ['-c', `command -v ${program}`], { stdio: 'ignore' });
  } catch {
    throw new Error(`${program} is not installed: this test needs a real Secret Service (apt-get install ${pkg}).`);
  }
}

beforeAll(async () => {
  need('dbus-daemon', 'dbus');
  need('gnome-keyring-daemon', 'gnome-keyring');
  vdc = await startVdc({ name: 'vdc-keychain' });
  dir = tempDir('qx-keychain-');
  fs.mkdirSync(path.join(dir, 'home'));
  bus = spawn(
    'dbus-daemon',
    ['--session', '--nofork', '--nopidfile', `--address=unix:path=${dir}/bus`, '--print-address=1'],
    { stdio: ['ignore', 'pipe', 'ignore'] },
  );
  let address = '';
  bus.stdout!.setEncoding('utf8').on('data', (d: string) => (address += d));
  await waitFor('the session bus to print its address', () => address.includes('\n'));
  env = {};
  for (const [k, v] of Object.entries(process.env))
    if (v !== undefined && !['XDG_CONFIG_HOME', 'QUANTIX_VDC_SERVER'].includes(k)) env[k] = v;
  Object.assign(env, {
    HOME: path.join(dir, 'home'),
    XDG_RUNTIME_DIR: dir,
    DBUS_SESSION_BUS_ADDRESS: address.trim(),
    QUANTIX_VDC_SOCKET: path.join(dir, 'no.sock'),
  });
  keyring = spawn('gnome-keyring-daemon', ['--foreground', '--unlock', '--components=secrets'], {
    env,
    stdio: ['pipe', 'ignore', 'ignore'],
  });
  keyring.stdin!.end('keyring password');
  await waitFor('the Secret Service on the session bus', () => {
    const out = execFileSync(
      'dbus-send',
      [
        '--session',
        '--print-reply',
        '--dest=org.freedesktop.DBus',
        '/org/freedesktop/DBus',
        'org.freedesktop.DBus.NameHasOwner',
        'string:org.freedesktop.secrets',
      ],
      { env, encoding: 'utf8' },
    );
    return out.includes('boolean true');
  });
}, 60_000);

afterAll(async () => {
  keyring?.kill();
  bus?.kill();
  await stopAll(vdc);
  if (dir) fs.rmSync(dir, { recursive: true, force: true });
});

/** Runs the console CLI with the private session bus, no terminal. */
function cli(args: string[], input = ''): Promise<ProgramRun> {
  return runNodeProgram(path.join(REPO_ROOT, CONSOLE), args, { env, input, timeoutMs: 60_000, detached: true });
}

/** Reads the keychain entry directly, as another program of the same user would. */
function keychainEntry(account: string): string | null {
  const script = `import k from '@napi-rs/keyring/keytar.js'; const v = await k.getPassword('quantix-vdc-console', ${JSON.stringify(account)}); process.stdout.write(JSON.stringify(v));`;
  return JSON.parse(
    execFileSync(process.execPath, ['--input-type=module', '-e', script], { env, cwd: REPO_ROOT, encoding: 'utf8' }),
  ) as string | null;
}

describe('login with a reachable OS keychain', () => {
  it('stores the API token in the keychain and not on disk, uses it for remote commands, and logout removes it', async () => {
    const created = await runVdcCli(['api-token', 'create', 'desk', '--state-dir', vdc.stateDir, '--json']);
    const apiToken = (JSON.parse(created.stdout) as { token: string }).token;
    const server = `https://127.0.0.1:${vdc.port}`;
    const account = `127.0.0.1:${vdc.port}`;
    const config = path.join(dir, 'home/.config/quantix/vdc-console');

    const login = await cli(['login', '--server', server, '--yes', '--token-stdin', '--json'], `${apiToken}\n`);
    expect(login.code, login.stderr).toBe(0);
    expect(JSON.parse(login.stdout)).toMatchObject({
      server: account,
      fingerprint: vdc.serverFingerprint,
      tokenStorage: 'keychain',
    });
    expect(keychainEntry(account)).toBe(apiToken);
    expect(fs.existsSync(path.join(config, 'credentials.json'))).toBe(false);
    for (const f of fs.readdirSync(config))
      expect(fs.readFileSync(path.join(config, f), 'utf8')).not.toContain(apiToken);

    const text = await cli(['login', '--server', server, '--token-stdin'], apiToken);
    expect(text.stdout).toMatch(/OS keychain/);

    const remote = await cli(['clusters', 'create', 'FromKeychain', '--server', server, '--json']);
    expect(remote.code, remote.stderr).toBe(0);
    expect((await vdc.client().listClusters()).map((c) => c.name)).toContain('FromKeychain');

    const out = await cli(['logout', '--server', server, '--json']);
    expect(JSON.parse(out.stdout)).toEqual({ server: account, removed: true });
    expect(keychainEntry(account)).toBeNull();
    const after = await cli(['clusters', 'list', '--server', server, '--json']);
    expect(after.code).toBe(4);
  });
});
