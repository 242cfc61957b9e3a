/**
 * Trends against real processes: a real vDC polling two real agents every
 * 100 ms with 300 ms trend buckets and a window of 5, on both back ends.
 * The history fills, stays at most 5 rows per host in the database while
 * the window slides on, gives the cluster's use as the sum of its hosts',
 * is served by the API and the CLI (text and `--json`), and goes with the
 * host when it is removed.
 */
import fs from 'node:fs';
import { afterAll, beforeAll, describe, expect, it } from 'vitest';
import Database from 'better-sqlite3';
import pg from 'pg';
import path from 'node:path';
import type { TrendResponse } from '../../common/protocol/vdc-api.js';
import { type AgentProcess, REPO_ROOT, startAgent } from '../helpers/agent.js';
import { expectQuantixError } from '../helpers/expect-error.js';
import { usePostgres, VDC_BACKENDS } from '../helpers/postgres.js';
import { stopAll } from '../helpers/teardown.js';
import { startVdc, type VdcProcess, waitFor } from '../helpers/vdc.js';
import { agentAddress, newToken, runConsoleCli, tempDir } from '../e2e/vdc-console-support.js';

const postgres = usePostgres();
const POINTS = 5;
const BUCKET_MS = 300;

describe.each(VDC_BACKENDS)('%s', (backend) => {
  let vdc: VdcProcess;
  let agents: AgentProcess[] = [];
  let database: string | undefined;
  let home: string;
  const ids: string[] = [];

  /** Trend rows each host holds in the database itself, whatever the API's window shows. */
  async function rowsPerHost(): Promise<Map<string, number>> {
    const sql = 'SELECT node_id, COUNT(*) AS n FROM node_trends GROUP BY node_id';
    let rows: { node_id: string; n: number | string }[];
    if (database) {
      const c = new pg.Client({ connectionString: database });
      await c.connect();
      try {
        rows = (await c.query<{ node_id: string; n: string }>(sql)).rows;
      } finally {
        await c.end();
      }
    } else {
      const db = new Database(path.join(vdc.stateDir, 'vdc.db'), { readonly: true });
      try {
        rows = db.prepare<[], { node_id: string; n: number }>(sql).all();
      } finally {
        db.close();
      }
    }
    return new Map(rows.map((r) => [r.node_id, Number(r.n)]));
  }

  beforeAll(async () => {
    database = await postgres.database(backend);
    home = tempDir('qx-trends-home-');
    [vdc, ...agents] = await Promise.all([
      startVdc({
        name: 'vdc-trends',
        pollInterval: '100ms',
        args: ['--trend-bucket', `${BUCKET_MS}ms`, '--trend-points', String(POINTS)],
        readyTimeoutMs: 60_000,
        ...(database ? { database } : {}),
      }),
      // The first reads this machine (real CPU and memory use); the second a fixture machine (another host id,
      // memory but no CPU use: its /proc does not move).
      startAgent({ host: '127.0.21.1' }),
      startAgent({ host: '127.0.21.2', inventoryRoot: path.join(REPO_ROOT, 'test/fixtures/hosts/server-2s') }),
    ]);
    const client = vdc.client();
    const cluster = await client.createCluster({ name: 'Trend' });
    for (const a of agents) {
      const d = await client.discover({ address: agentAddress(a), token: await newToken(a) });
      ids.push((await client.register({ discoveryId: d.discoveryId, clusterId: cluster.id })).id);
    }
  });

  afterAll(async () => {
    await stopAll(...agents, vdc);
    fs.rmSync(home, { recursive: true, force: true });
  });

  it('fills each host history up to the window and keeps it there while the window slides', async () => {
    const client = vdc.client();
    const full = await waitFor(
      'a full window for both hosts',
      async () => {
        const t = await Promise.all(ids.map((id) => client.nodeTrend(id)));
        return t.every((x) => x.samples.length === POINTS) ? t : null;
      },
      30_000,
    );
    for (const [i, t] of full.entries()) {
      expect(t).toMatchObject({ kind: 'host', bucketSeconds: BUCKET_MS / 1000, points: POINTS });
      // This machine's CPU use is known from its second check on.
      if (i === 0) expect(t.samples.some((s) => s.cpuPercent !== null)).toBe(true);
      for (const s of t.samples) {
        if (s.cpuPercent !== null) {
          expect(s.cpuPercent).toBeGreaterThanOrEqual(0);
          expect(s.cpuPercent).toBeLessThanOrEqual(100);
        }
        expect(s.memoryPercent).toBeGreaterThan(0);
        expect(s.hosts).toBe(1);
      }
      // Oldest first, one bucket apart at most what the window allows.
      const at = t.samples.map((s) => Date.parse(s.at));
      expect([...at].sort((a, b) => a - b)).toEqual(at);
      expect(Date.parse(t.to) - at[0]!).toBeLessThanOrEqual(POINTS * BUCKET_MS);
    }
    // Three more windows go by: the oldest sample moves on and the database never holds more than the window.
    const firstAt = full[0]!.samples[0]!.at;
    let maxRows = 0;
    await waitFor(
      'the window to slide by three windows',
      async () => {
        for (const n of (await rowsPerHost()).values()) maxRows = Math.max(maxRows, n);
        const t = await client.nodeTrend(ids[0]!);
        return Date.parse(t.samples[0]?.at ?? firstAt) - Date.parse(firstAt) >= 3 * POINTS * BUCKET_MS;
      },
      30_000,
    );
    expect(maxRows).toBeGreaterThan(0);
    expect(maxRows).toBeLessThanOrEqual(POINTS);
  });

  it("derives the cluster's history from its hosts' samples, bucket by bucket", async () => {
    const client = vdc.client();
    // The three reads are not one snapshot: wait for a bucket that the cluster counts both hosts in and that both
    // hosts' own windows still hold, so the sums are always checked.
    const [cluster, sa, sb] = await waitFor('a cluster bucket both hosts reported in', async () => {
      const [c, a, b] = await Promise.all([client.clusterTrend('Trend'), ...ids.map((id) => client.nodeTrend(id))]);
      for (const s of c.samples.filter((x) => x.hosts === 2)) {
        const inA = a!.samples.find((x) => x.at === s.at);
        const inB = b!.samples.find((x) => x.at === s.at);
        if (inA && inB) return [{ ...c, bucket: s }, inA, inB] as const;
      }
      return null;
    });
    expect(cluster).toMatchObject({ kind: 'cluster', name: 'Trend' });
    const bucket = cluster.bucket;
    expect(bucket.memoryUsedBytes).toBe(sa.memoryUsedBytes! + sb.memoryUsedBytes!);
    expect(bucket.memoryTotalBytes).toBe(sa.memoryTotalBytes! + sb.memoryTotalBytes!);
    expect(bucket.memoryPercent).toBeGreaterThan(0);
    await expect(client.clusterTrend('no-such-cluster')).rejects.toMatchObject({ code: 'CLUSTER_NOT_FOUND' });
  });

  it('prints the history with the CLI: sparklines in ASCII under LANG=C, and the trend with --json', async () => {
    const opts = { home, socketPath: vdc.socketPath };
    const text = await runConsoleCli(['trends', ids[0]!], { ...opts, env: { LANG: 'C', LC_ALL: 'C' } });
    expect(text.code).toBe(0);
    const lines = text.stdout.trimEnd().split('\n');
    expect(lines[0]).toMatch(/^Host .+: CPU and memory use, last 1\.5 s \(one sample per 0\.3 s\)$/);
    expect(lines[1]).toMatch(/^ {2}CPU {5}[_.\-=# ]+ \d+% min \d+% max \d+%$/);
    expect(lines[2]).toMatch(/^ {2}Memory {2}[_.\-=# ]+ \d+% min \d+% max \d+%$/);
    expect(/^[\x20-\x7e\n]*$/.test(text.stdout)).toBe(true);

    const json = await runConsoleCli(['trends', '--cluster', 'Trend', '--json'], opts);
    expect(json.code).toBe(0);
    const { trend } = JSON.parse(json.stdout) as { trend: TrendResponse };
    expect(trend).toMatchObject({ kind: 'cluster', name: 'Trend', points: POINTS });

    const both = await runConsoleCli(['trends', ids[0]!, '--cluster', 'Trend'], opts);
    expect(both.code).toBe(2);
    expect(both.stderr).toContain('VALIDATION_ERROR');
  });

  it("removes a host's history with the host", async () => {
    const client = vdc.client();
    await client.removeNode(ids[1]!);
    expect((await rowsPerHost()).has(ids[1]!)).toBe(false);
    const err = await expectQuantixError(client.nodeTrend(ids[1]!));
    expect(err.code).toBe('HOST_NOT_FOUND');
    const c = await client.clusterTrend('Trend');
    const newest = c.samples[c.samples.length - 1]!;
    await waitFor('a cluster bucket after the removal', async () => {
      const t = await client.clusterTrend('Trend');
      const last = t.samples[t.samples.length - 1];
      return last && last.at > newest.at && last.hosts === 1;
    });
  });
});
