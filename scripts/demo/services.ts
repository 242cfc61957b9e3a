/**
 * The demo's background services: a vDC, the agent of this machine and,
 * optionally, a fleet of simulated hosts, each a detached process with its
 * log in the demo directory. Their process ids are kept in `services.json`
 * so `npm start` can find them again and `npm run demo:reset` can stop them.
 */
import { spawn } from 'node:child_process';
import { closeSync, existsSync, mkdirSync, openSync, readFileSync, rmSync } from 'node:fs';
import { createServer } from 'node:net';
import path from 'node:path';
import { setTimeout as delay } from 'node:timers/promises';
import { writeFileAtomic } from '../../common/fs/atomic-file.js';

/** Every path of one demo directory. */
export interface DemoPaths {
  root: string;
  repo: string;
  vdcState: string;
  vdcSocket: string;
  nodeState: string;
  nodeSocket: string;
  fleetState: string;
  logs: string;
  services: string;
  /** The embedded PostgreSQL of a demo with replicas (data directory, port, password). */
  postgres: string;
  /** The secret key file the replicas share. */
  secretFile: string;
}

/** The paths of a demo rooted at `root`, running the programs compiled in `repo/dist`. */
export function demoPaths(root: string, repo: string): DemoPaths {
  return {
    root,
    repo,
    vdcState: path.join(root, 'vdc'),
    // Sockets live in short paths: a Unix socket path is limited to 107 bytes.
    vdcSocket: path.join(root, 'vdc.sock'),
    nodeState: path.join(root, 'node'),
    nodeSocket: path.join(root, 'node.sock'),
    fleetState: path.join(root, 'fleet'),
    logs: path.join(root, 'logs'),
    services: path.join(root, 'services.json'),
    postgres: path.join(root, 'postgres.json'),
    secretFile: path.join(root, 'vdc-secret.key'),
  };
}

/** One started service. */
export interface ServiceRecord {
  name: 'vdc' | `vdc-${number}` | 'agent' | 'fleet' | 'postgres';
  pid: number;
  /** A string of its command line that identifies it, checked before signalling the pid. */
  marker: string;
  /** The agent's listen address, the fleet's size, a vDC's back end. */
  detail?: string;
}

/** The compiled entry point of a program. */
export function entry(paths: DemoPaths, rel: string): string {
  return path.join(paths.repo, 'dist', rel);
}

function commandLineOf(pid: number): string | null {
  try {
    return readFileSync(`/proc/${pid}/cmdline`, 'utf8').split('\0').join(' ');
  } catch {
    return null;
  }
}

/** Whether the process is alive and still the one recorded (a pid can be reused). */
export function isRunning(rec: ServiceRecord): boolean {
  const cmd = commandLineOf(rec.pid);
  return cmd !== null && cmd.includes(rec.marker);
}

/** The recorded services, or none. */
export function readServices(paths: DemoPaths): ServiceRecord[] {
  try {
    const parsed = JSON.parse(readFileSync(paths.services, 'utf8')) as { services?: ServiceRecord[] };
    return Array.isArray(parsed.services) ? parsed.services : [];
  } catch {
    return [];
  }
}

/**
 * The number of simulated hosts the demo last ran with (`--hosts N`), kept
 * across `--stop` so a plain `npm start` brings them back; 0 when unknown.
 */
export function readDemoHosts(paths: DemoPaths): number {
  try {
    const parsed = JSON.parse(readFileSync(paths.services, 'utf8')) as { hosts?: unknown; services?: ServiceRecord[] };
    if (typeof parsed.hosts === 'number' && Number.isInteger(parsed.hosts) && parsed.hosts >= 0) return parsed.hosts;
    const fleet = Array.isArray(parsed.services) ? parsed.services.find((s) => s.name === 'fleet') : undefined;
    return fleet ? Number(fleet.detail) || 0 : 0;
  } catch {
    return 0;
  }
}

/** Records the services and the fleet size asked for. */
export function writeServices(paths: DemoPaths, services: ServiceRecord[], hosts: number): void {
  writeFileAtomic(paths.services, JSON.stringify({ hosts, services }, null, 2) + '\n', 0o600);
}

/** Starts a detached program whose stdout and stderr go to `logs/<name>.log`. */
export function startDetached(
  paths: DemoPaths,
  name: ServiceRecord['name'],
  args: string[],
  marker: string,
  env: NodeJS.ProcessEnv = {},
): ServiceRecord {
  mkdirSync(paths.logs, { recursive: true, mode: 0o700 });
  const log = openSync(path.join(paths.logs, `${name}.log`), 'a', 0o600);
  try {
    const child = spawn(process.execPath, args, {
      detached: true,
      stdio: ['ignore', log, log],
      env: { ...process.env, ...env },
      cwd: paths.root,
    });
    child.unref();
    if (child.pid === undefined) throw new Error(`could not start ${name}`);
    return { name, pid: child.pid, marker };
  } finally {
    closeSync(log);
  }
}

/** Waits until `check` resolves true, failing with `what` after `ms`; gives up early when `alive` turns false. */
export async function waitUntil(
  what: string,
  check: () => Promise<boolean>,
  ms: number,
  alive: () => boolean = () => true,
): Promise<void> {
  const deadline = Date.now() + ms;
  for (;;) {
    if (await check().catch(() => false)) return;
    if (!alive()) throw new Error(`${what}: the process exited`);
    if (Date.now() > deadline) throw new Error(`${what}: not ready after ${Math.round(ms / 1000)} s`);
    await delay(100);
  }
}

/** SIGTERM the services, then SIGKILL what is left after 5 s. */
export async function stopServices(services: ServiceRecord[]): Promise<string[]> {
  const stopped: string[] = [];
  const live = services.filter(isRunning);
  for (const s of live) {
    try {
      process.kill(s.pid, 'SIGTERM');
      stopped.push(s.name);
    } catch {
      // Already gone between the check and the signal.
    }
  }
  const deadline = Date.now() + 5000;
  while (live.some(isRunning) && Date.now() < deadline) await delay(50);
  for (const s of live.filter(isRunning)) {
    try {
      process.kill(s.pid, 'SIGKILL');
    } catch {
      // Gone.
    }
  }
  return stopped;
}

/** Whether `port` can be listened on at `host` now. */
export async function portFree(host: string, port: number): Promise<boolean> {
  return new Promise((resolve) => {
    const srv = createServer();
    srv.once('error', () => resolve(false));
    srv.listen({ host, port, exclusive: true }, () => srv.close(() => resolve(true)));
  });
}

/** The state directory and socket of vDC replica `i` (1: the one the consoles use). */
export function replicaPaths(
  paths: DemoPaths,
  i: number,
): { name: ServiceRecord['name']; state: string; socket: string } {
  if (i === 1) return { name: 'vdc', state: paths.vdcState, socket: paths.vdcSocket };
  return { name: `vdc-${i}`, state: `${paths.vdcState}-${i}`, socket: path.join(paths.root, `vdc-${i}.sock`) };
}

/** Removes the demo directory (services must be stopped first), and the data of its PostgreSQL. */
export function wipe(paths: DemoPaths): boolean {
  if (!existsSync(paths.root)) return false;
  try {
    const { dataDir } = JSON.parse(readFileSync(paths.postgres, 'utf8')) as { dataDir?: string };
    if (typeof dataDir === 'string' && path.basename(dataDir).startsWith('quantix-demo-pg-'))
      rmSync(dataDir, { recursive: true, force: true });
  } catch {
    // no PostgreSQL in this demo
  }
  rmSync(paths.root, { recursive: true, force: true });
  return true;
}
