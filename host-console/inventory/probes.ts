/**
 * What a file under /proc or /sys cannot tell: filesystem space (statfs),
 * interface addresses, and vendor tools. On the live machine these are
 * system calls and child processes; on a fixture tree they come from
 * captures kept beside the tree (`<root>/captures/`), so a fixture describes
 * a whole host and the agent serves it exactly.
 */
import { statfs as fsStatfs, readFile } from 'node:fs/promises';
import os from 'node:os';
import { basename, join } from 'node:path';
import { Worker } from 'node:worker_threads';
import type { CommandReply, CommandRequest } from './command-worker.js';

/** Runs an external command (injectable so tests need no real tools). A missing tool rejects with code ENOENT. */
export type CommandRunner = (
  file: string,
  args: string[],
  opts?: { timeoutMs?: number },
) => Promise<{ stdout: string; exitCode: number }>;

/** Space on a filesystem, in bytes. */
export interface FsSpace {
  sizeBytes: number;
  usedBytes: number;
  availableBytes: number;
}

/** Space of the filesystem mounted at a host path; fsType lets the default isolate network filesystems. */
export type StatfsProbe = (mountPoint: string, fsType: string) => Promise<FsSpace>;

/** IPv4 and IPv6 addresses per interface name. */
export type AddressMap = Map<string, { ipv4: string[]; ipv6: string[] }>;

/** Reads the addresses of every interface. */
export type AddressProbe = () => Promise<AddressMap>;

/** Filesystem types whose statfs can hang on an unreachable server. */
export const NETWORK_FS_TYPES: ReadonlySet<string> = new Set([
  'nfs',
  'nfs4',
  'cifs',
  'smb3',
  'ceph',
  'glusterfs',
  'fuse.sshfs',
  '9p',
]);

/** Space from statfs block counts, computed like df: used = total − free, available = free to unprivileged users. */
export function spaceFromBlocks(blockSize: number, blocks: number, free: number, available: number): FsSpace {
  return {
    sizeBytes: blocks * blockSize,
    usedBytes: (blocks - free) * blockSize,
    availableBytes: available * blockSize,
  };
}

/** Parses `stat -f -c '%S %b %f %a'` output (block size, blocks, free, available), or null when it is not four numbers. */
export function parseStatfsOutput(text: string): FsSpace | null {
  const parts = text.trim().split(/\s+/);
  if (parts.length !== 4 || !parts.every((p) => /^\d+$/.test(p))) return null;
  const [bsize, blocks, bfree, bavail] = parts.map(Number) as [number, number, number, number];
  return spaceFromBlocks(bsize, blocks, bfree, bavail);
}

/** The workerData the runner starts its worker with: importing the worker's module anywhere else listens to nothing. */
export const COMMAND_WORKER_DATA = 'quantix-command-worker';

/**
 * The compiled command worker beside this module. Under the test runner this
 * module runs from its TypeScript source, which a worker thread cannot load:
 * the build's copy in dist/ (`npm run build`) is started instead.
 */
export const COMMAND_WORKER_URL = import.meta.url.endsWith('.ts')
  ? new URL('../../dist/host-console/inventory/command-worker.js', import.meta.url)
  : new URL('./command-worker.js', import.meta.url);

/**
 * The default command runner: execa with a timeout, started from a worker
 * thread. Spawning forks and waits for exec on the calling thread; measured
 * on a loaded two-core host that is 10–50 ms per command, too long a stall
 * for the agent's event loop, so the fork happens on the worker instead. The
 * worker starts on the first command and holds the process open only while
 * a command runs.
 */
export function createCommandRunner(workerUrl: URL = COMMAND_WORKER_URL): CommandRunner {
  let worker: Worker | null = null;
  let nextId = 0;
  const pending = new Map<
    number,
    { resolve: (r: { stdout: string; exitCode: number }) => void; reject: (e: Error) => void }
  >();
  const failAll = (code: string) => {
    for (const [id, p] of pending) {
      pending.delete(id);
      p.reject(Object.assign(new Error(`command worker stopped (${code})`), { code }));
    }
  };
  const start = (): Worker => {
    const w = new Worker(workerUrl, { workerData: COMMAND_WORKER_DATA });
    w.on('message', (reply: CommandReply) => {
      const p = pending.get(reply.id);
      if (!p) return;
      pending.delete(reply.id);
      if (pending.size === 0) w.unref();
      if ('error' in reply)
        p.reject(Object.assign(new Error(`command could not run (${reply.error})`), { code: reply.error }));
      else p.resolve({ stdout: reply.stdout, exitCode: reply.exitCode });
    });
    w.on('error', () => failAll('EWORKER'));
    w.on('exit', () => {
      worker = null;
      failAll('EWORKER');
    });
    w.unref();
    return w;
  };
  return (file, args, opts) =>
    new Promise((resolve, reject) => {
      worker ??= start();
      const id = ++nextId;
      pending.set(id, {
        resolve,
        reject: (e) =>
          reject(
            Object.assign(new Error(`${file} ${e.message.replace(/^command /, '')}`), {
              code: (e as { code?: string }).code,
            }),
          ),
      });
      worker.ref();
      const request: CommandRequest = { id, file, args, timeoutMs: opts?.timeoutMs ?? 5000 };
      worker.postMessage(request);
    });
}

