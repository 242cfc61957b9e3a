/**
 * Figure 1 (and the agent's part of figure 6): proof-authenticated discovery
 * against the compiled `quantix-node serve` over HTTPS on loopback, reading
 * this machine's own inventory. Warm requests answer from the inventory
 * cache; the baseline is the same agent library with the cache bypassed
 * (uncached-agent.js), measured in the same run; the cold figure is one
 * collection in a fresh process, which every agent start pays.
 */
import { execFile } from 'node:child_process';
import { performance } from 'node:perf_hooks';
import { setTimeout as sleep } from 'node:timers/promises';
import { promisify } from 'node:util';
import { HostAgentClient } from '../../common/http/host-agent-client.js';
import { LocalAgentClient } from '../../common/http/local-agent-client.js';
import { deriveKey } from '../../common/protocol/proof.js';
import { canonicalizeToken } from '../../common/token/token.js';
import {
  type AgentProgram,
  type BenchContext,
  type Figure,
  dist,
  figure,
  pool,
  procStats,
  scratch,
  startAgentProgram,
} from './lib.js';

const run = promisify(execFile);

/** A client holding a derived key for one agent, with the identity pinned by a first hello. */
async function provenClient(agent: AgentProgram, host: string): Promise<{ client: HostAgentClient; key: Buffer }> {
  const info = await new LocalAgentClient({ socketPath: agent.socketPath }).generateToken();
  const canonical = canonicalizeToken(info.token);
  if (!canonical) throw new Error('the agent issued a token that does not parse');
  const key = await deriveKey(canonical);
  const client = new HostAgentClient({ host, port: agent.port });
  await client.hello();
  return { client, key };
}

async function timedDiscoveries(client: HostAgentClient, key: Buffer, n: number): Promise<number[]> {
  const out: number[] = [];
  for (let i = 0; i < n; i++) {
    const t = performance.now();
    await client.discovery(key);
    out.push(performance.now() - t);
  }
  return out;
}

/** Figure 1 and the agent's memory. */
export async function discoveryBench(ctx: BenchContext): Promise<Figure[]> {
  const warmRuns = ctx.quick ? 50 : 200;
  const baselineRuns = ctx.quick ? 10 : 40;
  const coldRuns = ctx.quick ? 2 : 5;
  const figures: Figure[] = [];

  ctx.log('discovery: cold collections in fresh processes');
  const cold: number[] = [];
  for (let i = 0; i < coldRuns; i++) {
    const { stdout } = await run(process.execPath, [dist('scripts/bench/inventory.js'), '--cold-root', '/'], {
      timeout: 60_000,
    });
    cold.push((JSON.parse(stdout) as { coldMs: number }).coldMs);
  }

  ctx.log('discovery: warm requests against quantix-node serve');
  const host = '127.0.2.1';
  const agent = await startAgentProgram({ dir: scratch(ctx, 'agent'), host });
  let warm: number[];
  let idleRss: number;
  let loadRss: number;
  try {
    const { client, key } = await provenClient(agent, host);
    // Let start-up garbage settle so "idle" is what a waiting agent holds.
    await sleep(2_000);
    idleRss = procStats(agent.pid).rssMb;
    // A few unmeasured requests so the figure is the steady state, not the JIT's first compilations.
    await timedDiscoveries(client, key, 10);
    warm = await timedDiscoveries(client, key, warmRuns);
    // Load: eight vDCs asking at once, each on its own connection. RSS is sampled during it: the lifetime peak (VmHWM) would include the token's scrypt.
    loadRss = procStats(agent.pid).rssMb;
    const sampler = setInterval(() => {
      loadRss = Math.max(loadRss, procStats(agent.pid).rssMb);
    }, 25);
    try {
      await pool(
        Array.from({ length: warmRuns }, () => null),
        8,
        () => client.discovery(key),
      );
    } finally {
      clearInterval(sampler);
    }
    loadRss = Math.max(loadRss, procStats(agent.pid).rssMb);
  } finally {
    await agent.stop();
  }

  ctx.log('discovery: baseline without the cache');
  const uhost = '127.0.2.2';
  const uncached = await startAgentProgram({
    dir: scratch(ctx, 'uncached'),
    host: uhost,
    script: dist('scripts/bench/uncached-agent.js'),
  });
  let baseline: number[];
  try {
    const { client, key } = await provenClient(uncached, uhost);
    await timedDiscoveries(client, key, 3);
    baseline = await timedDiscoveries(client, key, baselineRuns);
  } finally {
    await uncached.stop();
  }

  figures.push(
    figure({ figure: 1, name: 'Discovery, warm (cached inventory)', unit: 'ms', target: 20 }, warm),
    figure({ figure: 1, name: 'Inventory, cold collection (fresh process)', unit: 'ms', target: 1500 }, cold),
    figure(
      {
        figure: 1,
        name: 'Discovery without the cache (baseline)',
        unit: 'ms',
        note: 'same agent library, every request collects afresh',
      },
      baseline,
    ),
    figure({ figure: 6, name: 'Agent RSS, idle with a token', unit: 'MB', target: 80 }, [idleRss]),
    figure(
      {
        figure: 6,
        name: 'Agent RSS under discovery load',
        unit: 'MB',
        target: 80,
        note: `highest RSS sampled while ${warmRuns} requests run 8 at a time`,
      },
      [loadRss],
    ),
  );
  return figures;
}
