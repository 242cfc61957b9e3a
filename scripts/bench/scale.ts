/**
 * Figure 5: a simulated fleet of 1,000 agents in one process (each on its own
 * 127.0.x.y address with a fixture inventory), all registered through the
 * compiled vDC's API with bounded concurrency, then health-poll rounds over
 * all of them. The vDC runs in its own process, so its CPU seconds and peak
 * RSS (from /proc) are its own; the fleet's cost is not in them.
 */
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { formatToken } from '../../common/token/token.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { startFleetProcess } from './fleet-client.js';
import { type BenchContext, type Figure, figure, pool, procStats, scratch, startVdcProgram } from './lib.js';

/** Hosts in the fleet (the figure's targets are for 1,000). */
export const SCALE_HOSTS = 1000;
/** Registrations in flight at once. */
const CONCURRENCY = 8;
/** Poll interval of the vDC during the run: short enough to see rounds soon, long enough that they do not overlap. */
const POLL_INTERVAL_S = 10;

/** Figure 5. */
export async function scaleBench(ctx: BenchContext): Promise<Figure[]> {
  const count = SCALE_HOSTS;
  const rounds = ctx.quick ? 1 : 2;
  ctx.log(`scale: starting ${count} agents in one process`);
  const fleet = await startFleetProcess({ count, stateRoot: scratch(ctx, 'scale-fleet', true), base: '127.0.4.1' });
  const vdc = await startVdcProgram({ dir: scratch(ctx, 'scale-vdc'), pollInterval: `${POLL_INTERVAL_S}s` }).catch(
    async (err: unknown) => {
      await fleet.close();
      throw err;
    },
  );
  try {
    ctx.log(`scale: fleet up in ${(fleet.startMs / 1000).toFixed(1)} s; waiting for every host's token`);
    const { tokens, ms: tokenMs } = await fleet.tokens();
    ctx.log(`scale: tokens in ${(tokenMs / 1000).toFixed(1)} s; registering ${count} hosts, ${CONCURRENCY} at a time`);
    const cluster = await vdc.client.createCluster({ name: 'scale' });
    const cpuBefore = procStats(vdc.pid).cpuSeconds;
    const failures = new Map<string, number>();
    const t = performance.now();
    let done = 0;
    await pool(fleet.hosts, CONCURRENCY, async (h, i) => {
      try {
        const found = await vdc.client.discover({
          address: formatHostPort(h.address, h.port),
          token: formatToken(tokens[i]!),
        });
        await vdc.client.register({ discoveryId: found.discoveryId, clusterId: cluster.id });
      } catch (err) {
        const code = (err as { code?: string }).code ?? (err as Error).message;
        failures.set(code, (failures.get(code) ?? 0) + 1);
      }
      if (++done % 100 === 0) ctx.log(`scale: ${done} registered`);
    });
    const registerSeconds = (performance.now() - t) / 1000;
    const registerCpu = procStats(vdc.pid).cpuSeconds - cpuBefore;
    const registered = count - [...failures.values()].reduce((a, b) => a + b, 0);
    const registeredAt = Date.now();

    ctx.log(
      `scale: registered ${registered} in ${registerSeconds.toFixed(1)} s; waiting for ${rounds} full poll round(s)`,
    );
    // The first round that ends after the registrations may have started during them; the ones after it are clean.
    const roundMs: number[] = [];
    const roundCpu: number[] = [];
    let lastAt: string | null = null;
    let cpuAtLast = 0;
    let seen = 0;
    const deadline = Date.now() + (rounds + 2) * (POLL_INTERVAL_S * 1000 + 60_000);
    while (roundMs.length < rounds) {
      if (Date.now() > deadline) throw new Error(`no full poll round over ${registered} hosts before the deadline`);
      const health = await vdc.client.health();
      const p = health.poller;
      if (p.lastRoundAt !== null && p.lastRoundAt !== lastAt && Date.parse(p.lastRoundAt) > registeredAt) {
        const cpu = procStats(vdc.pid).cpuSeconds;
        if (seen > 0 && p.lastRoundHosts >= registered && p.lastRoundMs !== null) {
          roundMs.push(p.lastRoundMs);
          roundCpu.push(cpu - cpuAtLast);
        }
        seen++;
        lastAt = p.lastRoundAt;
        cpuAtLast = cpu;
      }
      await sleep(100);
    }
    const peak = procStats(vdc.pid).peakRssMb;
    const failed = failures.size === 0 ? '' : `; failed: ${[...failures].map(([c, n]) => `${c} x${n}`).join(', ')}`;
    return [
      figure(
        {
          figure: 5,
          name: `Register ${count} hosts, total`,
          unit: 's',
          target: 60,
          note: `${CONCURRENCY} at a time, ${registered} registered${failed}`,
        },
        [registerSeconds],
      ),
      figure({ figure: 5, name: `Register ${count} hosts, rate`, unit: 'hosts/s' }, [registered / registerSeconds]),
      figure({ figure: 5, name: 'vDC CPU during registration', unit: 's' }, [registerCpu]),
      figure(
        {
          figure: 5,
          name: `Health-poll round over ${count} hosts`,
          unit: 's',
          target: 5,
          note: 'wall time as the vDC logs it',
        },
        roundMs.map((m) => m / 1000),
      ),
      figure({ figure: 5, name: 'vDC CPU per poll round', unit: 's' }, roundCpu),
      figure({ figure: 5, name: 'vDC peak RSS over the scale run', unit: 'MB' }, [peak]),
      figure(
        { figure: 5, name: `Fleet start (${count} agents, one process)`, unit: 's', note: 'harness cost, for context' },
        [fleet.startMs / 1000],
      ),
      figure(
        {
          figure: 5,
          name: `Token generation on ${count} hosts`,
          unit: 's',
          note: 'one scrypt per token in the fleet process, from the first host up to the last token (overlaps the fleet start); not in the registration time',
        },
        [tokenMs / 1000],
      ),
    ];
  } finally {
    await fleet.close();
    await vdc.stop();
  }
}
