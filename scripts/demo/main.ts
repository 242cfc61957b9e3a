/**
 * `npm start`: the whole product on this machine. A vDC with a "Default"
 * cluster, an agent reading this machine's real hardware, optionally a fleet
 * of simulated hosts already in a "Simulated" cluster, and both consoles
 * side by side in tmux (or the two commands to run them by hand). State
 * lives in `./.demo`; services keep running after the consoles close so the
 * next `npm start` comes back to the same demo; `npm run demo:reset` stops
 * them and deletes the directory.
 */
import { spawn, spawnSync } from 'node:child_process';
import { createHash } from 'node:crypto';
import { existsSync, mkdirSync } from 'node:fs';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { parseArgs } from 'node:util';
import { describeError } from '../../common/cli/error-line.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { VdcClient } from '../../common/http/vdc-client.js';
import { QuantixError } from '../../common/protocol/errors.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { AGENT_PORT } from '../../common/protocol/ports.js';
import { HINT_SECONDS, SESSION, SIDE_BY_SIDE_COLUMNS, shellLine, switchHint, tmuxSession } from './layout.js';
import { demoDatabaseUrl, readDemoPostgres } from './postgres.js';
import {
  type DemoPaths,
  type ServiceRecord,
  demoPaths,
  entry,
  isRunning,
  portFree,
  readDemoHosts,
  readServices,
  replicaPaths,
  startDetached,
  stopServices,
  waitUntil,
  wipe,
  writeServices,
} from './services.js';

const USAGE = `usage: npm start [-- --hosts N] [-- --replicas N] [-- --no-attach]
       npm run demo:reset

Starts the demo in ./.demo: a vDC with a "Default" cluster, an agent on
this machine's hardware, and both consoles side by side in tmux.

  --hosts N     also run N simulated hosts (0-250), each on its own
                127.0.0.x address with a fixture inventory, already added
                to the cluster "Simulated" (--hosts 0 stops them)
  --replicas N  run N vDC replicas (2-4) on an embedded PostgreSQL instead
                of one vDC on SQLite; stop one and watch the hosts stay
                connected (a demo started without it needs --reset first)
  --no-attach   start the services and print the two console commands
                instead of opening tmux
  --stop        stop the demo's services, keep its state
  --reset       stop the services and delete the demo directory
  --dir DIR     demo directory (default ./.demo; env QUANTIX_DEMO_DIR)
  -h, --help    this text`;

const REPO = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../../..');
const DEFAULT_CLUSTER = 'Default';
const FLEET_CLUSTER = 'Simulated';
const MAX_HOSTS = 250;
const MAX_REPLICAS = 4;

function fail(message: string, code = 1): never {
  process.stderr.write(`demo: ${message}\n`);
  process.exit(code);
}

/** tmux session of this demo directory: the default one for ./.demo, a distinct one for any other. */
function sessionFor(paths: DemoPaths): string {
  if (paths.root === path.join(REPO, '.demo')) return SESSION;
  return `${SESSION}-${createHash('sha256').update(paths.root).digest('hex').slice(0, 8)}`;
}

function hasTmux(): boolean {
  return spawnSync('tmux', ['-V'], { stdio: 'ignore' }).status === 0;
}

function tmux(args: string[], inherit = false): number {
  return spawnSync('tmux', args, { stdio: inherit ? 'inherit' : 'ignore' }).status ?? 1;
}

async function ensureCluster(vdc: VdcClient, name: string, description: string): Promise<void> {
  try {
    await vdc.createCluster({ name, description });
  } catch (err) {
    if (!(err instanceof QuantixError && err.code === 'CLUSTER_EXISTS')) throw err;
  }
}

/** Starts vDC replica i; with a database URL it runs on PostgreSQL (passed in the environment), else on SQLite. */
async function startVdc(paths: DemoPaths, i: number, database: string | null): Promise<ServiceRecord> {
  const r = replicaPaths(paths, i);
  const args = [
    entry(paths, 'vdc-console/server/main.js'),
    'serve',
    '--state-dir',
    r.state,
    '--socket',
    r.socket,
    '--listen',
    'none',
    '--name',
    'demo-vdc',
    '--poll-interval',
    '5s',
  ];
  if (database) args.push('--secret-file', paths.secretFile, '--lease', '5s');
  const rec = startDetached(paths, r.name, args, r.state, database ? { QUANTIX_VDC_DATABASE: database } : {});
  rec.detail = database ? 'postgresql' : 'sqlite';
  const vdc = new VdcClient({ kind: 'socket', socketPath: r.socket }, { connectTimeoutMs: 500 });
  await waitUntil(
    `vDC replica ${i}`,
    async () => Boolean(await vdc.health()),
    30_000,
    () => isRunning(rec),
  );
  return rec;
}