/** How much longer than the statfs deadline the isolated child may live before it is killed. */
const CHILD_GRACE_MS = 500;

/**
 * The live statfs: local filesystems through fs/promises; network filesystems
 * in a child process (`stat -f`), because a statfs on a hung NFS server never
 * returns and would pin one of libuv's four pool threads for good.
 */
export function createLiveStatfs(root: string, run: CommandRunner, timeoutMs: number): StatfsProbe {
  return async (mountPoint, fsType) => {
    const path = join(root, mountPoint);
    if (NETWORK_FS_TYPES.has(fsType)) {
      // The child outlives the caller's deadline a little, so a hung server reads as a timeout, not as a failed command.
      const { stdout, exitCode } = await run('stat', ['-f', '-c', '%S %b %f %a', '--', path], {
        timeoutMs: timeoutMs + CHILD_GRACE_MS,
      });
      const space = exitCode === 0 ? parseStatfsOutput(stdout) : null;
      if (space === null) throw new Error(`stat -f ${mountPoint} failed (exit ${exitCode})`);
      return space;
    }
    const s = await fsStatfs(path);
    return spaceFromBlocks(s.bsize, s.blocks, s.bfree, s.bavail);
  };
}

/** Addresses of the live machine from os.networkInterfaces(). */
export const liveAddresses: AddressProbe = () => {
  const map: AddressMap = new Map();
  for (const [name, list] of Object.entries(os.networkInterfaces())) {
    const entry = { ipv4: [] as string[], ipv6: [] as string[] };
    for (const a of list ?? []) (a.family === 'IPv4' ? entry.ipv4 : entry.ipv6).push(a.address);
    map.set(name, entry);
  }
  return Promise.resolve(map);
};

/** Capture of one mount's statfs in `captures/statfs.json`: block counts, or "hang" for a server that never answers. */
type StatfsCapture = { bsize: number; blocks: number; bfree: number; bavail: number } | 'hang';

async function readCapture(root: string, name: string): Promise<string> {
  return readFile(join(root, 'captures', name), 'utf8');
}

/** statfs answered from `<root>/captures/statfs.json` (mount point → block counts or "hang"). */
export function createCapturedStatfs(root: string): StatfsProbe {
  let table: Promise<Record<string, StatfsCapture>> | null = null;
  return async (mountPoint) => {
    table ??= readCapture(root, 'statfs.json').then((t) => JSON.parse(t) as Record<string, StatfsCapture>);
    const entry = (await table)[mountPoint];
    if (entry === 'hang') return new Promise<FsSpace>(() => undefined);
    if (entry === undefined) throw Object.assign(new Error(`no statfs capture for ${mountPoint}`), { code: 'ENOENT' });
    return spaceFromBlocks(entry.bsize, entry.blocks, entry.bfree, entry.bavail);
  };
}

/** Commands answered from `<root>/captures/<tool>.out`; a tool without a capture is missing (ENOENT). */
export function createCapturedRunner(root: string): CommandRunner {
  return async (file) => {
    try {
      return { stdout: await readCapture(root, `${basename(file)}.out`), exitCode: 0 };
    } catch {
      throw Object.assign(new Error(`${file} not found`), { code: 'ENOENT' });
    }
  };
}

function isObject(v: unknown): v is Record<string, unknown> {
  return typeof v === 'object' && v !== null;
}

/** Parses `ip -j addr` output into addresses per interface; garbage gives null. */
export function parseIpAddrJson(text: string): AddressMap | null {
  let data: unknown;
  try {
    data = JSON.parse(text);
  } catch {
    return null;
  }
  if (!Array.isArray(data)) return null;
  const map: AddressMap = new Map();
  for (const link of data as unknown[]) {
    if (!isObject(link) || typeof link.ifname !== 'string') continue;
    const entry = { ipv4: [] as string[], ipv6: [] as string[] };
    for (const a of Array.isArray(link.addr_info) ? (link.addr_info as unknown[]) : []) {
      if (!isObject(a) || typeof a.local !== 'string') continue;
      if (a.family === 'inet') entry.ipv4.push(a.local);
      else if (a.family === 'inet6') entry.ipv6.push(a.local);
    }
    map.set(link.ifname, entry);
  }
  return map;
}

/** Addresses answered from `<root>/captures/ip-addr.json` (`ip -j addr` output). */
export function createCapturedAddresses(root: string): AddressProbe {
  return async () => {
    const map = parseIpAddrJson(await readCapture(root, 'ip-addr.json'));
    if (map === null) throw new Error('captures/ip-addr.json is not `ip -j addr` output');
    return map;
  };
}

/** Settles with the probe's value, or 'timeout' after ms; a probe that never settles cannot hold anything up. */
export async function withTimeout<T>(work: Promise<T>, ms: number): Promise<T | 'timeout'> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<'timeout'>((done) => {
    timer = setTimeout(() => done('timeout'), ms);
  });
  try {
    return await Promise.race([work, timeout]);
  } finally {
    clearTimeout(timer);
    work.catch(() => undefined);
  }
}
