/**
 * A simulated fleet in its own process, driven by the benchmark over the
 * IPC channel, so the vDC's CPU and memory are measured apart from the
 * agents'. Each host generates its registration token through its local
 * API as soon as it listens (scrypt runs on the thread pool while the next
 * agents start on the main thread); tokens go back in memory only.
 *
 *   fork('dist/scripts/bench/fleet-process.js', ['--count', N, '--state', DIR, '--base', '127.0.x.y'])
 *
 * Messages: → `{type:'ready', hosts, startMs}`; ← `{type:'tokens'}`
 * → `{type:'tokens', tokens, ms}`; ← `{type:'close'}` (the process exits);
 * → `{type:'error', message}` on any failure.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type Fleet, startFleet } from '../lib/fleet.js';

/** What the parent learns about each simulated host. */
export interface FleetHostInfo {
  address: string;
  port: number;
  fingerprint: string;
  hostId: string;
  hostname: string;
}

/** Messages from the fleet process. */
export type FleetMessage =
  | { type: 'ready'; hosts: FleetHostInfo[]; startMs: number }
  | { type: 'tokens'; tokens: string[]; ms: number }
  | { type: 'error'; message: string };

/** Messages to the fleet process. */
export type FleetCommand = { type: 'tokens' } | { type: 'close' };

/** Token generations in flight at once: enough to keep the thread pool busy, few enough to leave the main thread its share. */
const TOKEN_CONCURRENCY = 4;

function send(msg: FleetMessage): void {
  process.send!(msg);
}

/** Runs tasks at most `n` at a time, in the order they are given. */
function createLimiter(n: number): <T>(task: () => Promise<T>) => Promise<T> {
  let active = 0;
  const queue: Array<() => void> = [];
  const release = () => {
    active--;
    queue.shift()?.();
  };
  return (task) =>
    new Promise((resolve, reject) => {
      const start = () => {
        active++;
        task().then(resolve, reject).finally(release);
      };
      if (active < n) start();
      else queue.push(start);
    });
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { count: { type: 'string' }, state: { type: 'string' }, base: { type: 'string' } },
  });
  if (!process.send || !values.count || !values.state)
    throw new Error('fleet-process.js is started by the benchmark with --count N --state DIR');
  const t = performance.now();
  const limit = createLimiter(TOKEN_CONCURRENCY);
  const tokens: Array<Promise<string>> = [];
  let tokensFrom = 0;
  const fleet: Fleet = await startFleet({
    count: Number(values.count),
    stateRoot: values.state,
    ...(values.base ? { baseAddress: values.base } : {}),
    onHost: (host, i) => {
      if (tokensFrom === 0) tokensFrom = performance.now();
      tokens[i] = limit(() => host.generateToken());
      // A failure is reported when the tokens are asked for, not as an unhandled rejection now.
      tokens[i].catch(() => undefined);
    },
  });
  send({
    type: 'ready',
    startMs: performance.now() - t,
    hosts: fleet.hosts.map((h) => ({
      address: h.address,
      port: h.port,
      fingerprint: h.fingerprint,
      hostId: h.hostId,
      hostname: h.hostname,
    })),
  });
  process.on('message', (cmd: FleetCommand) => {
    if (cmd.type === 'close') {
      void fleet.close().finally(() => process.exit(0));
      return;
    }
    Promise.all(tokens).then(
      (all) => send({ type: 'tokens', tokens: all, ms: performance.now() - tokensFrom }),
      (err: unknown) => send({ type: 'error', message: (err as Error).message }),
    );
  });
  process.on('disconnect', () => void fleet.close().finally(() => process.exit(0)));
}

main().catch((err: unknown) => {
  if (process.send) send({ type: 'error', message: (err as Error).message });
  process.stderr.write(`fleet failed: ${(err as Error).message}\n`);
  process.exit(1);
});