async function startPostgres(paths: DemoPaths): Promise<ServiceRecord> {
  const rec = startDetached(
    paths,
    'postgres',
    [entry(paths, 'scripts/demo/postgres.js'), '--config', paths.postgres],
    paths.postgres,
  );
  await waitUntil(
    'the embedded PostgreSQL',
    async () => {
      const conf = readDemoPostgres(paths.postgres);
      return conf !== null && !(await portFree('127.0.0.1', conf.port));
    },
    60_000,
    () => isRunning(rec),
  );
  return rec;
}

async function startAgent(paths: DemoPaths): Promise<ServiceRecord> {
  const listen = (await portFree('127.0.0.1', AGENT_PORT)) ? formatHostPort('127.0.0.1', AGENT_PORT) : '127.0.0.1:0';
  const rec = startDetached(
    paths,
    'agent',
    [
      entry(paths, 'host-console/agent/main.js'),
      'serve',
      '--state-dir',
      paths.nodeState,
      '--socket',
      paths.nodeSocket,
      '--listen',
      listen,
    ],
    paths.nodeState,
  );
  const agent = new LocalAgentClient({ socketPath: paths.nodeSocket, connectTimeoutMs: 500 });
  await waitUntil(
    'the agent',
    async () => Boolean(await agent.status()),
    30_000,
    () => isRunning(rec),
  );
  return rec;
}

async function startFleet(paths: DemoPaths, count: number): Promise<ServiceRecord> {
  const rec = startDetached(
    paths,
    'fleet',
    [
      entry(paths, 'scripts/demo/fleet.js'),
      '--count',
      String(count),
      '--state',
      paths.fleetState,
      '--vdc-socket',
      paths.vdcSocket,
      '--cluster',
      FLEET_CLUSTER,
    ],
    paths.fleetState,
  );
  rec.detail = String(count);
  const vdc = new VdcClient({ kind: 'socket', socketPath: paths.vdcSocket });
  let shown = -1;
  await waitUntil(
    `${count} simulated hosts`,
    async () => {
      const nodes = await vdc.listNodes({ clusterId: FLEET_CLUSTER });
      const connected = nodes.filter((n) => n.state === 'connected').length;
      if (connected !== shown && process.stdout.isTTY)
        process.stdout.write(`\r  simulated hosts connected: ${connected}/${count}`);
      shown = connected;
      return connected >= count;
    },
    60_000 + count * 1_000,
    () => isRunning(rec),
  );
  if (process.stdout.isTTY) process.stdout.write('\n');
  return rec;
}

function consoleCommands(paths: DemoPaths): { host: string[]; vdc: string[] } {
  return {
    host: [
      'node',
      entry(paths, 'host-console/console/main.js'),
      '--socket',
      paths.nodeSocket,
      '--exitable',
      '--log-file',
      path.join(paths.logs, 'host-console.log'),
    ],
    vdc: [
      'node',
      entry(paths, 'vdc-console/console/main.js'),
      '--socket',
      paths.vdcSocket,
      '--log-file',
      path.join(paths.logs, 'vdc-console.log'),
    ],
  };
}

