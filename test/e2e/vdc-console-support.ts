/**
 * Shared pieces of the vDC console's end-to-end tests: the console in a
 * pseudo-terminal against a real vDC, registration tokens from real agents,
 * fixture hosts with hostile names, and a TCP listener that never speaks TLS.
 */
import { execFileSync } from 'node:child_process';
import fs from 'node:fs';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { afterAll, afterEach, beforeAll } from 'vitest';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import type { NodeDetail } from '../../common/protocol/vdc-api.js';
import { REPO_ROOT, startAgent, type AgentProcess } from '../helpers/agent.js';
import { spawnInPty, type PtyProgram, type PtySpawnOptions } from '../helpers/pty.js';
import { runNodeProgram, type ProgramRun } from '../helpers/run.js';
import { startVdc, type VdcProcess } from '../helpers/vdc.js';

/** The compiled console. */
export const CONSOLE = 'dist/vdc-console/console/main.js';

/**
 * What the console's CLI must not inherit from the test's environment: a
 * desktop session (its Secret Service), and a server or token given by
 * variables.
 */
const SESSION_VARIABLES = new Set([
  'DBUS_SESSION_BUS_ADDRESS',
  'XDG_CONFIG_HOME',
  'XDG_RUNTIME_DIR',
  'QUANTIX_VDC_SERVER',
  'QUANTIX_TOKEN',
  'QUANTIX_API_TOKEN',
]);

/**
 * Runs the console's CLI without a terminal, HOME in `home`, on the vDC
 * socket given, with no desktop session and no token in its environment
 * (`env` adds to it last).
 */
export function runConsoleCli(
  args: string[],
  opts: { home: string; socketPath: string; input?: string; env?: Record<string, string>; timeoutMs?: number },
): Promise<ProgramRun> {
  const env: Record<string, string> = {};
  for (const [k, v] of Object.entries(process.env)) if (v !== undefined && !SESSION_VARIABLES.has(k)) env[k] = v;
  Object.assign(env, { HOME: opts.home, QUANTIX_VDC_SOCKET: opts.socketPath }, opts.env);
  return runNodeProgram(path.join(REPO_ROOT, CONSOLE), args, {
    env,
    input: opts.input ?? '',
    timeoutMs: opts.timeoutMs ?? 60_000,
    detached: true,
  });
}

/** Starts the console on a vDC's socket, refreshing every half second. */
export function startConsole(vdc: VdcProcess, opts: Omit<PtySpawnOptions, 'script'> = {}): PtyProgram {
  // Extra arguments follow the socket and refresh instead of replacing them.
  const { args = [], env = {}, ...rest } = opts;
  return spawnInPty({
    ...rest,
    script: CONSOLE,
    args: ['--socket', vdc.socketPath, '--refresh', '0.5', ...args],
    env: { QUANTIX_VDC_SOCKET: undefined, QUANTIX_VDC_SERVER: undefined, ...env },
  });
}

/** A fresh registration token from an agent, in its display form. */
export async function newToken(agent: AgentProcess): Promise<string> {
  return (await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken()).token;
}

/** Creates a cluster on a vDC and adds an agent's host to it through the vDC's API (discover, register). */
export async function addHostToNewCluster(
  vdc: VdcProcess,
  agent: AgentProcess,
  cluster = 'Production',
): Promise<NodeDetail> {
  const client = vdc.client();
  const c = await client.createCluster({ name: cluster });
  const d = await client.discover({ address: agentAddress(agent), token: await newToken(agent) });
  return client.register({ discoveryId: d.discoveryId, clusterId: c.id });
}

/** `host:port` of an agent's network API. */
export function agentAddress(agent: AgentProcess): string {
  return `${agent.host}:${agent.port}`;
}

/**
 * A copy of a fixture host whose hostname holds escape sequences (a title
 * change, a colour, a screen clear) and a brace tag, and whose first disk's
 * model holds a screen clear and blink; returns the root.
 */
