/**
 * `npm run bench`: measures the compiled programs (agent, vDC, both
 * consoles) and prints every figure beside its target, then writes
 * scripts/bench/results.json. Benchmarks are not tests: nothing here fails
 * on a missed target; the table says by how much.
 *
 *   node dist/scripts/bench/main.js [--only discovery,add-host,bulk-add,host-console,vdc-console,scale,replicas] [--quick] [--out FILE]
 */
import { writeFileSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { parseArgs } from 'node:util';
import { addHostBench } from './add-host.js';
import { bulkAddBench } from './bulk-add.js';
import { discoveryBench } from './discovery.js';
import { hostConsoleBench } from './host-console.js';
import { type BenchContext, type BenchModule, type Figure, liveChildren, REPO_ROOT, runScratch } from './lib.js';
import { replicasBench } from './replicas.js';
import { scaleBench } from './scale.js';
import { vdcConsoleBench } from './vdc-console.js';

/** The modules in the order they run; the slowest (scale) last. */
const MODULES: Record<string, BenchModule> = {
  discovery: discoveryBench,
  'add-host': addHostBench,
  'bulk-add': bulkAddBench,
  'host-console': hostConsoleBench,
  'vdc-console': vdcConsoleBench,
  scale: scaleBench,
  replicas: replicasBench,
};

const USAGE = `usage: node dist/scripts/bench/main.js [--only ${Object.keys(MODULES).join(',')}] [--quick] [--out FILE]`;

function loadAverage(): number[] {
  return os.loadavg().map((x) => Math.round(x * 100) / 100);
}

function table(figures: Figure[]): string {
  const rows = figures.map((f) => [
    String(f.figure),
    f.name,
    `${f.median} ${f.unit}`,
    f.p95 === undefined ? '' : `${f.p95} ${f.unit}`,
    String(f.runs),
    f.target === null ? '' : `<= ${f.target} ${f.unit}`,
    f.met === null ? '' : f.met ? 'met' : `MISSED (x${(f.median / f.target!).toFixed(1)})`,
  ]);
  const head = ['#', 'figure', 'median', 'p95', 'runs', 'target', ''];
  const widths = head.map((h, i) => Math.max(h.length, ...rows.map((r) => r[i]!.length)));
  const line = (r: string[]) =>
    r
      .map((c, i) => c.padEnd(widths[i]!))
      .join('  ')
      .trimEnd();
  return [line(head), line(widths.map((w) => '-'.repeat(w))), ...rows.map(line)].join('\n');
}

async function main(): Promise<void> {
  let values;
  try {
    ({ values } = parseArgs({
      options: {
        only: { type: 'string' },
        quick: { type: 'boolean', default: false },
        out: { type: 'string' },
        help: { type: 'boolean', short: 'h' },
      },
    }));
  } catch (err) {
    process.stderr.write(`${(err as Error).message}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }
  if (values.help) {
    process.stdout.write(`${USAGE}\n`);
    return;
  }
  const names = values.only
    ? values.only
        .split(',')
        .map((s) => s.trim())
        .filter(Boolean)
    : Object.keys(MODULES);
  const unknown = names.filter((n) => !(n in MODULES));
  if (unknown.length > 0) {
    process.stderr.write(`unknown benchmark ${unknown.join(', ')}\n${USAGE}\n`);
    process.exitCode = 2;
    return;
  }

  const started = performance.now();
  const loadAtStart = loadAverage();
  const tmp = runScratch();
  const interrupted = (signal: NodeJS.Signals) => {
    for (const child of liveChildren) child.kill('SIGKILL');
    tmp.remove();
    process.stderr.write(`benchmark interrupted (${signal}); nothing written\n`);
    process.exit(130);
  };
  process.once('SIGINT', interrupted);
  process.once('SIGTERM', interrupted);
  const ctx: BenchContext = {
    quick: values.quick,
    tmp: tmp.dir,
    memTmp: tmp.memDir,
    log: (msg) => process.stderr.write(`[${((performance.now() - started) / 1000).toFixed(0).padStart(4)} s] ${msg}\n`),
  };
  const figures: Figure[] = [];
  const failures: Array<{ module: string; error: string }> = [];
  const moduleSeconds: Record<string, number> = {};
  try {
    for (const name of names) {
      const t = performance.now();
      try {
        figures.push(...(await MODULES[name]!(ctx)));
      } catch (err) {
        // One broken module must not cost the figures of the others.
        failures.push({ module: name, error: (err as Error).message });
        ctx.log(`${name} failed: ${(err as Error).message}`);
      }
      moduleSeconds[name] = Math.round((performance.now() - t) / 100) / 10;
    }
  } finally {
    tmp.remove();
  }
  figures.sort((a, b) => a.figure - b.figure);
  const totalSeconds = Math.round((performance.now() - started) / 100) / 10;
  const results = {
    date: new Date().toISOString(),
    cpuCount: os.cpus().length,
    cpuModel: os.cpus()[0]?.model ?? null,
    nodeVersion: process.version,
    quick: ctx.quick,
    modules: names,
    loadAverage: { atStart: loadAtStart, atEnd: loadAverage() },
    totalSeconds,
    moduleSeconds,
    figures,
    failures,
  };
  const out = values.out ?? join(REPO_ROOT, 'scripts/bench/results.json');
  writeFileSync(out, `${JSON.stringify(results, null, 2)}\n`);
  process.stdout.write(`${table(figures)}\n\n`);
  process.stdout.write(
    `${os.cpus().length} CPUs, Node ${process.version}, load average ${loadAtStart.join(' ')} at start, ${results.loadAverage.atEnd.join(' ')} at end; ${totalSeconds} s in total\n`,
  );
  for (const f of failures) process.stdout.write(`FAILED ${f.module}: ${f.error}\n`);
  process.stdout.write(`written to ${out}\n`);
  if (failures.length > 0) process.exitCode = 1;
}

main().catch((err: unknown) => {
  process.stderr.write(`benchmark failed: ${(err as Error).message}\n`);
  process.exitCode = 1;
});