async function up(
  paths: DemoPaths,
  hosts: number | undefined,
  replicasWanted: number | undefined,
): Promise<{ agentAddress: string; replicas: ServiceRecord[] }> {
  if (!existsSync(entry(paths, 'vdc-console/server/main.js')))
    fail('the programs are not built: run `npm run build` (npm start does it)');
  mkdirSync(paths.root, { recursive: true, mode: 0o700 });
  const old = readServices(paths);
  const byName = (n: ServiceRecord['name']) => old.find((s) => s.name === n && isRunning(s));
  const services: ServiceRecord[] = [];

  // One vDC on SQLite, or replicas on PostgreSQL: hosts joined one identity, so a demo keeps the kind it started with.
  const onPostgres = existsSync(paths.postgres);
  const onSqlite = existsSync(path.join(paths.vdcState, 'vdc.db'));
  const replicas = replicasWanted ?? (onPostgres ? Math.max(2, old.filter((s) => s.name.startsWith('vdc')).length) : 1);
  if (replicas > 1 && onSqlite)
    fail('this demo runs one vDC on SQLite: run `npm run demo:reset` first to start it with --replicas', 2);
  if (replicas === 1 && onPostgres)
    fail('this demo runs vDC replicas on PostgreSQL: run `npm run demo:reset` first to go back to one vDC', 2);
  let database: string | null = null;
  if (replicas > 1) {
    services.push(byName('postgres') ?? (await startPostgres(paths)));
    database = demoDatabaseUrl(readDemoPostgres(paths.postgres)!);
  }
  const replicaRecs: ServiceRecord[] = [];
  for (let i = 1; i <= replicas; i++)
    replicaRecs.push(byName(replicaPaths(paths, i).name) ?? (await startVdc(paths, i, database)));
  // Replicas beyond the number asked for stop.
  await stopServices(old.filter((s) => /^vdc-\d+$/.test(s.name) && Number(s.name.slice(4)) > replicas));
  services.push(...replicaRecs);
  const vdc = new VdcClient({ kind: 'socket', socketPath: paths.vdcSocket });
  await ensureCluster(vdc, DEFAULT_CLUSTER, 'Hosts added by hand in the demo');

  const agentRec = byName('agent') ?? (await startAgent(paths));
  services.push(agentRec);
  const status = await new LocalAgentClient({ socketPath: paths.nodeSocket }).status();
  const agentAddress = formatHostPort(status.managementAddresses[0]?.address ?? '127.0.0.1', status.port);

  const fleetRec = byName('fleet');
  // Without --hosts the demo comes back with the fleet it had, also after --stop.
  const wanted = hosts ?? readDemoHosts(paths);
  if (fleetRec && Number(fleetRec.detail) === wanted) {
    services.push(fleetRec);
  } else {
    if (fleetRec) await stopServices([fleetRec]);
    if (wanted > 0) {
      await ensureCluster(vdc, FLEET_CLUSTER, 'Simulated hosts with fixture inventories');
      process.stdout.write(
        `Starting ${wanted} simulated host${wanted === 1 ? '' : 's'} and adding them to "${FLEET_CLUSTER}"...\n`,
      );
      services.push(await startFleet(paths, wanted));
    }
  }
  writeServices(paths, services, wanted);
  return { agentAddress, replicas: replicaRecs };
}

function printGuide(paths: DemoPaths, agentAddress: string, replicas: ServiceRecord[], printCommands: boolean): void {
  const { host, vdc } = consoleCommands(paths);
  const vdcLines =
    replicas.length > 1
      ? [
          ...replicas.map(
            (r, i) =>
              `  vDC replica ${i + 1}: ${replicaPaths(paths, i + 1).socket}, pid ${r.pid} (log ${path.join(paths.logs, `${r.name}.log`)})`,
          ),
          `  on an embedded PostgreSQL (log ${path.join(paths.logs, 'postgres.log')}); the vDC console uses replica 1`,
        ]
      : [`  vDC:   ${paths.vdcSocket} (log ${path.join(paths.logs, 'vdc.log')})`];
  const lines = [
    '',
    `Quantix demo running in ${paths.root}`,
    ...vdcLines,
    `  agent: https://${agentAddress} on this machine's hardware (log ${path.join(paths.logs, 'agent.log')})`,
    '',
    'Add this machine to the cluster:',
    '  1. host console: F4 (or 4), then G: a registration token appears',
    `  2. vDC console: a, address ${agentAddress}, type the token, cluster ${DEFAULT_CLUSTER}, Enter`,
    '  3. review the hardware, Enter, Enter: the host joins; the host console says so',
  ];
  if (replicas.length > 1) {
    const last = replicas[replicas.length - 1]!;
    lines.push(
      '',
      'Stop a replica and watch the host stay connected:',
      `  kill ${last.pid}    (replica ${replicas.length}; within 5 s the others poll its hosts)`,
      `  npm start -- --replicas ${replicas.length}    starts it again`,
    );
  }
  if (printCommands) {
    lines.push(
      '',
      'Run the consoles in two terminals (80x24 or larger):',
      `  ${shellLine(host)}`,
      `  ${shellLine(vdc)}`,
    );
  }
  lines.push(
    '',
    'The services keep running: `npm start` opens the consoles again; `npm run demo:reset` stops them and deletes the demo state.',
    '',
  );
  process.stdout.write(lines.join('\n') + '\n');
}

function tmuxOutput(args: string[]): string {
  const r = spawnSync('tmux', args, { encoding: 'utf8' });
  return r.status === 0 ? r.stdout : '';
}

/**
 * Shows the switching hint over the bottom row of every client of the
 * session once the console in view has painted its first screen (a message
 * shown earlier is covered by that paint). Gives up after 30 s.
 */
