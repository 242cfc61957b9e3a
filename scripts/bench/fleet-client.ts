/**
 * The benchmark's side of fleet-process.js: starts a simulated fleet in a
 * child process and asks it for tokens.
 */
import { type ChildProcess, fork } from 'node:child_process';
import type { FleetCommand, FleetHostInfo, FleetMessage } from './fleet-process.js';
import { dist, track } from './lib.js';

/** A fleet running in its own process. */
export interface FleetProcess {
  pid: number;
  hosts: FleetHostInfo[];
  /** How long the fleet took to start, ms. */
  startMs: number;
  /** The token each host generated as it started, canonical, in host order; ms from the first generation to the last. */
  tokens(): Promise<{ tokens: string[]; ms: number }>;
  /** Stops every agent and the process. */
  close(): Promise<void>;
}

function next(child: ChildProcess, want: FleetMessage['type'], timeoutMs: number): Promise<FleetMessage> {
  return new Promise((resolve, reject) => {
    const timer = setTimeout(
      () => finish(new Error(`the fleet process sent no ${want} within ${timeoutMs} ms`)),
      timeoutMs,
    );
    const onMessage = (msg: FleetMessage) => {
      if (msg.type === 'error') finish(new Error(`fleet: ${msg.message}`));
      else if (msg.type === want) finish(null, msg);
    };
    const onExit = (code: number | null) => finish(new Error(`the fleet process exited (${code}) before ${want}`));
    const finish = (err: Error | null, msg?: FleetMessage) => {
      clearTimeout(timer);
      child.off('message', onMessage);
      child.off('exit', onExit);
      if (err) reject(err);
      else resolve(msg!);
    };
    child.on('message', onMessage);
    child.once('exit', onExit);
  });
}

/** Starts `count` agents from `base` in a child process (each generating a token) and waits until all listen. */
export async function startFleetProcess(opts: {
  count: number;
  stateRoot: string;
  base: string;
  timeoutMs?: number;
}): Promise<FleetProcess> {
  const child = fork(
    dist('scripts/bench/fleet-process.js'),
    ['--count', String(opts.count), '--state', opts.stateRoot, '--base', opts.base],
    {
      stdio: ['ignore', 'ignore', 'inherit', 'ipc'],
    },
  );
  track(child);
  const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
  const close = async () => {
    if (child.exitCode !== null || child.signalCode !== null) return;
    child.send({ type: 'close' } satisfies FleetCommand);
    const timer = setTimeout(() => child.kill('SIGKILL'), 30_000);
    await exited;
    clearTimeout(timer);
  };
  let ready: FleetMessage;
  try {
    ready = await next(child, 'ready', opts.timeoutMs ?? 300_000);
  } catch (err) {
    child.kill('SIGKILL');
    throw err;
  }
  if (ready.type !== 'ready') throw new Error('unexpected message');
  return {
    pid: child.pid!,
    hosts: ready.hosts,
    startMs: ready.startMs,
    async tokens() {
      const reply = next(child, 'tokens', 900_000);
      child.send({ type: 'tokens' } satisfies FleetCommand);
      const msg = await reply;
      if (msg.type !== 'tokens') throw new Error('unexpected message');
      return { tokens: msg.tokens, ms: msg.ms };
    },
    close,
  };
}
