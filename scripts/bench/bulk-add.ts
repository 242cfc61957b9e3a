/**
 * Figure 8: 50 hosts added from one file (`hosts add --from FILE --yes`)
 * against 50 single adds (`hosts add --address A --token-stdin --yes`, one
 * after another, as a script would), both through the compiled console
 * CLI against the compiled vDC and a simulated fleet in its own process:
 * the wall time the administrator waits and the CPU time the vDC spends
 * (user plus system, from /proc/PID/stat).
 */
import { spawn } from 'node:child_process';
import { writeFileSync } from 'node:fs';
import { join } from 'node:path';
import { performance } from 'node:perf_hooks';
import { formatHostPort } from '../../common/protocol/host-port.js';
import { formatToken } from '../../common/token/token.js';
import { startFleetProcess } from './fleet-client.js';
import { dist, type BenchContext, type Figure, figure, procStats, scratch, startVdcProgram, track } from './lib.js';

/** Runs the compiled console CLI with stdin given; rejects unless it exits with `expect`. */
function consoleCli(args: string[], input: string, home: string, expect = 0): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(process.execPath, [dist('vdc-console/console/main.js'), ...args], {
      env: { ...process.env, HOME: home, QUANTIX_TOKEN: '', QUANTIX_VDC_SERVER: '' },
      stdio: ['pipe', 'pipe', 'pipe'],
    });
    track(child);
    let out = '';
    let err = '';
    child.stdout.setEncoding('utf8').on('data', (d: string) => (out += d));
    child.stderr.setEncoding('utf8').on('data', (d: string) => (err += d));
    child.stdin.end(input);
    child.on('close', (code) => {
      if (code === expect) resolve(out);
      else reject(new Error(`quantix-vdc-console ${args.slice(0, 2).join(' ')} exited ${code}: ${err.slice(-400)}`));
    });
  });
}

/** Figure 8. */
export async function bulkAddBench(ctx: BenchContext): Promise<Figure[]> {
  const count = ctx.quick ? 20 : 50;
  ctx.log(`bulk add: ${2 * count} agents and a vDC`);
  const home = scratch(ctx, 'bulk-add-home');
  const vdc = await startVdcProgram({ dir: scratch(ctx, 'bulk-add-vdc') });
  const fleet = await startFleetProcess({
    count: 2 * count,
    stateRoot: scratch(ctx, 'bulk-add-fleet', true),
    base: '127.0.9.1',
  }).catch(async (err: unknown) => {
    await vdc.stop();
    throw err;
  });
  const socket = ['--socket', vdc.socketPath];
  let single: { wallS: number; cpuS: number };
  let bulk: { wallS: number; cpuS: number };
  try {
    const { tokens } = await fleet.tokens();
    await vdc.client.createCluster({ name: 'single' });
    await vdc.client.createCluster({ name: 'bulk' });
    const address = (i: number) => formatHostPort(fleet.hosts[i]!.address, fleet.hosts[i]!.port);

    ctx.log(`bulk add: ${count} single adds, one after another`);
    let cpu = procStats(vdc.pid).cpuSeconds;
    let t = performance.now();
    for (let i = 0; i < count; i++) {
      const args = ['hosts', 'add', '--address', address(i), '--cluster', 'single', '--token-stdin', '--yes'];
      await consoleCli([...args, ...socket], `${formatToken(tokens[i]!)}\n`, home);
    }
    single = { wallS: (performance.now() - t) / 1000, cpuS: procStats(vdc.pid).cpuSeconds - cpu };

    ctx.log(`bulk add: ${count} hosts from one file`);
    const lines = ['address,token,cluster'];
    for (let i = count; i < 2 * count; i++) lines.push(`${address(i)},${formatToken(tokens[i]!)},bulk`);
    const file = join(home, 'hosts.csv');
    writeFileSync(file, `${lines.join('\n')}\n`, { mode: 0o600 });
    cpu = procStats(vdc.pid).cpuSeconds;
    t = performance.now();
    const report = JSON.parse(
      await consoleCli(['hosts', 'add', '--from', file, '--yes', '--json', ...socket], '', home),
    ) as { counts: { added: number } };
    bulk = { wallS: (performance.now() - t) / 1000, cpuS: procStats(vdc.pid).cpuSeconds - cpu };
    if (report.counts.added !== count) throw new Error(`the file added ${report.counts.added} of ${count} hosts`);
  } finally {
    await fleet.close();
    await vdc.stop();
  }
  const note = `${count} hosts; file: 8 at a time`;
  const round = (x: number) => Math.round(x * 100) / 100;
  return [
    figure({ figure: 8, name: `Add ${count} hosts from one file, wall`, unit: 's', note }, [round(bulk.wallS)]),
    figure({ figure: 8, name: `Add ${count} hosts one by one (CLI each), wall`, unit: 's', note }, [
      round(single.wallS),
    ]),
    figure({ figure: 8, name: `Add ${count} hosts from one file, vDC CPU`, unit: 's', note }, [round(bulk.cpuS)]),
    figure({ figure: 8, name: `Add ${count} hosts one by one, vDC CPU`, unit: 's', note }, [round(single.cpuS)]),
  ];
}
