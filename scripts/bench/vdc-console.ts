/**
 * Figure 4 (and the vDC console's part of figure 6): the compiled vDC
 * console in a pseudo-terminal at 80x24, over a read-only fleet
 * (fixture-console.ts): the generated 5,000 hosts put in one cluster, so
 * the hosts table itself has 5,000 rows. First paint is the first complete dashboard; a
 * keypress is `j` in the hosts table, answered when the table's position
 * (`k/5000` in its border) shows the new row.
 */
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { syntheticFleet } from './fixture.js';
import { type BenchContext, type Figure, dist, figure, procStats, scratch } from './lib.js';
import { PtyProbe } from './pty-probe.js';

const HOSTS = 5000;

/** The generated fleet with every host in its first cluster. */
function oneClusterFixture(path: string): void {
  const { clusters, nodes } = syntheticFleet(HOSTS, Date.now());
  const c = clusters[0]!;
  const all = nodes.map((n) => ({ ...n, clusterId: c.id, clusterName: c.name }));
  const cluster = { ...c, hosts: all.length, connectedHosts: all.filter((n) => n.state === 'connected').length };
  writeFileSync(path, JSON.stringify({ clusters: [cluster], nodes: all }));
}

/** Figure 4 and the vDC console's memory. */
export async function vdcConsoleBench(ctx: BenchContext): Promise<Figure[]> {
  const runs = ctx.quick ? 2 : 5;
  const keys = ctx.quick ? 30 : 100;
  const fixture = join(scratch(ctx, 'vdc-console'), 'fleet.json');
  oneClusterFixture(fixture);
  const paintMs: number[] = [];
  const paintBytes: number[] = [];
  const firstByteMs: number[] = [];
  const keyMs: number[] = [];
  const keyBytes: number[] = [];
  let rssMb = 0;
  ctx.log(`vDC console: first paint and ${keys} keypresses with ${HOSTS} hosts in the table`);
  for (let i = 0; i < runs; i++) {
    const probe = new PtyProbe({
      script: dist('scripts/bench/fixture-console.js'),
      args: [fixture],
      term: 'xterm-256color',
    });
    try {
      const painted = await probe.until(
        (s) => s.includes(` 1/${HOSTS} `) && s.includes('a Add host'),
        'complete dashboard',
      );
      paintMs.push(painted.at - probe.startedAt);
      paintBytes.push(painted.bytes);
      firstByteMs.push(probe.firstByteAt! - probe.startedAt);
      if (i !== runs - 1) continue;
      probe.write('\t');
      await probe.until((s) => /▶qx-node/.test(s), 'selection in the hosts table');
      for (let k = 2; k <= keys + 1; k++) {
        const before = probe.bytes;
        const t = performance.now();
        probe.write('j');
        const seen = await probe.until((s) => s.includes(` ${k}/${HOSTS} `), `row ${k} selected`);
        keyMs.push(seen.at - t);
        keyBytes.push(seen.bytes - before);
      }
      rssMb = procStats(probe.pid).rssMb;
    } finally {
      probe.dispose();
    }
  }
  return [
    figure({ figure: 4, name: 'vDC console first paint (5,000 hosts)', unit: 'ms', target: 400 }, paintMs),
    figure(
      {
        figure: 4,
        name: 'vDC console spawn to first byte',
        unit: 'ms',
        note: 'context: start-up before the fleet is painted',
      },
      firstByteMs,
    ),
    figure({ figure: 4, name: 'vDC console keypress to redraw, 5,000-row table', unit: 'ms', target: 50 }, keyMs),
    figure({ figure: 4, name: 'vDC console bytes per row move', unit: 'B' }, keyBytes),
    figure({ figure: 6, name: 'vDC console RSS (5,000 hosts)', unit: 'MB' }, [rssMb]),
  ];
}
