/**
 * Starts the compiled vDC (`dist/vdc-console/server/main.js serve`) as a
 * child process with a real SQLite file in a temporary state directory, its
 * own Unix socket and an HTTPS listener on an ephemeral loopback port, and
 * waits for its `"event":"listening"` line. `restart()` starts it again on
 * the same state (optionally with other flags or environment), so tests can
 * prove what survives a restart or a `kill -9`.
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { VdcClient } from '../../common/http/vdc-client.js';
import { REPO_ROOT } from './agent.js';
import { nodeCommand, type ProgramRun, runNodeProgram } from './run.js';

/** The compiled vDC entry point. */
export const VDC_MAIN = path.join(REPO_ROOT, 'dist/vdc-console/server/main.js');

/** Options of startVdc. */
export interface StartVdcOptions {
  /** Reuse a state directory; a new temporary one otherwise. */
  stateDir?: string;
  /** `--listen`, default `127.0.0.1:0`; `none` turns HTTPS off. */
  listen?: string;
  name?: string;
  /** `--poll-interval`, default `300ms` so tests see state changes quickly. */
  pollInterval?: string;
  connectTimeout?: string;
  responseTimeout?: string;
  /** A PostgreSQL URL (passed in the environment, never on the command line); SQLite in the state directory otherwise. */
  database?: string;
  /** `--secret-file`: replicas of one vDC share it. */
  secretFile?: string;
  /** `--lease`, the poll lease period of a replica. */
  lease?: string;
  /** Extra environment (e.g. the crash hook). */
  env?: Record<string, string>;
  /** Extra arguments after `serve`. */
  args?: string[];
  readyTimeoutMs?: number;
  /** Open-files limit of the vDC process (`ulimit -n`); inherited when absent. */
  fdLimit?: number;
}

/** A running (or restartable) vDC process. */
export interface VdcProcess {
  socketPath: string;
  /** HTTPS port of the current run (changes on restart with `:0`). */
  port: number;
  stateDir: string;
  tmpDir: string;
  vdcId: string;
  /** This run's replica id. */
  replicaId: string;
  serverFingerprint: string;
  clientFingerprint: string;
  child: ChildProcess;
  /** The PostgreSQL URL it uses, or null for SQLite in its state directory. */
  database: string | null;
  /** Environment for `quantix-vdc api-token` to reach the same store. */
  cliEnv(): Record<string, string>;
  /** A client over the Unix socket. */
  client(): VdcClient;
  /** stderr lines of every run so far. */
  logs(): string[];
  /** SIGTERM and wait; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait. */
  kill(): Promise<void>;
  /** Resolves when the current process exits by itself, with its code or signal. */
  exited(): Promise<{ code: number | null; signal: NodeJS.Signals | null }>;
  /** Stops the current process if running and starts a new one on the same state. */
  restart(
    overrides?: Partial<
      Pick<StartVdcOptions, 'env' | 'args' | 'pollInterval' | 'connectTimeout' | 'responseTimeout' | 'listen' | 'lease'>
    >,
  ): Promise<void>;
  /** Kills the process and removes the temporary directory. */
  cleanup(): Promise<void>;
}

function waitExit(child: ChildProcess): Promise<{ code: number | null; signal: NodeJS.Signals | null }> {
  if (child.exitCode !== null || child.signalCode !== null)
    return Promise.resolve({ code: child.exitCode, signal: child.signalCode });
  return new Promise((resolve) => child.once('exit', (code, signal) => resolve({ code, signal })));
}

/** Waits for a condition, polling every `intervalMs`; fails with `what` when the deadline passes. */
export async function waitFor<T>(
  what: string,
  probe: () => Promise<T | null | undefined | false> | T | null | undefined | false,
  timeoutMs = 15_000,
  intervalMs = 50,
): Promise<T> {
  const deadline = Date.now() + timeoutMs;
  let last: unknown = null;
  for (;;) {
    try {
      const v = await probe();
      if (v !== null && v !== undefined && v !== false) return v;
    } catch (err) {
      last = err;
    }
    if (Date.now() > deadline)
      throw new Error(
        `timed out after ${timeoutMs} ms waiting for ${what}${last ? ` (last error: ${(last as Error).message})` : ''}`,
      );
    await new Promise((r) => setTimeout(r, intervalMs));
  }
}

