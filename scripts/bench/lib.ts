/**
 * What every benchmark module shares: figures and their summaries, the
 * compiled programs started as child processes with their readiness lines,
 * and a process's CPU time and memory read from /proc (so a figure is the
 * program's own cost, not the harness's).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { dirname, join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { VdcClient } from '../../common/http/vdc-client.js';

/** Repository root: the nearest directory above this file that holds package.json. */
export const REPO_ROOT = (() => {
  let dir = dirname(fileURLToPath(import.meta.url));
  while (!existsSync(join(dir, 'package.json')) && dirname(dir) !== dir) dir = dirname(dir);
  return dir;
})();

/** A compiled program or script under dist/. */
export function dist(rel: string): string {
  return join(REPO_ROOT, 'dist', rel);
}

/**
 * The options a program's systemd unit gives node (e.g. the young
 * generation's size), so the program is measured as it runs installed.
 */
export function unitNodeFlags(unit: 'quantix-node.service' | 'quantix-vdc.service'): string[] {
  const text = readFileSync(join(REPO_ROOT, 'scripts/systemd', unit), 'utf8');
  const exec = /^ExecStart=\S+((?:\s+--\S+)*)\s+\S+main\.js/m.exec(text);
  return exec?.[1]?.trim().split(/\s+/).filter(Boolean) ?? [];
}

/** The settings of the C library's allocator a program's systemd unit gives it (`Environment=MALLOC_…`). */
export function unitMallocEnv(unit: 'quantix-node.service' | 'quantix-vdc.service'): Record<string, string> {
  const text = readFileSync(join(REPO_ROOT, 'scripts/systemd', unit), 'utf8');
  return Object.fromEntries([...text.matchAll(/^Environment=(MALLOC_\w+)=(\S+)$/gm)].map((m) => [m[1]!, m[2]!]));
}

/** A target a figure is held to. */
export interface Target {
  /** Lower is better for every figure here. */
  max: number;
}

/** One measured figure as results.json records it. */
export interface Figure {
  /** Figure number in the benchmark list (1 to 6). */
  figure: number;
  name: string;
  unit: string;
  runs: number;
  median: number;
  /** 95th percentile (nearest rank) when the figure has enough runs to have one. */
  p95?: number;
  /** The target, or null when the figure is context for another. */
  target: number | null;
  /** Whether the median (or, where the figure is a single value, that value) meets the target; null without a target. */
  met: boolean | null;
  note?: string;
}

/** How a module is run. */
export interface BenchContext {
  /** Fewer runs and shorter windows. */
  quick: boolean;
  /** Scratch directory for this run; removed at the end. */
  tmp: string;
  /** Scratch directory in memory (tmpfs) when there is one, else on disk: for simulated hosts' state, whose disk cost is not what is measured. */
  memTmp: string;
  /** Progress line for the operator (stderr, so the table stays clean). */
  log(msg: string): void;
}

/** A benchmark module: one or more figures. */
export type BenchModule = (ctx: BenchContext) => Promise<Figure[]>;

function rounded(x: number): number {
  if (Math.abs(x) >= 100) return Math.round(x);
  if (Math.abs(x) >= 10) return Math.round(x * 10) / 10;
  return Math.round(x * 100) / 100;
}

/** Median of a non-empty list. */
export function median(xs: number[]): number {
  const s = [...xs].sort((a, b) => a - b);
  const mid = Math.floor(s.length / 2);
  return s.length % 2 ? s[mid]! : (s[mid - 1]! + s[mid]!) / 2;
}

/** Nearest-rank percentile of a non-empty list. */
export function percentile(xs: number[], p: number): number {
  const s = [...xs].sort((a, b) => a - b);
  return s[Math.min(s.length - 1, Math.max(0, Math.ceil((p / 100) * s.length) - 1))]!;
}

/** A figure from samples: median, p95 from 20 samples up, met by the median. */
export function figure(
  fields: { figure: number; name: string; unit: string; target?: number | null; note?: string },
  samples: number[],
): Figure {
  if (samples.length === 0) throw new Error(`no samples for ${fields.name}`);
  const m = median(samples);
  const target = fields.target ?? null;
  return {
    figure: fields.figure,
    name: fields.name,
    unit: fields.unit,
    runs: samples.length,
    median: rounded(m),
    ...(samples.length >= 20 ? { p95: rounded(percentile(samples, 95)) } : {}),
    target,
    met: target === null ? null : m <= target,
    ...(fields.note ? { note: fields.note } : {}),
  };
}

