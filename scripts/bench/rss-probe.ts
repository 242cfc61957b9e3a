/**
 * Where the vDC's memory goes as hosts are registered: a SQLite vDC and a
 * simulated fleet in its own process, as figure 7 runs them, with the
 * vDC's RSS and /proc/PID/smaps_rollup read after every step of hosts and
 * after one poll round. Faster than the whole figure, for per-host slopes.
 *
 *   node dist/scripts/bench/rss-probe.js --count 300 --step 100 [--base 127.0.20.1]
 *
 * The vDC runs with its systemd unit's node options. The environment reaches
 * it, so a runtime setting can be compared; with MEMPROBE_DIR and
 * NODE_OPTIONS="--import …/dist/scripts/bench/mem-stats.js" the vDC's V8
 * figures are written there at the end (see mem-stats.ts).
 */
import { existsSync, mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { parseArgs } from 'node:util';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { formatToken } from '../../common/token/token.js';
import { startFleetProcess } from './fleet-client.js';
import { pool, procStats, startVdcProgram } from './lib.js';

const POLL_INTERVAL_S = 10;

function rollup(pid: number): Record<string, number> {
  const out: Record<string, number> = {};
  for (const m of readFileSync(`/proc/${pid}/smaps_rollup`, 'utf8').matchAll(/^(\w+):\s+(\d+) kB/gm))
    out[m[1]!] = Math.round(Number(m[2]) / 1024);
  return { rss: out.Rss!, anon: out.Anonymous!, file: (out.Rss ?? 0) - (out.Anonymous ?? 0) };
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      count: { type: 'string', default: '300' },
      step: { type: 'string', default: '100' },
      base: { type: 'string', default: '127.0.20.1' },
      hold: { type: 'string', default: '0' },
    },
  });
  const count = Number(values.count);
  const step = Number(values.step);
  const tmp = mkdtempSync(join(os.tmpdir(), 'qx-rss-'));
  const memTmp = mkdtempSync('/dev/shm/qx-rss-');
  const line = (what: string, pid: number, extra: Record<string, unknown> = {}) => {
    const st = procStats(pid);
    process.stdout.write(
      `${JSON.stringify({ what, rssMb: st.rssMb, cpuS: st.cpuSeconds, ...rollup(pid), ...extra })}\n`,
    );
  };
  const vdc = await startVdcProgram({ dir: tmp, pollInterval: `${POLL_INTERVAL_S}s` });
  const fleet = await startFleetProcess({ count, stateRoot: memTmp, base: values.base });
  try {
    const { tokens } = await fleet.tokens();
    const cluster = await vdc.client.createCluster({ name: 'rss' });
    await sleep(2000);
    line('idle', vdc.pid);
    const t = performance.now();
    let failed = 0;
    for (let from = 0; from < count; from += step) {
      const hosts = fleet.hosts.slice(from, from + step);
      await pool(hosts, 8, async (h, j) => {
        try {
          const found = await vdc.client.discover({
            address: formatHostPort(h.address, h.port),
            token: formatToken(tokens[from + j]!),
          });
          await vdc.client.register({ discoveryId: found.discoveryId, clusterId: cluster.id });
        } catch {
          failed++;
        }
      });
      const s = ((performance.now() - t) / 1000).toFixed(0);
      line(`registered ${from + hosts.length - failed} of ${from + hosts.length} (${s} s)`, vdc.pid);
    }
    await sleep(POLL_INTERVAL_S * 1000 + 2000);
    const { poller } = await vdc.client.health();
    line('after one poll interval + 2 s', vdc.pid, { roundMs: poller.lastRoundMs, roundHosts: poller.lastRoundHosts });
    await sleep(Number(values.hold) * 1000);
    if (Number(values.hold) > 0) line(`after ${values.hold} s more`, vdc.pid);
    const probe = process.env.MEMPROBE_DIR;
    if (probe) {
      // The diagnostic preload (mem-stats.js) writes the vDC's memory statistics on SIGUSR2.
      process.kill(vdc.pid, 'SIGUSR2');
      const deadline = Date.now() + 120_000;
      while (!existsSync(join(probe, 'done-0'))) {
        if (Date.now() > deadline)
          throw new Error('the vDC wrote no memory statistics: was it started with the mem-stats.js preload?');
        await sleep(200);
      }
    }
  } finally {
    await fleet.close();
    await vdc.stop();
    rmSync(tmp, { recursive: true, force: true });
    rmSync(memTmp, { recursive: true, force: true });
  }
}

main().catch((err: unknown) => {
  process.stderr.write(`rss-probe failed: ${(err as Error).message}\n`);
  process.exit(1);
});
