/**
 * A simulated fleet in its own process, driven by the benchmark over the
 * IPC channel, so the vDC's CPU and memory are measured apart from the
 * agents'. Tokens are generated through each agent's local API and passed
 * back in memory only.
 *
 *   fork('dist/scripts/bench/fleet-process.js', ['--count', N, '--state', DIR, '--base', '127.0.x.y'])
 *
 * Messages: → `{type:'ready', hosts, startMs}`; ← `{type:'tokens', concurrency}`
 * → `{type:'tokens', tokens, ms}`; ← `{type:'close'}` (the process exits);
 * → `{type:'error', message}` on any failure.
 */
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { type Fleet, startFleet } from '../lib/fleet.js';
import { pool } from './lib.js';

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
export type FleetCommand = { type: 'tokens'; concurrency: number } | { type: 'close' };

function send(msg: FleetMessage): void {
  process.send!(msg);
}

async function main(): Promise<void> {
  const { values } = parseArgs({ options: { count: { type: 'string' }, state: { type: 'string' }, base: { type: 'string' } } });
  if (!process.send || !values.count || !values.state) throw new Error('fleet-process.js is started by the benchmark with --count N --state DIR');
  const t = performance.now();
  const fleet: Fleet = await startFleet({ count: Number(values.count), stateRoot: values.state, ...(values.base ? { baseAddress: values.base } : {}) });
  send({
    type: 'ready',
    startMs: performance.now() - t,
    hosts: fleet.hosts.map((h) => ({ address: h.address, port: h.port, fingerprint: h.fingerprint, hostId: h.hostId, hostname: h.hostname })),
  });
  process.on('message', (cmd: FleetCommand) => {
    if (cmd.type === 'close') {
      void fleet.close().finally(() => process.exit(0));
      return;
    }
    const started = performance.now();
    pool(fleet.hosts, cmd.concurrency, (h) => h.generateToken()).then(
      (tokens) => send({ type: 'tokens', tokens, ms: performance.now() - started }),
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