/** CPU time and memory of a process from /proc. */
export interface ProcStats {
  /** User plus system CPU seconds since the process started. */
  cpuSeconds: number;
  /** Resident set now, MB. */
  rssMb: number;
  /** Peak resident set (VmHWM), MB. */
  peakRssMb: number;
}

/** Reads a live process's CPU time and memory; Linux only. */
export function procStats(pid: number): ProcStats {
  const stat = readFileSync(`/proc/${pid}/stat`, 'utf8');
  // The command name may contain spaces and parentheses: fields are counted after the last ')'.
  const fields = stat.slice(stat.lastIndexOf(')') + 2).split(' ');
  const ticks = Number(fields[11]) + Number(fields[12]);
  const status = readFileSync(`/proc/${pid}/status`, 'utf8');
  const kb = (key: string) => Number(new RegExp(`^${key}:\\s+(\\d+) kB`, 'm').exec(status)?.[1] ?? NaN);
  // USER_HZ is 100 on every Linux architecture Node supports.
  return { cpuSeconds: ticks / 100, rssMb: kb('VmRSS') / 1024, peakRssMb: kb('VmHWM') / 1024 };
}

/** A child process whose stderr JSON lines are kept and can be waited for. */
export interface Program {
  child: ChildProcess;
  pid: number;
  /** Waits for a JSON stderr line matching pred; rejects with the log when the process exits or the time runs out. */
  waitForLine(
    pred: (rec: Record<string, unknown>) => boolean,
    what: string,
    timeoutMs?: number,
  ): Promise<Record<string, unknown>>;
  /** SIGTERM, then SIGKILL after 5 s; resolves once it is gone. */
  stop(): Promise<void>;
}

/** Starts a compiled script with node, stdout ignored, stderr read as JSON lines. */
export function startProgram(
  script: string,
  args: string[],
  env: Record<string, string> = {},
  nodeFlags: string[] = [],
): Program {
  const child = spawn(process.execPath, [...nodeFlags, script, ...args], {
    env: { ...process.env, ...env },
    stdio: ['ignore', 'ignore', 'pipe'],
  });
  track(child);
  const lines: string[] = [];
  const records: Array<Record<string, unknown>> = [];
  let partial = '';
  const waiters = new Set<() => void>();
  child.stderr.setEncoding('utf8').on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    for (const l of parts) {
      lines.push(l);
      if (lines.length > 200) lines.shift();
      try {
        records.push(JSON.parse(l) as Record<string, unknown>);
      } catch {
        // Not a JSON line: kept for the error message only.
      }
    }
    for (const w of waiters) w();
  });
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const alive = () => child.exitCode === null && child.signalCode === null;
  return {
    child,
    pid: child.pid!,
    waitForLine(pred, what, timeoutMs = 60_000) {
      return new Promise((resolve, reject) => {
        let seen = 0;
        const check = () => {
          for (; seen < records.length; seen++) {
            if (pred(records[seen]!)) {
              done();
              resolve(records[seen]!);
              return;
            }
          }
          if (!alive()) {
            done();
            reject(new Error(`${script} exited before ${what}:\n${lines.join('\n')}`));
          }
        };
        const timer = setTimeout(() => {
          done();
          reject(new Error(`${script}: no ${what} within ${timeoutMs} ms:\n${lines.join('\n')}`));
        }, timeoutMs);
        const done = () => {
          clearTimeout(timer);
          waiters.delete(check);
          child.off('exit', check);
        };
        waiters.add(check);
        child.on('exit', check);
        check();
      });
    },
    async stop() {
      if (!alive()) return;
      child.kill('SIGTERM');
      const timer = setTimeout(() => child.kill('SIGKILL'), 5_000);
      await exited;
      clearTimeout(timer);
    },
  };
}