/** Starts a vDC and waits until it listens. */
export async function startVdc(opts: StartVdcOptions = {}): Promise<VdcProcess> {
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'qx-vdc-'));
  const stateDir = opts.stateDir ?? path.join(tmpDir, 'state');
  const socketPath = path.join(tmpDir, 'vdc.sock');
  const lines: string[] = [];
  let settings = { ...opts };

  const launch = async (): Promise<{ child: ChildProcess; ready: Record<string, unknown> }> => {
    const args = [
      VDC_MAIN,
      'serve',
      '--state-dir',
      stateDir,
      '--socket',
      socketPath,
      '--listen',
      settings.listen ?? '127.0.0.1:0',
      '--poll-interval',
      settings.pollInterval ?? '300ms',
      ...(settings.name ? ['--name', settings.name] : []),
      ...(settings.connectTimeout ? ['--connect-timeout', settings.connectTimeout] : []),
      ...(settings.responseTimeout ? ['--response-timeout', settings.responseTimeout] : []),
      ...(settings.secretFile ? ['--secret-file', settings.secretFile] : []),
      ...(settings.lease ? ['--lease', settings.lease] : []),
      ...(settings.args ?? []),
    ];
    const env: Record<string, string | undefined> = {
      ...process.env,
      QUANTIX_LOG_LEVEL: 'debug',
      ...(settings.database ? { QUANTIX_VDC_DATABASE: settings.database } : {}),
      ...settings.env,
    };
    const [command, argv] = nodeCommand(args, settings.fdLimit);
    const child = spawn(command, argv, { env, stdio: ['ignore', 'pipe', 'pipe'] });
    const mine: string[] = [];
    let partial = '';
    child.stderr.setEncoding('utf8');
    child.stderr.on('data', (chunk: string) => {
      partial += chunk;
      const parts = partial.split('\n');
      partial = parts.pop()!;
      lines.push(...parts);
      mine.push(...parts);
    });
    child.stdout.resume();
    const deadline = Date.now() + (settings.readyTimeoutMs ?? 20_000);
    for (;;) {
      for (const l of mine) {
        try {
          const r = JSON.parse(l) as Record<string, unknown>;
          if (r.event === 'listening') return { child, ready: r };
        } catch {
          // not a JSON line
        }
      }
      if (child.exitCode !== null || child.signalCode !== null) {
        throw new Error(
          `quantix-vdc exited (${child.exitCode ?? child.signalCode}) before listening:\n${mine.join('\n')}${partial}`,
        );
      }
      if (Date.now() > deadline) {
        child.kill('SIGKILL');
        await waitExit(child);
        throw new Error(`quantix-vdc did not log its listening line in time:\n${mine.join('\n')}${partial}`);
      }
      await new Promise((r) => setTimeout(r, 20));
    }
  };

  let run: Awaited<ReturnType<typeof launch>>;
  try {
    run = await launch();
  } catch (err) {
    rmSync(tmpDir, { recursive: true, force: true });
    throw err;
  }
  const vdc: VdcProcess = {
    socketPath,
    port: (run.ready.port as number | null) ?? 0,
    stateDir,
    tmpDir,
    vdcId: run.ready.vdcId as string,
    replicaId: run.ready.replicaId as string,
    serverFingerprint: run.ready.serverCertificateFingerprint as string,
    clientFingerprint: run.ready.clientCertificateFingerprint as string,
    child: run.child,
    database: opts.database ?? null,
    cliEnv: (): Record<string, string> => (opts.database ? { QUANTIX_VDC_DATABASE: opts.database } : {}),
    client: () => new VdcClient({ kind: 'socket', socketPath }),
    logs: () => [...lines],
    async stop() {
      if (vdc.child.exitCode === null && vdc.child.signalCode === null) vdc.child.kill('SIGTERM');
      return (await waitExit(vdc.child)).code;
    },
    async kill() {
      if (vdc.child.exitCode === null && vdc.child.signalCode === null) vdc.child.kill('SIGKILL');
      await waitExit(vdc.child);
    },
    exited: () => waitExit(vdc.child),
    async restart(overrides = {}) {
      await vdc.stop();
      settings = { ...opts, ...overrides };
      run = await launch();
      vdc.child = run.child;
      vdc.port = (run.ready.port as number | null) ?? 0;
      vdc.replicaId = run.ready.replicaId as string;
    },
    async cleanup() {
      await vdc.kill();
      rmSync(tmpDir, { recursive: true, force: true });
    },
  };
  return vdc;
}

/** Runs the compiled `quantix-vdc` CLI to completion. */
export function runVdcCli(args: string[], env: Record<string, string> = {}, timeoutMs = 20_000): Promise<ProgramRun> {
  return runNodeProgram(VDC_MAIN, args, { env: { ...process.env, ...env }, timeoutMs });
}