async function showHintWhenPainted(session: string, hint: string): Promise<void> {
  // Both consoles name the product in their header.
  await waitUntil(
    'the console to paint',
    () => Promise.resolve(tmuxOutput(['capture-pane', '-p', '-t', session]).includes('Quantix')),
    30_000,
  ).catch(() => undefined);
  for (const client of tmuxOutput(['list-clients', '-t', session, '-F', '#{client_name}'])
    .split('\n')
    .filter(Boolean)) {
    tmux(['display-message', '-c', client, '-d', String(HINT_SECONDS * 1000), hint]);
  }
}

/** The size of this terminal; 80x24 when stdout is not one (its columns and rows are then unset). */
function terminalSize(): { columns: number; rows: number } {
  return process.stdout.isTTY
    ? { columns: process.stdout.columns, rows: process.stdout.rows }
    : { columns: 80, rows: 24 };
}

function attach(paths: DemoPaths): Promise<void> {
  const session = sessionFor(paths);
  const { columns, rows } = terminalSize();
  if (tmux(['has-session', '-t', `=${session}`]) !== 0) {
    const { host, vdc } = consoleCommands(paths);
    const { commands, sideBySide } = tmuxSession(host, vdc, columns, rows);
    for (const cmd of commands) {
      const args = cmd.map((a) =>
        a === SESSION ? session : a.startsWith(`${SESSION}:`) ? session + a.slice(SESSION.length) : a,
      );
      if (tmux(args) !== 0) fail(`tmux ${args[0]} failed; run the two commands above in two terminals instead`);
    }
    if (!sideBySide)
      process.stdout.write('This terminal is narrower than 161 columns: the consoles are in two tmux windows.\n');
  }
  const hint = switchHint(columns >= SIDE_BY_SIDE_COLUMNS);
  process.stdout.write(`${hint}.\n`);
  const client = spawn(
    'tmux',
    process.env.TMUX ? ['switch-client', '-t', session] : ['attach-session', '-t', session],
    { stdio: 'inherit' },
  );
  void showHintWhenPainted(session, hint);
  return new Promise((resolve) => client.on('exit', () => resolve()));
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        hosts: { type: 'string' },
        replicas: { type: 'string' },
        'no-attach': { type: 'boolean', default: false },
        stop: { type: 'boolean', default: false },
        reset: { type: 'boolean', default: false },
        dir: { type: 'string' },
        help: { type: 'boolean', short: 'h', default: false },
      },
      allowPositionals: false,
    }));
  } catch (err) {
    fail(`${(err as Error).message}\n${USAGE}`, 2);
  }
  if (values.help) {
    process.stdout.write(USAGE + '\n');
    return;
  }
  let hosts: number | undefined;
  if (values.hosts !== undefined) {
    hosts = Number(values.hosts);
    if (!/^\d+$/.test(values.hosts) || hosts > MAX_HOSTS)
      fail(`--hosts takes a number from 0 to ${MAX_HOSTS}, not "${values.hosts}"`, 2);
  }
  let replicas: number | undefined;
  if (values.replicas !== undefined) {
    replicas = Number(values.replicas);
    if (!/^\d+$/.test(values.replicas) || replicas < 1 || replicas > MAX_REPLICAS)
      fail(`--replicas takes a number from 1 to ${MAX_REPLICAS}, not "${values.replicas.slice(0, 20)}"`, 2);
  }
  const root = path.resolve(values.dir ?? process.env.QUANTIX_DEMO_DIR ?? path.join(REPO, '.demo'));
  const paths = demoPaths(root, REPO);

  if (values.stop || values.reset) {
    const stopped = await stopServices(readServices(paths));
    if (hasTmux()) tmux(['kill-session', '-t', `=${sessionFor(paths)}`]);
    const wiped = values.reset && wipe(paths);
    process.stdout.write(
      `${stopped.length ? `Stopped ${stopped.join(', ')}.` : 'No demo service was running.'}${wiped ? ` Deleted ${root}.` : ''}\n`,
    );
    return;
  }

  const { agentAddress, replicas: running } = await up(paths, hosts, replicas);
  const interactive = process.stdin.isTTY && process.stdout.isTTY && !values['no-attach'];
  const useTmux = interactive && hasTmux();
  printGuide(paths, agentAddress, running, !useTmux);
  if (interactive && !useTmux)
    process.stdout.write('tmux is not installed (apt-get install tmux), so the consoles were not opened.\n');
  if (useTmux) {
    await attach(paths);
    process.exit(0);
  }
}

main().catch((err: unknown) => {
  const message = err instanceof QuantixError ? describeError(err) : (err as Error).message;
  fail(`${message}\nLogs are in the demo directory's logs/ folder; \`npm run demo:reset\` starts over.`);
});
