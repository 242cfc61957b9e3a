/**
 * Starts the compiled host agent (`dist/host-console/agent/main.js serve`)
 * as a child process in a temporary state directory, on a loopback address
 * with an ephemeral port and its own Unix socket, and waits for its
 * "network API listening" log line. Every log line is kept for assertions
 * (e.g. that no token ever appears in them).
 */
import { type ChildProcess, spawn } from 'node:child_process';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import { nodeCommand } from './run.js';

/** Repository root (where dist/ lives). */
export const REPO_ROOT = path.resolve(path.dirname(fileURLToPath(import.meta.url)), '../..');

/** The compiled agent entry point. */
export const AGENT_MAIN = path.join(REPO_ROOT, 'dist/host-console/agent/main.js');

/** Options for startAgent. */
export interface StartAgentOptions {
  /** Reuse a state directory (restarts); a new temporary one otherwise. */
  stateDir?: string;
  /** Socket path; `<tmp>/node.sock` by default. */
  socketPath?: string;
  /** Loopback address to listen on (any 127.x.y.z), default 127.0.0.1. */
  host?: string;
  /** Port (default 0: ephemeral). */
  port?: number;
  /** `--token-ttl` value. */
  tokenTtl?: string;
  /** `--inventory-root` (a fixture tree). */
  inventoryRoot?: string;
  /** Extra environment. */
  env?: Record<string, string>;
  /** Extra arguments after `serve`. */
  args?: string[];
  /** How long to wait for the ready line (default 20 s). */
  readyTimeoutMs?: number;
  /** Open-files limit of the agent process (`ulimit -n`); inherited when absent. */
  fdLimit?: number;
}

/** A running agent process. */
export interface AgentProcess {
  host: string;
  port: number;
  socketPath: string;
  stateDir: string;
  /** Certificate fingerprint from the ready line. */
  fingerprint: string;
  /** hostId from the ready line. */
  hostId: string;
  /** Temporary directory holding the socket (and the state dir unless one was given). */
  tmpDir: string;
  child: ChildProcess;
  /** Every stderr line so far. */
  logs(): string[];
  /** Parsed JSON log lines so far (non-JSON lines skipped). */
  logRecords(): Array<Record<string, unknown>>;
  /** SIGTERM and wait for exit; resolves with the exit code. */
  stop(): Promise<number | null>;
  /** SIGKILL and wait for exit. */
  kill(): Promise<void>;
  /** Stops the process (if running) and removes the temporary directory (keeps a given stateDir). */
  cleanup(): Promise<void>;
}

function waitExit(child: ChildProcess): Promise<number | null> {
  if (child.exitCode !== null || child.signalCode !== null) return Promise.resolve(child.exitCode);
  return new Promise((resolve) => child.once('exit', (code) => resolve(code)));
}

/** Starts an agent and waits for it to be ready. Rejects with its log when it exits or does not become ready in time. */
export async function startAgent(opts: StartAgentOptions = {}): Promise<AgentProcess> {
  const tmpDir = mkdtempSync(path.join(os.tmpdir(), 'qx-agent-'));
  const stateDir = opts.stateDir ?? path.join(tmpDir, 'state');
  const socketPath = opts.socketPath ?? path.join(tmpDir, 'node.sock');
  const host = opts.host ?? '127.0.0.1';
  const args = [
    AGENT_MAIN,
    'serve',
    '--state-dir',
    stateDir,
    '--socket',
    socketPath,
    '--listen',
    `${host}:${opts.port ?? 0}`,
  ];
  if (opts.tokenTtl) args.push('--token-ttl', opts.tokenTtl);
  if (opts.inventoryRoot) args.push('--inventory-root', opts.inventoryRoot);
  args.push(...(opts.args ?? []));
  const [command, argv] = nodeCommand(args, opts.fdLimit);
  const child = spawn(command, argv, {
    env: { ...process.env, QUANTIX_LOG_LEVEL: 'debug', ...opts.env },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const lines: string[] = [];
  let partial = '';
  child.stderr.setEncoding('utf8');
  child.stderr.on('data', (chunk: string) => {
    partial += chunk;
    const parts = partial.split('\n');
    partial = parts.pop()!;
    lines.push(...parts);
  });
  child.stdout.resume();
  const records = () =>
    lines.flatMap((l) => {
      try {
        return [JSON.parse(l) as Record<string, unknown>];
      } catch {
        return [];
      }
    });

  const deadline = Date.now() + (opts.readyTimeoutMs ?? 20_000);
  let ready: Record<string, unknown> | undefined;
  while (!ready) {
    ready = records().find((r) => r.msg === 'network API listening');
    if (ready) break;
    if (child.exitCode !== null || child.signalCode !== null) {
      rmSync(tmpDir, { recursive: true, force: true });
      throw new Error(
        `agent exited (${child.exitCode ?? child.signalCode}) before it was ready:\n${lines.join('\n')}${partial}`,
      );
    }
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      await waitExit(child);
      rmSync(tmpDir, { recursive: true, force: true });
      throw new Error(
        `agent did not log "network API listening" within ${opts.readyTimeoutMs ?? 20_000} ms:\n${lines.join('\n')}${partial}`,
      );
    }
    await new Promise((r) => setTimeout(r, 20));
  }

  const stop = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGTERM');
    return waitExit(child);
  };
  const kill = async () => {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
    await waitExit(child);
  };
  return {
    host,
    port: ready.port as number,
    socketPath,
    stateDir,
    fingerprint: ready.fingerprint as string,
    hostId: ready.hostId as string,
    tmpDir,
    child,
    logs: () => (partial ? [...lines, partial] : [...lines]),
    logRecords: records,
    stop,
    kill,
    async cleanup() {
      await kill();
      rmSync(tmpDir, { recursive: true, force: true });
    },
  };
}

/** Runs the compiled `quantix-node` CLI to completion. */
export function runAgentCli(
  args: string[],
  env: Record<string, string> = {},
  timeoutMs = 20_000,
): Promise<{ code: number | null; stdout: string; stderr: string }> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [AGENT_MAIN, ...args], {
      env: { ...process.env, ...env },
      stdio: ['ignore', 'pipe', 'pipe'],
    });
    let stdout = '';
    let stderr = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (stdout += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (stderr += d));
    const timer = setTimeout(() => {
      child.kill('SIGKILL');
      reject(new Error(`quantix-node ${args.join(' ')} did not finish within ${timeoutMs} ms`));
    }, timeoutMs);
    child.on('error', reject);
    // 'close' waits for stdout and stderr to drain, unlike 'exit'.
    child.on('close', (code) => {
      clearTimeout(timer);
      resolve({ code, stdout, stderr });
    });
  });
}