export function hostileFixture(dir: string, hostname = 'evil\x1b]0;pwned\x07\x1b[31m{red-fg}\x1b[2Jname'): string {
  const root = fixtureCopy(dir, 'hostile-root');
  fs.writeFileSync(path.join(root, 'proc/sys/kernel/hostname'), `${hostname}\n`);
  // A disk whose model clears the screen if printed raw.
  fs.writeFileSync(path.join(root, 'sys/block/sda/device/model'), '\x1b[2Jdisk\x1b[5m\n');
  return root;
}

/** A copy of the Dell fixture host under dir/name, to change one fact of it; returns the root. */
export function fixtureCopy(dir: string, name: string): string {
  const root = path.join(dir, name);
  // cp -a keeps the sysfs symlinks the collectors follow.
  execFileSync('cp', ['-a', path.join(REPO_ROOT, 'test/fixtures/hosts/server-2s'), root]);
  return root;
}

/** A TCP listener that accepts connections and never answers (no TLS handshake). */
export async function silentListener(): Promise<{ port: number; close: () => Promise<void> }> {
  const sockets = new Set<net.Socket>();
  const server = net.createServer((s) => {
    sockets.add(s);
    s.on('close', () => sockets.delete(s));
    s.on('error', () => {});
  });
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  return {
    port: (server.address() as net.AddressInfo).port,
    close: () =>
      new Promise<void>((resolve) => {
        for (const s of sockets) s.destroy();
        server.close(() => resolve());
      }),
  };
}

/** A loopback port nothing listens on (bound, read, released). */
export async function closedPort(): Promise<number> {
  const server = net.createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const port = (server.address() as net.AddressInfo).port;
  await new Promise<void>((resolve) => server.close(() => resolve()));
  return port;
}

/** A temporary directory. */
export function tempDir(prefix: string): string {
  return fs.mkdtempSync(path.join(os.tmpdir(), prefix));
}

/** Opens the wizard and fills the form: address, token (typed as a person would), leaving the cluster as chosen. */
export async function fillForm(p: PtyProgram, address: string, token: string): Promise<void> {
  p.press('a');
  await p.waitForText(/Add host . 1\/4 Connect/);
  p.write(address);
  p.press('Tab');
  p.write(token.toLowerCase());
  await p.waitForText(/well formed|looks mistyped|not used in tokens/);
}

/**
 * For a test file that drives both consoles: an agent, and a vDC with the
 * cluster Production, for the whole file; the console a test started
 * (run(...)) is stopped after it.
 */
/** How the host console is started against the shared agent: its log file name, TERM and LANG, extra options. */
export interface HostConsoleRun {
  log: string;
  term: string;
  lang?: string;
  args?: string[];
  env?: Record<string, string | undefined>;
}

export function bothConsoles(vdcName: string): {
  agent: () => AgentProcess;
  vdc: () => VdcProcess;
  run: (p: PtyProgram) => PtyProgram;
  /** Starts the host console at 80x24 on the shared agent's socket (exitable, its log in the agent's temporary directory). */
  hostConsole: (o: HostConsoleRun) => PtyProgram;
} {
  let agent: AgentProcess | undefined;
  let vdc: VdcProcess | undefined;
  let program: PtyProgram | null = null;
  beforeAll(async () => {
    [agent, vdc] = await Promise.all([startAgent(), startVdc({ name: vdcName })]);
    await vdc.client().createCluster({ name: 'Production' });
  });
  afterAll(async () => {
    await agent?.cleanup();
    await vdc?.cleanup();
  });
  afterEach(async () => {
    await program?.dispose();
    program = null;
  });
  const run = (p: PtyProgram) => (program = p);
  const hostConsole = (o: HostConsoleRun) =>
    run(
      spawnInPty({
        script: 'dist/host-console/console/main.js',
        args: [
          '--socket',
          agent!.socketPath,
          '--exitable',
          '--log-file',
          path.join(agent!.tmpDir, o.log),
          ...(o.args ?? []),
        ],
        term: o.term,
        ...(o.lang === undefined ? {} : { lang: o.lang }),
        cols: 80,
        rows: 24,
        ...(o.env === undefined ? {} : { env: o.env }),
      }),
    );
  return { agent: () => agent!, vdc: () => vdc!, run, hostConsole };
}
