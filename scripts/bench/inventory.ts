/**
 * Inventory benchmark: cold and warm collection time on this machine and on
 * the fixture hosts, and the event loop's longest stall while collecting
 * (the collector runs inside the agent, so a stall here is a stall there).
 *
 *   node dist/scripts/bench/inventory.js [--runs N] [--out FILE]
 *   node dist/scripts/bench/inventory.js --cold-root DIR
 *
 * Prints JSON; targets: cold ≤ 1500 ms, stall ≤ 20 ms. `--cold-root` only
 * collects DIR once in this fresh process and prints `{coldMs}`: what an agent
 * pays at start (the main benchmark runs it in new processes).
 */
import { mkdtemp, rm, writeFile } from 'node:fs/promises';
import os, { tmpdir } from 'node:os';
import { join } from 'node:path';
import { fileURLToPath } from 'node:url';
import { monitorEventLoopDelay, performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { createInventoryCollector, type InventoryOptions } from '../../host-console/inventory/index.js';
import { createCommandRunner, createLiveStatfs, type CommandRunner } from '../../host-console/inventory/probes.js';

/** One measured scenario. */
interface Result {
  scenario: string;
  coldMs: number;
  warmMedianMs: number;
  cachedGetMs: number;
  /** Longest event-loop stall during the cold collection. */
  coldLoopStallMs: number;
  /** Median over the warm collections of each one's longest stall. */
  warmLoopStallMedianMs: number;
  /** The longest stall of any warm collection. */
  warmLoopStallMaxMs: number;
  /** Time the event loop spent running (not waiting) during the cold collection: all the main-thread work it cost. */
  coldLoopActiveMs: number;
  warnings: number;
}

const repoRoot = fileURLToPath(new URL('../../../', import.meta.url));
const fixture = (name: string) => join(repoRoot, 'test/fixtures/hosts', name);

async function timed<T>(work: () => Promise<T>): Promise<{ value: T; ms: number; stallMs: number; activeMs: number }> {
  const loop = monitorEventLoopDelay({ resolution: 1 });
  loop.enable();
  const elu = performance.eventLoopUtilization();
  const t = performance.now();
  const value = await work();
  const ms = performance.now() - t;
  const used = performance.eventLoopUtilization(elu);
  loop.disable();
  return { value, ms, stallMs: loop.max / 1e6, activeMs: used.active };
}

function median(xs: number[]): number {
  const sorted = [...xs].sort((a, b) => a - b);
  return sorted[Math.floor(sorted.length / 2)] ?? 0;
}

async function measure(scenario: string, opts: Omit<InventoryOptions, 'stateDir'>, runs: number): Promise<Result> {
  const stateDir = await mkdtemp(join(tmpdir(), 'qx-bench-inv-'));
  try {
    const collector = createInventoryCollector({ ...opts, stateDir });
    const cold = await timed(() => collector.refresh());
    const warm: Array<{ ms: number; stallMs: number }> = [];
    for (let i = 0; i < runs; i++) warm.push(await timed(() => collector.refresh()));
    const cached = await timed(() => collector.get());
    return {
      scenario,
      coldMs: round(cold.ms),
      warmMedianMs: round(median(warm.map((w) => w.ms))),
      cachedGetMs: round(cached.ms),
      coldLoopStallMs: round(cold.stallMs),
      warmLoopStallMedianMs: round(median(warm.map((w) => w.stallMs))),
      warmLoopStallMaxMs: round(Math.max(...warm.map((w) => w.stallMs))),
      coldLoopActiveMs: round(cold.activeMs),
      warnings: cold.value.warnings.length,
    };
  } finally {
    await rm(stateDir, { recursive: true, force: true });
  }
}

/** The loop's longest stall while idle: what the machine's load alone costs, to read the other figures against. */
async function idleStallMs(): Promise<number> {
  return round((await timed(() => sleep(1000))).stallMs);
}

function round(ms: number): number {
  return Math.round(ms * 10) / 10;
}

/** A runner whose `stat` never answers, like stat -f on a hard mount whose server is gone; a real child process is spawned and killed. */
function hungStatRunner(): CommandRunner {
  const real = createCommandRunner();
  return (file, args, opts) => (file === 'stat' ? real('sleep', ['30'], opts) : real(file, args, opts));
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: { runs: { type: 'string', default: '5' }, out: { type: 'string' }, 'cold-root': { type: 'string' } },
  });
  if (values['cold-root']) {
    const stateDir = await mkdtemp(join(tmpdir(), 'qx-bench-inv-'));
    try {
      const cold = await timed(() => createInventoryCollector({ root: values['cold-root']!, stateDir }).refresh());
      process.stdout.write(`${JSON.stringify({ coldMs: round(cold.ms), warnings: cold.value.warnings.length })}\n`);
    } finally {
      await rm(stateDir, { recursive: true, force: true });
    }
    return;
  }
  const runs = Math.max(1, Number(values.runs) || 5);
  const idleBaselineStallMs = await idleStallMs();
  const results: Result[] = [];
  results.push(await measure('this machine (root /)', { root: '/' }, runs));
  results.push(await measure('fixture server-2s', { root: fixture('server-2s') }, runs));
  results.push(await measure('fixture vm-minimal', { root: fixture('vm-minimal') }, runs));
  const hungRun = hungStatRunner();
  results.push(
    await measure(
      'fixture server-2s, both NFS servers hung (child stat never answers, 1.5 s deadline)',
      { root: fixture('server-2s'), run: hungRun, statfs: createLiveStatfs(fixture('server-2s'), hungRun, 1500) },
      1,
    ),
  );
  const report = {
    at: new Date().toISOString(),
    node: process.version,
    loadAverage: os.loadavg(),
    targets: { coldMs: 1500, maxLoopStallMs: 20 },
    idleBaselineStallMs,
    results,
  };
  const json = JSON.stringify(report, null, 2);
  if (values.out) await writeFile(values.out, `${json}\n`);
  process.stdout.write(`${json}\n`);
}

main().catch((err: unknown) => {
  process.stderr.write(`inventory benchmark failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
