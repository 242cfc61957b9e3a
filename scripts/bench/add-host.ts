/**
 * Figure 2: adding a host end to end through the vDC API (discover, then
 * register into a cluster), one host after another, against real agents
 * (a simulated fleet in its own process) and the compiled vDC. Tokens are
 * generated on the hosts beforehand, as an operator does at the host
 * console; the figure is what the administrator waits for.
 */
import { performance } from 'node:perf_hooks';
import { deriveKey } from '../../common/protocol/proof.js';
import { formatToken } from '../../common/token/token.js';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { startFleetProcess } from './fleet-client.js';
import { type BenchContext, type Figure, figure, scratch, startVdcProgram } from './lib.js';

/** Figure 2. */
export async function addHostBench(ctx: BenchContext): Promise<Figure[]> {
  const count = ctx.quick ? 15 : 50;
  ctx.log(`add host: ${count} agents and a vDC`);
  const vdc = await startVdcProgram({ dir: scratch(ctx, 'add-host-vdc') });
  const fleet = await startFleetProcess({
    count,
    stateRoot: scratch(ctx, 'add-host-fleet', true),
    base: '127.0.3.1',
  }).catch(async (err: unknown) => {
    await vdc.stop();
    throw err;
  });
  const samples: number[] = [];
  const discoverMs: number[] = [];
  try {
    const { tokens } = await fleet.tokens();
    const cluster = await vdc.client.createCluster({ name: 'bench' });
    ctx.log('add host: adding one after another');
    for (const [i, h] of fleet.hosts.entries()) {
      const t = performance.now();
      const found = await vdc.client.discover({
        address: formatHostPort(h.address, h.port),
        token: formatToken(tokens[i]!),
      });
      const t2 = performance.now();
      await vdc.client.register({ discoveryId: found.discoveryId, clusterId: cluster.id });
      samples.push(performance.now() - t);
      discoverMs.push(t2 - t);
    }
  } finally {
    await fleet.close();
    await vdc.stop();
  }
  // The protocol's key derivation, which every discover pays once on the vDC: the floor under this figure.
  const kdfMs: number[] = [];
  for (let i = 0; i < 3; i++) {
    const t = performance.now();
    await deriveKey('0123456789AB');
    kdfMs.push(performance.now() - t);
  }
  return [
    figure(
      {
        figure: 2,
        name: 'Add host end to end (discover + register)',
        unit: 'ms',
        target: 250,
        note: `${count} hosts, one at a time`,
      },
      samples,
    ),
    figure({ figure: 2, name: "of which discover (includes the vDC's scrypt)", unit: 'ms' }, discoverMs),
    figure(
      {
        figure: 2,
        name: 'scrypt key derivation (N=32768, r=8), one',
        unit: 'ms',
        note: 'context: paid once per discover on the vDC',
      },
      kdfMs,
    ),
  ];
}