/** A running compiled agent (`quantix-node serve`). */
export interface AgentProgram extends Program {
  port: number;
  fingerprint: string;
  socketPath: string;
}

/** Starts `quantix-node serve` on a loopback address, with the node options of its systemd unit, and waits for its listening line. */
export async function startAgentProgram(opts: {
  dir: string;
  host: string;
  inventoryRoot?: string;
  script?: string;
}): Promise<AgentProgram> {
  const socketPath = join(opts.dir, 'node.sock');
  const args = ['serve', '--state-dir', join(opts.dir, 'state'), '--socket', socketPath, '--listen', `${opts.host}:0`];
  if (opts.inventoryRoot) args.push('--inventory-root', opts.inventoryRoot);
  const p = startProgram(
    opts.script ?? dist('host-console/agent/main.js'),
    args,
    { QUANTIX_LOG_LEVEL: 'info' },
    unitNodeFlags('quantix-node.service'),
  );
  try {
    const ready = await p.waitForLine((r) => r.msg === 'network API listening', 'listening line');
    return { ...p, port: ready.port as number, fingerprint: ready.fingerprint as string, socketPath };
  } catch (err) {
    await p.stop();
    throw err;
  }
}

/** A running compiled vDC (`quantix-vdc serve`) and a client over its socket. */
export interface VdcProgram extends Program {
  socketPath: string;
  client: VdcClient;
}

/** Starts `quantix-vdc serve` with HTTPS off (the benchmarks use its socket) and waits for its listening line. */
export async function startVdcProgram(opts: {
  dir: string;
  pollInterval?: string;
  env?: Record<string, string>;
  args?: string[];
}): Promise<VdcProgram> {
  const socketPath = join(opts.dir, 'vdc.sock');
  const p = startProgram(
    dist('vdc-console/server/main.js'),
    [
      'serve',
      '--state-dir',
      join(opts.dir, 'state'),
      '--socket',
      socketPath,
      '--listen',
      'none',
      '--name',
      'bench',
      '--poll-interval',
      opts.pollInterval ?? '15s',
      ...(opts.args ?? []),
    ],
    { QUANTIX_LOG_LEVEL: 'info', ...unitMallocEnv('quantix-vdc.service'), ...opts.env },
    unitNodeFlags('quantix-vdc.service'),
  );
  try {
    await p.waitForLine((r) => r.event === 'listening', 'listening line');
    return { ...p, socketPath, client: new VdcClient({ kind: 'socket', socketPath }) };
  } catch (err) {
    await p.stop();
    throw err;
  }
}

/** A fresh directory under the run's scratch directory (in memory with `memory`). */
export function scratch(ctx: BenchContext, prefix: string, memory = false): string {
  return mkdtempSync(join(memory ? ctx.memTmp : ctx.tmp, `${prefix}-`));
}

/** Scratch directories for a whole run: one in the system's temporary directory, one in /dev/shm when it is writable. */
export function runScratch(): { dir: string; memDir: string; remove(): void } {
  const dir = mkdtempSync(join(os.tmpdir(), 'qx-bench-'));
  let memDir = dir;
  try {
    memDir = mkdtempSync('/dev/shm/qx-bench-');
  } catch {
    // No tmpfs: simulated hosts live on disk, which only slows the fleet's start.
  }
  return {
    dir,
    memDir,
    remove: () => {
      rmSync(dir, { recursive: true, force: true });
      rmSync(memDir, { recursive: true, force: true });
    },
  };
}

/** Child processes still running, so an interrupted run can stop them. */
export const liveChildren = new Set<ChildProcess>();

/** Remembers a child until it exits. */
export function track(child: ChildProcess): void {
  liveChildren.add(child);
  child.once('exit', () => liveChildren.delete(child));
}

/** Runs work at most `limit` at a time over items, in order of start. */
export async function pool<T, R>(
  items: T[],
  limit: number,
  work: (item: T, index: number) => Promise<R>,
): Promise<R[]> {
  const out = new Array<R>(items.length);
  let next = 0;
  const worker = async () => {
    while (next < items.length) {
      const i = next++;
      out[i] = await work(items[i]!, i);
    }
  };
  await Promise.all(Array.from({ length: Math.min(limit, items.length) }, worker));
  return out;
}
